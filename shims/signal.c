/* Signals (runtime/signal.c says why). The program's handlers are installed behind one
 * trampoline that calls them exactly as the kernel would (same siginfo and context), then notes
 * the signal on the hub so the blocking call it cuts short ends with EINTR. sigaction reports the
 * program's own handler and flags back, as if nothing stood in between. With the os module,
 * pause, sigsuspend and the sigwait family park the green thread instead of the OS thread.
 * Active whenever any module is patched; SIG_DFL and SIG_IGN are installed as they are. */
#include "shim.h"
#include "sys.h"
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>

#define NSIGS 65
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's; glibc sets it on every action */
#endif

static struct {
	struct sigaction act; /* what the program installed */
	int wrapped;          /* the kernel has the trampoline for it */
	int reset;            /* SA_RESETHAND put SIG_DFL back: act still has the flags to report */
} table[NSIGS];
static int table_lock;
static sigset_t interrupting; /* siginterrupt(sig, 1): signal() installs those without SA_RESTART */

static uint64_t bits(const sigset_t *s)
{
	uint64_t m;
	memcpy(&m, s, sizeof(m));
	return m;
}

/* While the handler runs, it runs for the thread the kernel would have chosen (pthread_self
 * says so) with the mask the kernel would have given that thread. */
static void trampoline(int sig, siginfo_t *si, void *uc)
{
	struct sigaction a = table[sig].act; /* a copy: the handler may install another */
	if (a.sa_flags & SA_RESETHAND) /* the kernel has put SIG_DFL back already */
		table[sig].wrapped = 0, table[sig].reset = 1, table[sig].act.sa_handler = SIG_DFL;
	struct gp_hub *h = gp_hub_peek();
	struct gp_handler_as outer = { 0 };
	struct gp_gt *as = NULL;
	int to_thread = si && si->si_code == SI_TKILL; /* sent to this OS thread: whom it meant */
	if (h) {
		outer = h->handler;
		if (!(as = gp_signal_receiver(h, sig, to_thread)))
			as = h->cur;
		uint64_t added = bits(&a.sa_mask) | (a.sa_flags & SA_NODEFER ? 0 : 1ull << (sig - 1));
		h->handler = (struct gp_handler_as){ as, h->cur, __builtin_frame_address(0), as->sigmask | added };
	}
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, uc);
	else if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN)
		a.sa_handler(sig);
	int e = errno;
	if (h)
		h->handler = outer;
	gp_signal_note(sig, (a.sa_flags & SA_RESTART) != 0, to_thread ? as : NULL);
	errno = e;
}

static int has_handler(const struct sigaction *a)
{
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

SHIM int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!gp_on(GP_M_ALL) || sig <= 0 || sig >= NSIGS)
		return REAL(sigaction)(sig, act, old);
	struct sigaction prev;
	gp_lock(&table_lock);
	int r = REAL(sigaction)(sig, NULL, &prev);
	if (r == 0 && (table[sig].wrapped || table[sig].reset)) { /* as the program installed it */
		int restorer = prev.sa_flags & SA_RESTORER; /* glibc's, which the kernel reports */
		void (*now)(int) = prev.sa_handler;
		prev = table[sig].act;
		prev.sa_flags |= restorer;
		if (table[sig].reset && now == SIG_DFL)
			prev.sa_handler = SIG_DFL;
	}
	if (r == 0 && act) {
		struct sigaction k = *act;
		if (has_handler(act)) {
			k.sa_sigaction = trampoline;
			k.sa_flags |= SA_SIGINFO;
		}
		r = REAL(sigaction)(sig, &k, NULL);
		if (r == 0) {
			table[sig].act = *act;
			table[sig].wrapped = has_handler(act);
			table[sig].reset = 0;
		}
	}
	gp_unlock(&table_lock);
	if (r == 0 && old)
		*old = prev;
	return r;
}

/* signal() has BSD semantics in glibc: the handler blocks its own signal and restarts calls
 * (unless siginterrupt said otherwise); glibc makes it with an internal sigaction. */
SHIM sighandler_t signal(int sig, sighandler_t h)
{
	struct sigaction a = { .sa_handler = h }, old;
	if (sig <= 0 || sig >= NSIGS || h == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&a.sa_mask);
	sigaddset(&a.sa_mask, sig);
	a.sa_flags = sigismember(&interrupting, sig) == 1 ? 0 : SA_RESTART;
	return sigaction(sig, &a, &old) < 0 ? SIG_ERR : old.sa_handler;
}

SHIM sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return signal(sig, h);
}

/* System V semantics: one-shot, the signal not blocked in its handler, calls not restarted. */
SHIM sighandler_t sysv_signal(int sig, sighandler_t h)
{
	struct sigaction a = { .sa_handler = h, .sa_flags = SA_RESETHAND | SA_NODEFER }, old;
	if (sig <= 0 || sig >= NSIGS || h == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&a.sa_mask);
	return sigaction(sig, &a, &old) < 0 ? SIG_ERR : old.sa_handler;
}

SHIM sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	return sysv_signal(sig, h);
}

SHIM int siginterrupt(int sig, int flag)
{
	struct sigaction a;
	if (sig <= 0 || sig >= NSIGS || sigaction(sig, NULL, &a) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (flag) {
		sigaddset(&interrupting, sig);
		a.sa_flags &= ~SA_RESTART;
	} else {
		sigdelset(&interrupting, sig);
		a.sa_flags |= SA_RESTART;
	}
	return sigaction(sig, &a, NULL);
}

/* pthread_kill and raise name a thread: the trampoline then knows whom the signal was for. */
void gp_signal_aim(int sig, struct gp_gt *to)
{
	struct gp_hub *h = to ? to->hub : NULL;
	if (h && sig > 0 && sig < NSIGS)
		h->sig_to[sig] = to;
}

/* ---- waiting for signals ---- */

/* The headers say these sets are never NULL; a program may pass one anyway, and the real call
 * says EFAULT then. A check the compiler cannot drop. */
__attribute__((noinline)) static int null(const volatile void *p)
{
	return p == NULL;
}

static uint64_t kernel_set(const sigset_t *s)
{
	uint64_t m;
	memcpy(&m, s, sizeof(m));
	return m;
}

/* Park until a handler runs for this thread (pause, sigsuspend): -EINTR, or -ECANCELED. */
static int wait_for_handler(const char *what)
{
	struct gp_gt *cur = gp_self();
	gp_testcancel();
	cur->state = GP_WAITING;
	cur->wait_what = what;
	int r = gp_park_as(GP_NEVER, GP_W_CANCEL | GP_INTR_ALWAYS);
	if (r == -ECANCELED)
		gp_cancel_act();
	return r;
}

SHIM int pause(void)
{
	if (!gp_on(GP_M_OS) || gp_alone())
		return REAL(pause)();
	wait_for_handler("pause");
	return (int)gp_ret(-EINTR);
}

/* The mask is the thread's for the wait; a signal it unblocks that was pending already runs its
 * handler at the switch, before the park, and ends the call at once. */
SHIM int sigsuspend(const sigset_t *mask)
{
	if (!gp_on(GP_M_OS) || gp_alone() || null(mask))
		return REAL(sigsuspend)(mask);
	struct gp_hub *h = gp_hub();
	unsigned seen = __atomic_load_n(&h->sig_count, __ATOMIC_RELAXED);
	uint64_t old = gp_sigmask_swap(kernel_set(mask));
	if (__atomic_load_n(&h->sig_count, __ATOMIC_RELAXED) == seen)
		wait_for_handler("sigsuspend");
	gp_sigmask_swap(old);
	return (int)gp_ret(-EINTR);
}

/* sigtimedwait on the green path: ask the kernel without waiting; if nothing in the set is
 * pending, park on a signalfd of the set (readable once one is) and ask again. After the
 * deadline one last look, then EAGAIN as natively. */
static int sigwait_green(const sigset_t *set, siginfo_t *info, uint64_t deadline, int intr)
{
	static const struct timespec zero = { 0, 0 };
	int fd = -1, r, w = 0;
	struct gp_fd *f = NULL;
	uint64_t waited = kernel_set(set), ms = 1;
	gp_sigwait_begin(waited);
	while ((r = REAL(sigtimedwait)(set, info, &zero)) < 0 && errno == EAGAIN && w != -ETIMEDOUT) {
		if (fd < 0 && (fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK)) >= 0)
			f = gp_fd_new(fd, GP_FD_OTHER);
		if (f) {
			w = gp_fd_wait(fd, f, GP_RD, deadline, intr);
		} else { /* no descriptor to be had (EMFILE): ask again 1 to 16 ms later */
			uint64_t until = gp_deadline_in(ms * 1000000);
			ms = ms < 16 ? ms * 2 : 16;
			w = gp_now() >= deadline ? -ETIMEDOUT : gp_sleep_as(until < deadline ? until : deadline, intr);
		}
		if (w < 0 && w != -ETIMEDOUT) {
			r = (int)gp_ret(w);
			break;
		}
	}
	int e = errno;
	gp_sigwait_end(waited);
	if (fd >= 0) {
		gp_fd_forget(fd);
		gp_sys_close(fd);
	}
	if (w == -ECANCELED)
		gp_cancel_act();
	errno = e;
	return r;
}

SHIM int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *ts)
{
	if (!gp_on(GP_M_OS) || gp_alone() || null(set) || (ts && !ts->tv_sec && !ts->tv_nsec))
		return REAL(sigtimedwait)(set, info, ts);
	if (ts && !gp_ts_valid(ts))
		return (int)gp_ret(-EINVAL);
	gp_testcancel();
	return sigwait_green(set, info, ts ? gp_deadline_in(gp_rel_ns(ts)) : GP_NEVER, GP_INTR_ALWAYS);
}

SHIM int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return sigtimedwait(set, info, NULL);
}

/* sigwait is never interrupted by a handler: it waits on; its error is returned, not set. */
SHIM int sigwait(const sigset_t *set, int *sig)
{
	if (!gp_on(GP_M_OS) || gp_alone() || null(set))
		return REAL(sigwait)(set, sig);
	siginfo_t si;
	int r;
	gp_testcancel();
	while ((r = sigwait_green(set, &si, GP_NEVER, GP_INTR_NEVER)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return errno;
	*sig = r;
	return 0;
}
