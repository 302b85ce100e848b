/* Pipes between threads: a reader blocked on an empty pipe while a heartbeat ticks, a 4 MiB write
 * through a pipe that a reader drains (the writer must block for room without stopping the
 * reader), EOF after the write end closes, and the program's own O_NONBLOCK on a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>
#include "common.h"

static int p[2];
static void *late_writer(void *arg)
{
	usleep(200000);
	CHECK(write(p[1], "hello", 5) == 5);
	return arg;
}

static void *drain(void *arg)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	return (void *)total;
}

int main(void)
{
	pthread_t hb, w;
	char buf[16] = { 0 };
	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&hb, NULL, hb_run, NULL) == 0);
	CHECK(pthread_create(&w, NULL, late_writer, NULL) == 0);
	long t0 = hb_ticks;
	ssize_t n = read(p[0], buf, sizeof(buf));
	printf("blocked read -> %zd %s, heartbeat ticked meanwhile %s\n", n, buf, hb_ticks - t0 >= 10 ? "yes" : "no");
	pthread_join(w, NULL);
	static char big[4 << 20];
	pthread_t d;
	CHECK(pthread_create(&d, NULL, drain, NULL) == 0);
	struct iovec v[2] = { { big, sizeof(big) / 2 }, { big + sizeof(big) / 2, sizeof(big) / 2 } };
	printf("writev 4 MiB -> %zd\n", writev(p[1], v, 2));
	close(p[1]);
	void *total;
	pthread_join(d, &total);
	printf("reader got %ld, then EOF\n", (long)total);
	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	errno = 0;
	n = read(p[0], buf, 1);
	printf("read of an empty pipe the program made non-blocking -> %zd %s\n", n, strerror(errno));
	hb_done = 1;
	pthread_join(hb, NULL);
	printf("os_threads=%ld\n", os_threads());
	return 0;
}
