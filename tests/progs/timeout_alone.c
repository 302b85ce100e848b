/* A greenpatch_timeout around the waits of a program's only thread. Alone on its hub, a call may
 * block in the kernel as natively, but not while a timeout is armed: its timer lives in the
 * hub, so the wait must be the hub's, and the timeout must end it (ETIME). Links -lgreenpatch.
 * For each wait prints "name ret errno fired in-time", then the silent form and a wait without
 * a timeout that a handler ends as natively (EINTR). */
#include "common.h"
#include <greenpatch.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

static uint32_t word;
static int pipefd[2];

static long w_pause(void) { return pause(); }
static long w_sigsuspend(void)
{
	sigset_t none;
	sigemptyset(&none);
	return sigsuspend(&none);
}
static long w_sigwaitinfo(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	return sigwaitinfo(&s, NULL);
}
static long w_sigtimedwait(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	return sigtimedwait(&s, NULL, &(struct timespec){ 5, 0 });
}
static long w_futex(void) { return syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0); }
static long w_read(void)
{
	char c;
	return read(pipefd[0], &c, 1);
}
static long w_poll(void)
{
	struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
	return poll(&p, 1, 5000);
}

static const struct {
	const char *name;
	long (*fn)(void);
} waits[] = {
	{ "pause", w_pause },	      { "sigsuspend", w_sigsuspend }, { "sigwaitinfo", w_sigwaitinfo },
	{ "sigtimedwait", w_sigtimedwait }, { "futex", w_futex },	      { "read", w_read },
	{ "poll", w_poll },
};

static void on_alrm(int sig) { (void)sig; }

int main(void)
{
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0); /* sigwait* wait for it; nobody sends it */
	CHECK(pipe(pipefd) == 0);
	alarm(30); /* a wait that never ends kills the program (the test then fails) */
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		greenpatch_timeout t;
		double t0 = now_ms();
		CHECK(greenpatch_timeout_start(&t, 0.2) == 0);
		errno = 0;
		long r = waits[i].fn();
		int e = errno, fired = greenpatch_timeout_fired(&t);
		greenpatch_timeout_cancel(&t);
		double took = now_ms() - t0;
		printf("%s %ld %s %d %d\n", waits[i].name, r, strerrorname_np(e) ? strerrorname_np(e) : "0",
		       fired, took >= 150 && took < 10000);
	}
	/* the silent form: the block is left for the else branch at the wait it cuts short */
	greenpatch_timeout s;
	int left = 0;
	GREENPATCH_TIMEOUT_BLOCK(s, 0.2)
	{
		pause();
		greenpatch_timeout_cancel(&s);
	}
	else left = 1;
	printf("silent pause left=%d\n", left);
	/* no timeout armed: pause is the kernel's, and a handler without SA_RESTART ends it */
	struct sigaction sa = { .sa_handler = on_alrm };
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	alarm(1);
	errno = 0;
	long r = pause();
	printf("pause without a timeout %ld %s\n", r, strerrorname_np(errno));
	return 0;
}
