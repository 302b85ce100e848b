/* Signals (runtime/signal.c says why). The program's handlers are installed behind one
 * trampoline that calls them exactly as the kernel would (same siginfo and context), then notes
 * the signal on the hub so the blocking call it cuts short ends with EINTR. sigaction reports the
 * program's own handler and flags back, as if nothing stood in between. With the os module,
 * pause, sigsuspend and the sigwait family park the green thread instead of the OS thread.
 * Active whenever any module is patched; SIG_DFL and SIG_IGN are installed as they are.
 *
 * The runtime's diagnostics borrow a few signals (gp_sig_claim: SIGSEGV for the stack overflow
 * line, SIGRTMAX-1 for the watchdog's backtraces, GREENPATCH_DUMP_SIGNAL). This table is the one
 * place that decides what the kernel has for a signal: for a claimed one, the trampoline, which
 * gives the runtime's function the first look (gp_sig_mode says when), then does what the program
 * set, its handler or, for SIG_DFL, the default action itself (SIG_DFL back, the signal again).
 * A program that sets its own action for a signal greenpatch borrowed is noticed here: for the
 * dump signal its setting wins and greenpatch says so once. */
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
	struct sigaction act; /* what the program installed (or what was there when greenpatch came) */
	int wrapped;          /* the kernel has the trampoline for it */
	int set;              /* the program set an action for it */
	int reset;            /* SA_RESETHAND put SIG_DFL back: act still has the flags to report */
} table[NSIGS];
static int table_lock;
static sigset_t interrupting; /* siginterrupt(sig, 1): signal() installs those without SA_RESTART */

static struct {
	int (*fn)(int, siginfo_t *, void *);
	enum gp_sig_mode mode;
	const char *what; /* the setting it serves, for the notice */
	int told;
} claims[NSIGS];

static int has_handler(const struct sigaction *a)
{
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

/* Does the runtime's function get the first look at sig now? */
static int claim_active(int sig)
{
	if (!claims[sig].fn)
		return 0;
	switch (claims[sig].mode) {
	case GP_SIG_CHAIN: return 1;
	case GP_SIG_SHARED: return table[sig].act.sa_handler != SIG_IGN;
	default: return !table[sig].set || table[sig].act.sa_handler == SIG_DFL;
	}
}

static void trampoline(int sig, siginfo_t *si, void *uc);

/* What the kernel gets for sig: 1 if that is the trampoline. A claimed signal's SA_RESETHAND is
 * done by the trampoline (the kernel's reset would drop the claim). */
static int kernel_action(int sig, struct sigaction *k)
{
	const struct sigaction *p = &table[sig].act;
	*k = *p;
	if (claim_active(sig)) {
		if (!has_handler(p)) {
			k->sa_flags = SA_RESTART;
			sigemptyset(&k->sa_mask);
		}
		k->sa_sigaction = trampoline;
		k->sa_flags = (k->sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
		if (claims[sig].mode == GP_SIG_CHAIN)
			k->sa_flags |= SA_ONSTACK; /* a stack overflow leaves no room on the stack itself */
		return 1;
	}
	if (!has_handler(p))
		return 0;
	k->sa_sigaction = trampoline;
	k->sa_flags |= SA_SIGINFO;
	if (claims[sig].fn)
		k->sa_flags &= ~SA_RESETHAND;
	return 1;
}

/* Make the kernel's action what the table says. */
static int install(int sig)
{
	struct sigaction k;
	int wrapped = kernel_action(sig, &k);
	int r = REAL(sigaction)(sig, &k, NULL);
	if (r == 0)
		table[sig].wrapped = wrapped;
	return r;
}

/* A claimed signal the program left at SIG_DFL, and not the runtime's: what the kernel would have
 * done. A fault comes back when the handler returns (the same instruction faults again, now with
 * SIG_DFL: the same core dump); a sent signal is sent again, and arrives once the handler is over. */
static void default_action(int sig, const siginfo_t *si)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	REAL(sigaction)(sig, &dfl, NULL);
	table[sig].wrapped = 0;
	int fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
	if (!fault || !si || si->si_code <= 0)
		GP_SC(SYS_tgkill, GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), gp_tid(), sig, 0, 0, 0);
}

/* While the program's handler runs, it runs for the thread the kernel would have chosen
 * (pthread_self says so) with the mask the kernel would have given that thread. */
static void trampoline(int sig, siginfo_t *si, void *uc)
{
	int e = errno;
	if (claim_active(sig) && claims[sig].fn(sig, si, uc)) {
		errno = e;
		return; /* the runtime's own */
	}
	struct sigaction a = table[sig].act; /* a copy: the handler may install another */
	if (a.sa_flags & SA_RESETHAND) {    /* the kernel has put SIG_DFL back already, or we do */
		table[sig].act.sa_handler = SIG_DFL; /* the flags stay, as the kernel's do */
		table[sig].reset = 1;
		if (claims[sig].fn)
			install(sig);
		else
			table[sig].wrapped = 0;
	}
	if (!has_handler(&a)) {
		/* a fault the program ignores kills all the same: the kernel forces it to SIG_DFL */
		if (a.sa_handler == SIG_DFL || (claims[sig].fn && si && si->si_code > 0))
			default_action(sig, si);
		errno = e;
		return;
	}
	struct gp_hub *h = gp_hub_peek();
	struct gp_handler_as outer = { 0 };
	struct gp_gt *as = NULL;
	int to_thread = si && si->si_code == SI_TKILL; /* sent to this OS thread: whom it meant */
	if (h) {
		outer = h->handler;
		if (!(as = gp_signal_receiver(h, sig, to_thread)))
			as = h->cur;
		uint64_t added = gp_sigbits(&a.sa_mask) | (a.sa_flags & SA_NODEFER ? 0 : 1ull << (sig - 1));
		h->handler = (struct gp_handler_as){ as, h->cur, __builtin_frame_address(0), as->sigmask | added };
	}
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, uc);
	else
		a.sa_handler(sig);
	e = errno;
	if (h)
		h->handler = outer;
	gp_signal_note(sig, (a.sa_flags & SA_RESTART) != 0, to_thread ? as : NULL);
	errno = e;
}

/* The program takes a signal greenpatch's dump was on: said once. */
static void notice(int sig)
{
	if (claims[sig].fn && claims[sig].mode == GP_SIG_YIELD && claims[sig].what && !claims[sig].told &&
	    table[sig].act.sa_handler != SIG_DFL) {
		claims[sig].told = 1;
		gp_log("greenpatch: %s: the program set its own action for signal %d (SIG%s): its own wins, "
		       "no dump on that signal",
		       claims[sig].what, sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	}
}

int gp_sig_claim(int sig, int (*fn)(int, siginfo_t *, void *), enum gp_sig_mode mode, const char *what)
{
	if (sig <= 0 || sig >= NSIGS || !fn)
		return -EINVAL;
	gp_lock(&table_lock);
	if (!table[sig].set && !table[sig].wrapped) /* what was there: the program's view from now on */
		REAL(sigaction)(sig, NULL, &table[sig].act);
	claims[sig].fn = fn;
	claims[sig].mode = mode;
	claims[sig].what = what;
	int r = install(sig) < 0 ? -errno : 0;
	if (r)
		claims[sig].fn = NULL;
	gp_unlock(&table_lock);
	return r;
}

int gp_sig_program_has(int sig)
{
	return sig > 0 && sig < NSIGS && table[sig].act.sa_handler != SIG_DFL;
}

SHIM int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!gp_on(GP_M_ALL) || sig <= 0 || sig >= NSIGS)
		return REAL(sigaction)(sig, act, old);
	struct sigaction prev;
	gp_lock(&table_lock);
	int r = REAL(sigaction)(sig, NULL, &prev);
	if (r == 0 && (table[sig].wrapped || table[sig].reset || claims[sig].fn)) { /* as the program set it */
		int restorer = prev.sa_flags & SA_RESTORER; /* glibc's, which the kernel reports */
		prev = table[sig].act;
		prev.sa_flags |= restorer;
	}
	if (r == 0 && act) {
		struct sigaction was = table[sig].act;
		int was_set = table[sig].set;
		table[sig].act = *act;
		table[sig].set = 1;
		if ((r = install(sig)) != 0) {
			table[sig].act = was;
			table[sig].set = was_set;
		} else {
			table[sig].reset = 0;
			notice(sig);
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

/* Park until a handler runs for this thread (pause, sigsuspend): -EINTR, or -ETIME when a
 * greenpatch_timeout of the caller's fires first (a cancellation is acted on here). */
static int wait_for_handler(const char *what)
{
	struct gp_gt *cur = gp_self();
	gp_testcancel();
	cur->state = GP_WAITING;
	cur->wait_what = what;
	int r = gp_park_as(GP_NEVER, GP_W_CANCEL | GP_INTR_ALWAYS);
	if (r == -ECANCELED)
		gp_cancel_act();
	return r == -ETIME ? r : -EINTR;
}

SHIM int pause(void)
{
	if (!gp_on(GP_M_OS) || gp_alone())
		return REAL(pause)();
	return (int)gp_ret(wait_for_handler("pause"));
}

/* The mask is the thread's for the wait; a signal it unblocks that was pending already runs its
 * handler at the switch, before the park, and ends the call at once. */
SHIM int sigsuspend(const sigset_t *mask)
{
	if (!gp_on(GP_M_OS) || gp_alone() || null(mask))
		return REAL(sigsuspend)(mask);
	struct gp_hub *h = gp_hub();
	unsigned seen = __atomic_load_n(&h->sig_count, __ATOMIC_RELAXED);
	uint64_t old = gp_sigmask_swap(gp_sigbits(mask));
	int r = -EINTR;
	if (__atomic_load_n(&h->sig_count, __ATOMIC_RELAXED) == seen)
		r = wait_for_handler("sigsuspend");
	gp_sigmask_swap(old);
	return (int)gp_ret(r);
}

/* sigtimedwait on the green path: ask the kernel without waiting; if nothing in the set is
 * pending, park on a signalfd of the set (readable once one is) and ask again. After the
 * deadline one last look, then EAGAIN as natively. */
static int sigwait_green(const sigset_t *set, siginfo_t *info, uint64_t deadline, int intr)
{
	static const struct timespec zero = { 0, 0 };
	int fd = -1, r, w = 0;
	struct gp_fd *f = NULL;
	uint64_t waited = gp_sigbits(set), ms = 1;
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
