/* A heartbeat thread ticks every 10 ms (usleep) while the main thread makes one long blocking
 * call; prints the call's result, the ticks counted during it and the longest gap between ticks.
 * With the call green, the heartbeat keeps ticking. usage: heartbeat sleep1|nanosleep300|poll300|select300|recv300|accept300 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

static volatile int done;
static volatile long ticks;
static double max_gap;
static int sv[2];

static void *heartbeat(void *arg)
{
	double last = now_ms();
	while (!done) {
		usleep(10000);
		double t = now_ms();
		if (t - last > max_gap)
			max_gap = t - last;
		last = t;
		ticks++;
	}
	return arg;
}

static int listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 8) == 0);
	return fd;
}

static long work(const char *what)
{
	struct timeval tv = { 0, 300000 };
	struct timespec ts = { 0, 300000000 };
	if (!strcmp(what, "sleep1"))
		return sleep(1);
	if (!strcmp(what, "nanosleep300"))
		return nanosleep(&ts, NULL);
	if (!strcmp(what, "poll300")) {
		struct pollfd p = { .fd = sv[0], .events = POLLIN };
		return poll(&p, 1, 300);
	}
	if (!strcmp(what, "select300")) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(sv[0], &r);
		return select(sv[0] + 1, &r, NULL, NULL, &tv);
	}
	if (!strcmp(what, "recv300")) {
		char c;
		CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
		return recv(sv[0], &c, 1, 0) < 0 ? -errno : 0;
	}
	if (!strcmp(what, "accept300")) {
		int l = listener();
		CHECK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
		return accept(l, NULL, NULL) < 0 ? -errno : 0;
	}
	CHECK(!"unknown work");
	return 0;
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t hb;
	CHECK(pthread_create(&hb, NULL, heartbeat, NULL) == 0);
	usleep(30000); /* let the heartbeat start ticking */
	double t0 = now_ms();
	long ticks0 = ticks;
	long r = work(argv[1]);
	double took = now_ms() - t0;
	long during = ticks - ticks0;
	done = 1;
	pthread_join(hb, NULL);
	printf("result=%ld took_ms=%.0f ticks_during=%ld max_gap_ms=%.0f os_threads=%ld\n", r, took, during,
	       max_gap, os_threads());
	return 0;
}
