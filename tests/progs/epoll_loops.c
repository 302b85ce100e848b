/* An event loop per thread, as libevent/libev/libuv servers with worker threads have: 4 threads
 * each wait in their own epoll instance for their own socket while the main thread feeds them; a
 * heartbeat ticks meanwhile. Also an epoll_wait timeout and the error cases, compared with the
 * native run. */
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int pairs[4][2];
static void *loop(void *arg)
{
	long i = (long)arg, got = 0;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)i };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i][0], &ev) == 0);
	while (got < 3) {
		struct epoll_event out[4];
		int n = epoll_wait(ep, out, 4, 5000);
		CHECK(n == 1 && out[0].data.u64 == (uint64_t)i);
		char c;
		CHECK(read(pairs[i][0], &c, 1) == 1);
		got++;
	}
	close(ep);
	return (void *)got;
}

int main(void)
{
	pthread_t hb, t[4];
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(pthread_create(&hb, NULL, hb_run, NULL) == 0);
	for (long i = 0; i < 4; i++) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]) == 0);
		CHECK(pthread_create(&t[i], NULL, loop, (void *)i) == 0);
	}
	long t0 = hb_ticks;
	for (int round = 0; round < 3; round++) {
		usleep(50000);
		for (int i = 0; i < 4; i++)
			CHECK(write(pairs[i][1], "x", 1) == 1);
	}
	long total = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long)r;
	}
	printf("events delivered %ld of 12, heartbeat kept ticking %d\n", total, hb_ticks - t0 >= 5);
	int ep = epoll_create1(0);
	struct epoll_event out[1];
	double s = now_ms();
	int n = epoll_wait(ep, out, 1, 100);
	printf("epoll_wait nothing, 100 ms -> %d, waited>=90 %d\n", n, now_ms() - s >= 90);
	errno = 0;
	n = epoll_wait(ep, out, 0, 100);
	printf("epoll_wait maxevents 0 -> %d %s\n", n, strerror(errno));
	errno = 0;
	n = epoll_wait(1000, out, 1, 100);
	printf("epoll_wait closed fd -> %d %s\n", n, strerror(errno));
	errno = 0;
	n = epoll_wait(pairs[0][0], out, 1, 100);
	printf("epoll_wait on a socket -> %d %s\n", n, strerror(errno));
	hb_done = 1;
	pthread_join(hb, NULL);
	return 0;
}
