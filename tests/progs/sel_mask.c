/* pselect, ppoll, epoll_pwait and epoll_pwait2 with a signal mask, against the kernel's rules:
 * the call's mask replaces the thread's for the wait only. SIGUSR1 and SIGUSR2 have handlers
 * (no SA_RESTART) and are blocked in main outside the call; the call's mask unblocks SIGUSR1
 * only. A SIGUSR1 sent while main waits (thread-directed or process-directed) ends the wait with
 * EINTR after its handler ran; a SIGUSR2 stays pending until main unblocks it; a SIGUSR1 pending
 * before the call ends it at once; a signal the call's mask blocks waits for the call to end and
 * is handled before the call's result is seen. A helper thread sends the signals and writes a
 * byte (the bound: 2 s). usage: sel_mask pselect|ppoll|epoll_pwait|epoll_pwait2 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include "watch.h"

static const char *kind;
static int sv[2], ep;
static pthread_t main_thread;
static volatile int usr1, usr2;

static void on_usr1(int sig) { usr1++; }
static void on_usr2(int sig) { usr2++; }

/* One wait on sv[0] for reading, with `mask` (NULL: none), by the call of this run; *kept is
 * set to whether the timeout argument was left unchanged (1 for the epoll calls). */
static int wait_in(int ms, const sigset_t *mask, int *kept)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L }, orig = ts;
	struct epoll_event ev[4];
	int r = -2;
	*kept = 1;
	if (!strcmp(kind, "pselect")) {
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(sv[0], &rd);
		r = pselect(sv[0] + 1, &rd, NULL, NULL, &ts, mask);
	} else if (!strcmp(kind, "ppoll")) {
		struct pollfd p = { sv[0], POLLIN, 0 };
		r = ppoll(&p, 1, &ts, mask);
	} else if (!strcmp(kind, "epoll_pwait")) {
		r = epoll_pwait(ep, ev, 4, ms, mask);
	} else if (!strcmp(kind, "epoll_pwait2")) {
		r = epoll_pwait2(ep, ev, 4, &ts, mask);
	}
	int e = errno;
	*kept = ts.tv_sec == orig.tv_sec && ts.tv_nsec == orig.tv_nsec;
	errno = e;
	return r;
}

static int blocked(int sig)
{
	sigset_t cur;
	CHECK(pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0);
	return sigismember(&cur, sig);
}

static int pending(int sig)
{
	sigset_t p;
	CHECK(sigpending(&p) == 0);
	return sigismember(&p, sig);
}

static void drain(void)
{
	char c;
	while (recv(sv[0], &c, 1, MSG_DONTWAIT) == 1)
		;
}

static void kill_main_usr1(long a) { CHECK(pthread_kill(main_thread, SIGUSR1) == 0); }
static void kill_main_usr2(long a) { CHECK(pthread_kill(main_thread, SIGUSR2) == 0); }
static void kill_process_usr1(long a) { CHECK(kill(getpid(), SIGUSR1) == 0); }

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "pselect") && strcmp(argv[1], "ppoll") && strcmp(argv[1], "epoll_pwait") &&
			  strcmp(argv[1], "epoll_pwait2"))) {
		fprintf(stderr, "usage: sel_mask pselect|ppoll|epoll_pwait|epoll_pwait2\n");
		return 2;
	}
	kind = argv[1];
	watchdog(20);
	main_thread = pthread_self();
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sa.sa_handler = on_usr2;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	sigset_t both, only2;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	CHECK(pthread_sigmask(SIG_BLOCK, &both, NULL) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = sv[0] };
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
	beat_start();
	int kept, r;
	double t0;
	const char *s;

	CHECK(write(sv[1], "x", 1) == 1);
	s = res(wait_in(3000, &only2, &kept));
	printf("%s, a byte ready, mask given -> %s\n", kind, s);
	drain();

	t0 = now_ms();
	s = res(wait_in(100, &only2, &kept));
	printf("%s, nothing ready, 100 ms -> %s, waited>=90 %d, timeout argument unchanged %d\n", kind, s,
	       now_ms() - t0 >= 90, kept);

	struct later a1[] = { { 50, kill_main_usr2, 0 }, { 300, kill_main_usr1, 0 }, { 2000, act_write, 0 } };
	a1[2].arg = sv[1];
	later_start(a1, 3);
	beat_begin();
	t0 = now_ms();
	s = res(wait_in(2500, &only2, &kept));
	double took = now_ms() - t0;
	beat_end("usr1-during-wait");
	later_stop();
	printf("%s, USR2 at 50 ms (the call's mask blocks it), USR1 at 300 ms (the mask unblocks it) -> %s, "
	       "after the USR1 %d, usr1 handled %d, usr2 handled %d, usr2 pending %d\n",
	       kind, s, took >= 250 && took < 1500, usr1, usr2, pending(SIGUSR2));
	printf("%s, after the call: USR1 blocked again %d, USR2 still blocked %d\n", kind, blocked(SIGUSR1),
	       blocked(SIGUSR2));
	CHECK(pthread_sigmask(SIG_UNBLOCK, &only2, NULL) == 0);
	printf("%s, main unblocks USR2: usr2 handled %d, pending %d\n", kind, usr2, pending(SIGUSR2));
	CHECK(pthread_sigmask(SIG_BLOCK, &only2, NULL) == 0);
	drain();

	usr1 = 0;
	CHECK(pthread_kill(pthread_self(), SIGUSR1) == 0);
	int was_pending = pending(SIGUSR1);
	t0 = now_ms();
	s = res(wait_in(3000, &only2, &kept));
	printf("%s, USR1 pending before the call (pending %d) -> %s at once %d, usr1 handled %d\n", kind, was_pending, s,
	       now_ms() - t0 < 1000, usr1);

	usr1 = 0;
	struct later a2[] = { { 200, kill_process_usr1, 0 }, { 2000, act_write, 0 } };
	a2[1].arg = sv[1];
	later_start(a2, 2);
	beat_begin();
	t0 = now_ms();
	s = res(wait_in(2500, &only2, &kept));
	took = now_ms() - t0;
	beat_end("process-usr1");
	later_stop();
	printf("%s, kill(getpid(), USR1) at 200 ms, every other thread blocks it -> %s, after the signal %d, usr1 "
	       "handled %d\n",
	       kind, s, took >= 150 && took < 1500, usr1);
	drain();

	/* The other way round: USR1 unblocked in main, the call's mask blocks it. */
	usr1 = 0;
	sigset_t block1;
	sigemptyset(&block1);
	sigaddset(&block1, SIGUSR1);
	sigaddset(&block1, SIGUSR2);
	CHECK(pthread_sigmask(SIG_UNBLOCK, &block1, NULL) == 0);
	struct later a3[] = { { 100, kill_main_usr1, 0 }, { 300, act_write, 0 } };
	a3[1].arg = sv[1];
	later_start(a3, 2);
	beat_begin();
	t0 = now_ms();
	r = wait_in(2500, &block1, &kept);
	int seen = usr1;
	s = res(r);
	took = now_ms() - t0;
	beat_end("mask-blocks-usr1");
	later_stop();
	printf("%s, main unblocks USR1, the call's mask blocks it, USR1 at 100 ms, a byte at 300 ms -> %s, "
	       "after the byte %d, handled by the time the result is seen %d\n",
	       kind, s, took >= 250 && took < 1500, seen);
	drain();
	beat_finish();
	return 0;
}
