/* A thread spins on sched_yield() until a flag is set by a thread that first has to receive a
 * byte from a socket, sent by a third thread after a sleep: the spinning must not starve the I/O. */
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static volatile int flag;
static int sv[2];
static long spins;

static void *spinner(void *arg)
{
	while (!flag) {
		sched_yield();
		spins++;
	}
	return arg;
}

static void *reader(void *arg)
{
	char c;
	CHECK(read(sv[0], &c, 1) == 1);
	flag = 1;
	return arg;
}

static void *writer(void *arg)
{
	usleep(50000);
	CHECK(write(sv[1], "x", 1) == 1);
	return arg;
}

int main(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t a, b, c;
	double t0 = now_ms();
	CHECK(pthread_create(&a, NULL, spinner, NULL) == 0);
	CHECK(pthread_create(&b, NULL, reader, NULL) == 0);
	CHECK(pthread_create(&c, NULL, writer, NULL) == 0);
	pthread_join(a, NULL), pthread_join(b, NULL), pthread_join(c, NULL);
	printf("flag set after %.0f ms, spinner yielded %s, os_threads=%ld\n", now_ms() - t0,
	       spins > 0 ? "yes" : "no", os_threads());
	return 0;
}
