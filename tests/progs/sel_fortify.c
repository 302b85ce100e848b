/* The fortified doors of poll: a program built with -O2 -D_FORTIFY_SOURCE=2 calls __poll_chk and
 * __ppoll_chk (glibc's bits/poll2.h) instead of poll and ppoll. The Makefile has no per-program
 * flags, so this program calls them through their prototypes, as such a binary does. A wait in
 * each ends when a helper thread writes at 300 ms while a heartbeat ticks; a timeout; and (part
 * overflow) an fdslen too small for nfds aborts with glibc's "buffer overflow detected".
 * usage: sel_fortify waits|overflow */
#include <poll.h>
#include <sys/socket.h>
#include "watch.h"

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *ss,
		size_t fdslen);

static int sv[2];

static void drain(void)
{
	char c;
	while (recv(sv[0], &c, 1, MSG_DONTWAIT) == 1)
		;
}

static void waits(void)
{
	struct pollfd p[2] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	p[0].fd = sv[0];
	beat_start();
	struct later w[] = { { 300, act_write, 0 } };
	w[0].arg = sv[1];

	later_start(w, 1);
	beat_begin();
	double t0 = now_ms();
	const char *s = res(__poll_chk(p, 2, 3000, sizeof(p)));
	double took = now_ms() - t0;
	beat_end("__poll_chk");
	later_stop();
	printf("__poll_chk, a byte at 300 ms -> %s revents %x %x, after the byte %d\n", s, p[0].revents, p[1].revents,
	       took >= 250 && took < 2000);
	drain();

	t0 = now_ms();
	s = res(__poll_chk(p, 1, 100, sizeof(p)));
	printf("__poll_chk, nothing ready, 100 ms -> %s revents %x, waited>=90 %d\n", s, p[0].revents,
	       now_ms() - t0 >= 90);

	sigset_t none;
	sigemptyset(&none);
	struct timespec ts = { 3, 0 };
	later_start(w, 1);
	beat_begin();
	t0 = now_ms();
	s = res(__ppoll_chk(p, 1, &ts, &none, sizeof(p)));
	took = now_ms() - t0;
	beat_end("__ppoll_chk");
	later_stop();
	printf("__ppoll_chk, a byte at 300 ms -> %s revents %x, after the byte %d, timeout unchanged %d\n", s,
	       p[0].revents, took >= 250 && took < 2000, ts.tv_sec == 3 && ts.tv_nsec == 0);
	drain();
	beat_finish();
}

static void overflow(void)
{
	struct pollfd p[1] = { { 0, POLLIN, 0 } };
	volatile nfds_t n = 2;
	printf("__poll_chk, nfds 2, fdslen of 1 pollfd: about to abort\n");
	__poll_chk(p, n, 0, sizeof(p));
	printf("__poll_chk did not abort\n");
}

int main(int argc, char **argv)
{
	watchdog(20);
	const struct part parts[] = { { "waits", waits }, { "overflow", overflow } };
	return run_part(argc, argv, parts, 2);
}
