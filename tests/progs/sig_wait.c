/* sigwait, sigwaitinfo and sigtimedwait in a thread while a heartbeat ticks: SIGUSR1, SIGUSR2 and
 * SIGRTMIN are blocked in every thread; the helper sends at 200 ms. The signal number from
 * sigwait; si_signo/si_code/si_pid/si_uid from sigwaitinfo for kill(getpid()) (SI_USER), sigqueue
 * with a value (SI_QUEUE), pthread_kill aimed at the waiter (the kernel's SI_TKILL, which glibc's
 * sigtimedwait reports as SI_USER), pthread_sigqueue;
 * sigtimedwait's timeout (EAGAIN) and zero timeout; real-time signals queued in order, a standard
 * one sent twice delivered once; a handled signal outside the set ends sigwaitinfo with EINTR but
 * not sigwait (glibc retries it). */
#include "watch.h"

static sigset_t set;
static pthread_t waiter_thread;
static volatile int usr2_handled;

static void on_usr2(int sig) { usr2_handled++; }
static void act_kill(long sig) { CHECK(kill(getpid(), (int)sig) == 0); }
static void act_queue(long v) { CHECK(sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = (int)v }) == 0); }
static void act_tkill(long sig) { CHECK(pthread_kill(waiter_thread, (int)sig) == 0); }
static void act_tqueue(long v)
{
	CHECK(pthread_sigqueue(waiter_thread, SIGUSR1, (union sigval){ .sival_int = (int)v }) == 0);
}

static void info(const char *what, int r, const siginfo_t *si)
{
	const char *s = res(r);
	printf("%s -> %s: si_signo %d si_code %d pid ours %d uid ours %d value %d\n", what, s, si->si_signo, si->si_code,
	       si->si_pid == getpid(), si->si_uid == getuid(), si->si_value.sival_int);
}

static void *w_sigwait(void *arg)
{
	int sig = 0;
	waiter_thread = pthread_self();
	double t0 = now_ms();
	int r = sigwait(&set, &sig);
	printf("sigwait, kill(getpid(), SIGUSR1) at 200 ms -> %s sig %d, after the kill %d\n", errname(r), sig,
	       now_ms() - t0 >= 150);
	return arg;
}

static void *w_info_kill(void *arg)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	info("sigwaitinfo, kill(getpid(), SIGUSR1) at 200 ms", sigwaitinfo(&set, &si), &si);
	return arg;
}

static void *w_info_queue(void *arg)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	info("sigwaitinfo, sigqueue(getpid(), SIGUSR2, 1234) at 200 ms", sigwaitinfo(&set, &si), &si);
	return arg;
}

static void *w_timed_tkill(void *arg)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waiter_thread = pthread_self();
	struct timespec ts = { 3, 0 };
	info("sigtimedwait 3 s, pthread_kill(waiter, SIGUSR2) at 200 ms", sigtimedwait(&set, &si, &ts), &si);
	return arg;
}

static void *w_timed_tqueue(void *arg)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waiter_thread = pthread_self();
	struct timespec ts = { 3, 0 };
	info("sigtimedwait 3 s, pthread_sigqueue(waiter, SIGUSR1, 77) at 200 ms", sigtimedwait(&set, &si, &ts), &si);
	return arg;
}

static void *w_timeout(void *arg)
{
	siginfo_t si;
	struct timespec ts = { 0, 300000000 };
	double t0 = now_ms();
	const char *s = res(sigtimedwait(&set, &si, &ts));
	printf("sigtimedwait 300 ms, nothing sent -> %s, waited>=290 %d\n", s, now_ms() - t0 >= 290);
	return arg;
}

static sigset_t only1;
static void *w_eintr_info(void *arg)
{
	siginfo_t si;
	/* SIGUSR2 unblocked (and handled) in this thread only: it is not in the set waited for */
	sigset_t u2;
	sigemptyset(&u2);
	sigaddset(&u2, SIGUSR2);
	CHECK(pthread_sigmask(SIG_UNBLOCK, &u2, NULL) == 0);
	waiter_thread = pthread_self();
	struct timespec ts = { 3, 0 };
	double t0 = now_ms();
	const char *s = res(sigtimedwait(&only1, &si, &ts));
	printf("sigtimedwait for USR1, a handled USR2 aimed at the waiter at 200 ms -> %s, handler ran %d, at the "
	       "signal %d\n",
	       s, usr2_handled, now_ms() - t0 < 1500);
	return arg;
}

static void *w_eintr_sigwait(void *arg)
{
	sigset_t u2;
	sigemptyset(&u2);
	sigaddset(&u2, SIGUSR2);
	CHECK(pthread_sigmask(SIG_UNBLOCK, &u2, NULL) == 0);
	waiter_thread = pthread_self();
	int sig = 0;
	int r = sigwait(&only1, &sig);
	printf("sigwait for USR1, a handled USR2 at 200 ms, USR1 at 400 ms -> %s sig %d, handler ran %d\n", errname(r),
	       sig, usr2_handled);
	return arg;
}

int main(void)
{
	watchdog(20);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigemptyset(&only1);
	sigaddset(&only1, SIGUSR1);
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);
	beat_start();

	struct later k1[] = { { 200, act_kill, SIGUSR1 } };
	in_thread("sigwait", w_sigwait, k1, 1);
	in_thread("sigwaitinfo-kill", w_info_kill, k1, 1);
	struct later q[] = { { 200, act_queue, 1234 } };
	in_thread("sigwaitinfo-sigqueue", w_info_queue, q, 1);
	struct later t[] = { { 200, act_tkill, SIGUSR2 } };
	in_thread("sigtimedwait-tkill", w_timed_tkill, t, 1);
	struct later tq[] = { { 200, act_tqueue, 77 } };
	in_thread("sigtimedwait-tqueue", w_timed_tqueue, tq, 1);
	in_thread("sigtimedwait-timeout", w_timeout, NULL, 0);

	siginfo_t si;
	struct timespec zero = { 0, 0 };
	const char *s = res(sigtimedwait(&set, &si, &zero));
	printf("sigtimedwait with a zero timeout, nothing pending -> %s\n", s);
	for (int v = 1; v <= 3; v++)
		CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = v }) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	printf("queued SIGRTMIN 1, 2, 3 and SIGUSR1 twice: taken");
	int r;
	while ((r = sigtimedwait(&set, &si, &zero)) > 0)
		if (r == SIGRTMIN)
			printf(" RTMIN:%d", si.si_value.sival_int);
		else
			printf(" %s", r == SIGUSR1 ? "USR1" : "other");
	printf(", then %s\n", errname(errno));

	struct later e[] = { { 200, act_tkill, SIGUSR2 } };
	in_thread("sigtimedwait-eintr", w_eintr_info, e, 1);
	usr2_handled = 0;
	struct later e2[] = { { 200, act_tkill, SIGUSR2 }, { 400, act_tkill, SIGUSR1 } };
	in_thread("sigwait-no-eintr", w_eintr_sigwait, e2, 2);
	beat_finish();
	return 0;
}
