/* Shows by behaviour which modules are patched. thread: are 4 pthreads 4 OS threads? When threads
 * are green (one OS thread), time: do two 100 ms sleeps overlap? socket: does a read blocked on a
 * socket let another thread run (the read has SO_RCVTIMEO 300 ms, so an unpatched read returns
 * EAGAIN instead of hanging)? select: the same with poll(300 ms). Prints e.g.
 * "thread=1 time=1 socket=1 select=1" (only thread=0 when threads are native). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

static int sv[2];

static void *sleep100(void *a)
{
	usleep(100000);
	return a;
}

static void *writer(void *a)
{
	CHECK(write(sv[1], "x", 1) == 1);
	return a;
}

static void *reader(void *a)
{
	char c;
	return (void *)(long)(read(sv[0], &c, 1) == 1);
}

static void *poller(void *a)
{
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	return (void *)(long)(poll(&p, 1, 300) == 1);
}

/* Start `first`, then `second`; 1 if `first` reported success. */
static int race(void *(*first)(void *), void *(*second)(void *))
{
	pthread_t a, b;
	void *r;
	CHECK(pthread_create(&a, NULL, first, NULL) == 0);
	CHECK(pthread_create(&b, NULL, second, NULL) == 0);
	CHECK(pthread_join(a, &r) == 0);
	CHECK(pthread_join(b, NULL) == 0);
	char c;
	while (recv(sv[0], &c, 1, MSG_DONTWAIT) == 1) /* leave the socket empty for the next race */
		;
	return r != NULL;
}

int main(void)
{
	pthread_t t[4];
	double t0 = now_ms();
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, sleep100, NULL) == 0);
	int green_threads = os_threads() == 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (!green_threads) {
		printf("thread=0\n");
		return 0;
	}
	int time_green = now_ms() - t0 < 300;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct timeval tv = { 0, 300000 };
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	int sock_green = race(reader, writer);
	int select_green = race(poller, writer);
	printf("thread=1 time=%d socket=%d select=%d\n", time_green, sock_green, select_green);
	return 0;
}
