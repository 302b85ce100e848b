/* Timeouts that did not fire must not come back: a thread whose 100 ms timed wait (recv or accept
 * with SO_RCVTIMEO, poll, select, pthread_cond_timedwait, pthread_mutex_timedlock) ends after
 * about 20 ms because its event came, then sleeps 200 ms, must sleep the full 200 ms, and a
 * following blocking read without timeout must wait for its data. One line per kind of wait, the
 * same natively. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

static int sv[2], quiet[2], lst;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static volatile int ready, locked;
static struct sockaddr_in la;

/* The event that ends the timed wait, about 20 ms after it began. */
static void *poke(void *arg)
{
	const char *kind = arg;
	if (!strcmp(kind, "mutex")) {
		pthread_mutex_lock(&held);
		locked = 1;
		usleep(20000);
		pthread_mutex_unlock(&held);
		return NULL;
	}
	usleep(20000);
	if (!strcmp(kind, "cond")) {
		pthread_mutex_lock(&m);
		ready = 1;
		pthread_cond_signal(&c);
		pthread_mutex_unlock(&m);
	} else if (!strcmp(kind, "accept")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(connect(s, (struct sockaddr *)&la, sizeof(la)) == 0);
		close(s);
	} else {
		CHECK(write(sv[1], "x", 1) == 1);
	}
	return NULL;
}

/* The timed wait of 100 ms that the poke ends early; 1 if it ended by the event. */
static int timed_wait(const char *kind)
{
	char ch;
	struct timeval tv = { 0, 100000 };
	if (!strcmp(kind, "recv")) {
		CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
		int ok = recv(sv[0], &ch, 1, 0) == 1;
		tv.tv_usec = 0;
		CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
		return ok;
	}
	if (!strcmp(kind, "accept")) {
		CHECK(setsockopt(lst, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
		int fd = accept(lst, NULL, NULL);
		close(fd);
		return fd >= 0;
	}
	if (!strcmp(kind, "poll")) {
		struct pollfd p = { sv[0], POLLIN, 0 };
		return poll(&p, 1, 100) == 1 && read(sv[0], &ch, 1) == 1;
	}
	if (!strcmp(kind, "select")) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(sv[0], &r);
		return select(sv[0] + 1, &r, NULL, NULL, &tv) == 1 && read(sv[0], &ch, 1) == 1;
	}
	if (!strcmp(kind, "cond")) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 100);
		int r = 0;
		pthread_mutex_lock(&m);
		while (!ready && r == 0)
			r = pthread_cond_timedwait(&c, &m, &ts);
		ready = 0;
		pthread_mutex_unlock(&m);
		return r == 0;
	}
	if (!strcmp(kind, "mutex")) {
		while (!locked)
			usleep(1000);
		struct timespec ts = in_ms(CLOCK_REALTIME, 100);
		int ok = pthread_mutex_timedlock(&held, &ts) == 0;
		if (ok)
			pthread_mutex_unlock(&held);
		locked = 0;
		return ok;
	}
	CHECK(!"unknown kind");
	return 0;
}

static void *late_byte(void *arg)
{
	usleep(200000);
	CHECK(write(quiet[1], "q", 1) == 1);
	return arg;
}

static void check(const char *kind)
{
	pthread_t t, q;
	CHECK(pthread_create(&t, NULL, poke, (void *)kind) == 0);
	int ok = timed_wait(kind);
	pthread_join(t, NULL);
	double t0 = now_ms();
	usleep(200000); /* a stale 100 ms timeout would end this about 80 ms in */
	double slept = now_ms() - t0;
	CHECK(pthread_create(&q, NULL, late_byte, NULL) == 0);
	char ch;
	t0 = now_ms();
	int got = read(quiet[0], &ch, 1) == 1;
	double waited = now_ms() - t0;
	pthread_join(q, NULL);
	printf("%-6s ended by its event %d; then a 200 ms sleep slept >= 190 ms %d; a read waited for its byte %d\n",
	       kind, ok, slept >= 190, got && waited >= 150);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, quiet) == 0);
	socklen_t len = sizeof(la);
	la = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	lst = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lst, (struct sockaddr *)&la, sizeof(la)) == 0 && listen(lst, 4) == 0);
	CHECK(getsockname(lst, (struct sockaddr *)&la, &len) == 0);
	const char *kinds[] = { "recv", "accept", "poll", "select", "cond", "mutex" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		check(kinds[i]);
	return 0;
}
