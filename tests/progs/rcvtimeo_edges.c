/* SO_RCVTIMEO edge values, compared with the native run: a rejected setsockopt (tv_usec out of
 * range: EDOM; short option: EINVAL) keeps the previous timeout; a negative timeout makes Linux fail
 * the read at once with EAGAIN; a zero timeout means wait for ever. Each read is bounded by a
 * thread that writes a byte after 2 s, so a wrong wait shows as "got the late byte". */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

static int sv[2];
static int late_ms, called_off;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t off = PTHREAD_COND_INITIALIZER;

/* Writes a byte after late_ms unless the read ended first and called it off. */
static void *late_byte(void *arg)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, late_ms);
	int r = 0;
	pthread_mutex_lock(&m);
	while (!called_off && r == 0)
		r = pthread_cond_timedwait(&off, &m, &ts);
	if (!called_off)
		CHECK(write(sv[1], "L", 1) == 1);
	pthread_mutex_unlock(&m);
	return arg;
}

/* A read with a byte coming after `ms`; says how it ended and roughly when. */
static void timed_read(const char *what, int ms)
{
	pthread_t t;
	late_ms = ms, called_off = 0;
	CHECK(pthread_create(&t, NULL, late_byte, NULL) == 0);
	char c;
	double t0 = now_ms();
	errno = 0;
	ssize_t n = read(sv[0], &c, 1);
	int e = errno;
	double took = now_ms() - t0;
	pthread_mutex_lock(&m);
	called_off = 1;
	pthread_cond_signal(&off);
	pthread_mutex_unlock(&m);
	pthread_join(t, NULL);
	printf("%-40s -> %s, %s\n", what, n == 1 ? "got the late byte" : strerror(e),
	       took < 50 ? "at once" : took < 1000 ? "in under 1 s" : "after 1 s or more");
	while (recv(sv[0], &c, 1, MSG_DONTWAIT) == 1) /* a byte written just as the read gave up */
		;
}

static void set(const char *what, long sec, long usec, socklen_t len)
{
	struct timeval tv = { sec, usec };
	errno = 0;
	int r = setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, len);
	printf("%-40s -> %d %s\n", what, r, r ? strerror(errno) : "");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	set("SO_RCVTIMEO 200 ms", 0, 200000, sizeof(struct timeval));
	timed_read("read", 2000);
	set("SO_RCVTIMEO tv_usec 2000000", 0, 2000000, sizeof(struct timeval));
	timed_read("read (200 ms kept)", 2000);
	set("SO_RCVTIMEO with a short option", 5, 0, 4);
	timed_read("read (200 ms kept)", 2000);
	set("SO_RCVTIMEO 0", 0, 0, sizeof(struct timeval));
	timed_read("read (no timeout)", 300);
	set("SO_RCVTIMEO -1 s", -1, 0, sizeof(struct timeval));
	timed_read("read (negative timeout)", 2000);
	return 0;
}
