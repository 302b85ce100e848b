/* timerfd: a thread blocked in read() on a timer armed for 200 ms (interval 200 ms) gets one
 * expiration; a read after two and a half intervals gets at least 2; poll waits for the expiry;
 * timerfd_gettime of a disarmed timer; the errors (a short buffer, EAGAIN when non-blocking,
 * EINVAL for a bad time); F_GETFL's O_NONBLOCK before and after. A heartbeat ticks meanwhile. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include "watch.h"

static int tfd;

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void arm(int fd, int first_ms, int every_ms)
{
	struct itimerspec its = { { every_ms / 1000, (every_ms % 1000) * 1000000L },
				  { first_ms / 1000, (first_ms % 1000) * 1000000L } };
	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0);
}

static void *read_one(void *arg)
{
	uint64_t n = 0;
	double t0 = now_ms();
	arm(tfd, 200, 200);
	const char *s = res(read(tfd, &n, 8));
	double took = now_ms() - t0;
	arm(tfd, 0, 0);
	printf("timerfd read, armed 200 ms every 200 ms -> %s expirations %llu, at the expiry %d\n", s,
	       (unsigned long long)n, took >= 190 && took < 1000);
	return arg;
}

static void *poll_one(void *arg)
{
	struct pollfd p = { tfd, POLLIN, 0 };
	double t0 = now_ms();
	arm(tfd, 200, 0);
	const char *s = res(poll(&p, 1, 3000));
	double took = now_ms() - t0;
	uint64_t n = 0;
	const char *r = res(read(tfd, &n, 8));
	printf("poll of a timerfd armed for 200 ms -> %s revents %x, at the expiry %d; read -> %s expirations %llu\n",
	       s, p.revents, took >= 190 && took < 1000, r, (unsigned long long)n);
	return arg;
}

int main(void)
{
	watchdog(10);
	beat_start();
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(tfd >= 0);
	printf("timerfd_create(CLOCK_MONOTONIC, 0): O_NONBLOCK %d\n", nonblock(tfd));
	in_thread("timerfd-read", read_one, NULL, 0);
	in_thread("timerfd-poll", poll_one, NULL, 0);

	struct itimerspec cur;
	CHECK(timerfd_gettime(tfd, &cur) == 0);
	printf("disarmed: gettime value %ld.%09ld interval %ld.%09ld\n", (long)cur.it_value.tv_sec,
	       cur.it_value.tv_nsec, (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	arm(tfd, 100, 100);
	usleep(250000);
	uint64_t n = 0;
	const char *s = res(read(tfd, &n, 8));
	arm(tfd, 0, 0);
	printf("armed 100 ms every 100 ms, read after 250 ms -> %s, at least 2 expirations %d\n", s, n >= 2);

	uint32_t small;
	arm(tfd, 10, 0);
	usleep(50000);
	s = res(read(tfd, &small, 4));
	const char *s8 = res(read(tfd, &n, 8));
	printf("read of 4 bytes after an expiry -> %s, then of 8 -> %s expirations %llu\n", s, s8,
	       (unsigned long long)n);
	struct itimerspec bad = { { 0, 0 }, { 0, 1000000000L } };
	s = res(timerfd_settime(tfd, 0, &bad, NULL));
	printf("settime tv_nsec 1000000000 -> %s\n", s);
	int nb = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	printf("TFD_NONBLOCK: O_NONBLOCK %d", nonblock(nb));
	s = res(read(nb, &n, 8));
	printf(", read of a disarmed timer -> %s\n", s);
	CHECK(fcntl(tfd, F_SETFL, O_NONBLOCK) == 0);
	s = res(read(tfd, &n, 8));
	CHECK(fcntl(tfd, F_SETFL, 0) == 0);
	printf("F_SETFL O_NONBLOCK, read of a disarmed timer -> %s\n", s);
	printf("after: O_NONBLOCK %d\n", nonblock(tfd));
	beat_finish();
	return 0;
}
