/* Signals and green threads. Handlers run as natively, on the OS thread, in the context of
 * whichever green thread is running (or of the hub's wait). What greenpatch must add is the
 * other half of a signal: the blocking call it cuts short. The preload installs the program's
 * handlers behind a trampoline that, after the handler, notes the signal on the OS thread's hub
 * (gp_signal_note, async-signal-safe: an atomic or); the hub then, between picks, ends with
 * -EINTR the one wait the kernel would have interrupted (gp_hub_signals):
 *
 * - the receiver: the green thread a pthread_kill named; else, for a signal sent to the process,
 *   the one the kernel picks: main if it does not block the signal, else the oldest thread that
 *   does not (complete_signal() in the kernel prefers the group leader);
 * - its wait ends only if it is one a handler ends (signal(7)): always for sleeps, poll and its
 *   kind, pause, sigsuspend, sigtimedwait and socket calls with a timeout; unless the handler was
 *   installed with SA_RESTART for socket and pipe I/O, waitpid, sem_wait, futex waits; never for
 *   mutexes, condvars, join (the GP_INTR_* of the wait).
 *
 * Each green thread also has its own signal mask, set on the OS thread while it runs. */
#include "rt.h"
#include "sys.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (3ull << 31)) /* + SIGCANCEL, SIGSETXID */

void gp_signal_note(int sig, int restart, struct gp_gt *to)
{
	struct gp_hub *h = gp_cur_hub;
	if (!h || sig < 1 || sig > 64)
		return;
	uint64_t bit = 1ull << (sig - 1);
	h->sig_to[sig] = to;
	if (restart)
		__atomic_fetch_and(&h->sig_norestart, ~bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or(&h->sig_norestart, bit, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sig_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_or(&h->sig_pending, bit, __ATOMIC_RELEASE);
}

static int alive(const struct gp_gt *t)
{
	return gp_is_gt(t) && t->state != GP_DONE;
}

/* The thread the kernel would have given a process-directed signal: main, else the oldest one
 * that accepts it. NULL when every thread blocks it. */
static struct gp_gt *receiver(struct gp_hub *h, uint64_t bit)
{
	if (h->initial && alive(&h->main) && !(h->main.sigmask & bit))
		return &h->main;
	struct gp_gt *t = h->all, *pick = NULL;
	for (; t; t = t->all_next) /* newest first: the last match is the oldest */
		if (!(t->sigmask & bit))
			pick = t;
	return pick;
}

static int interrupts(const struct gp_gt *t, int intr, uint64_t bit, uint64_t norestart)
{
	return intr == GP_INTR_ALWAYS || (intr == GP_INTR_RESTART && (norestart & bit));
}

/* Take the pending notes: for each signal, its receiver and whether its handler restarts. A
 * report asked for by a signal (GP_SIG_DIAG_BIT: the dump) is printed here, and ends no wait. */
static uint64_t take(struct gp_hub *h, uint64_t *norestart)
{
	uint64_t p = __atomic_exchange_n(&h->sig_pending, 0, __ATOMIC_ACQUIRE);
	*norestart = __atomic_load_n(&h->sig_norestart, __ATOMIC_RELAXED);
	if (gp_unlikely(p & GP_SIG_DIAG_BIT)) {
		p &= ~GP_SIG_DIAG_BIT;
		gp_diag_run(h);
	}
	return p;
}

struct gp_gt *gp_signal_receiver(struct gp_hub *h, int sig, int to_thread)
{
	if (!to_thread)
		return receiver(h, 1ull << (sig - 1));
	struct gp_gt *t = h->sig_to[sig];
	return t && alive(t) ? t : h->cur;
}

/* A handler's frames lie below the trampoline's, on the same stack, in the same green thread;
 * after a siglongjmp out of it neither holds, and the record is dropped. */
struct gp_gt *gp_signal_handler_as(struct gp_hub *h, const char *frame)
{
	struct gp_handler_as *a = &h->handler;
	if (!a->gt)
		return NULL;
	if (a->cur == h->cur && frame < a->frame && a->frame - frame < (1 << 20))
		return a->gt;
	*a = (struct gp_handler_as){ 0 };
	return NULL;
}

int gp_signal_hold(struct gp_gt *t, int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	if (__atomic_load_n(&t->sigfd_wait, __ATOMIC_ACQUIRE) & bit)
		return -1;
	__atomic_fetch_or(&t->sig_held, bit, __ATOMIC_RELEASE);
	return 0;
}

/* Send the signals of `which` that cur holds to its OS thread, aimed at it. */
static void send_held(struct gp_hub *h, struct gp_gt *cur, uint64_t which)
{
	uint64_t due = __atomic_load_n(&cur->sig_held, __ATOMIC_ACQUIRE) & which;
	if (!due)
		return;
	__atomic_fetch_and(&cur->sig_held, ~due, __ATOMIC_ACQ_REL);
	long pid = GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), tid = GP_SC(SYS_gettid, 0, 0, 0, 0, 0, 0);
	for (; due; due &= due - 1) {
		int sig = __builtin_ctzll(due) + 1;
		h->sig_to[sig] = cur;
		GP_SC(SYS_tgkill, pid, tid, sig, 0, 0, 0);
	}
}

static struct gp_gt *target(struct gp_hub *h, int sig, uint64_t bit)
{
	struct gp_gt *t = h->sig_to[sig];
	h->sig_to[sig] = NULL;
	return t && alive(t) ? t : receiver(h, bit);
}

void gp_hub_signals(struct gp_hub *h)
{
	uint64_t norestart, p = take(h, &norestart);
	while (p) {
		int sig = __builtin_ctzll(p) + 1;
		uint64_t bit = 1ull << (sig - 1);
		p &= ~bit;
		struct gp_gt *t = target(h, sig, bit);
		if (t && t->state == GP_WAITING && interrupts(t, t->intr, bit, norestart))
			gp_cancel_wait(t, -EINTR);
	}
}

int gp_signal_ends_wait(struct gp_hub *h, struct gp_gt *t, int intr)
{
	uint64_t norestart, p = take(h, &norestart);
	int ends = 0;
	while (p) {
		int sig = __builtin_ctzll(p) + 1;
		uint64_t bit = 1ull << (sig - 1);
		p &= ~bit;
		ends |= target(h, sig, bit) == t && interrupts(t, intr, bit, norestart);
	}
	return ends;
}

/* ---- per-thread signal masks ---- */

static void set_mask(struct gp_hub *h, struct gp_gt *cur, uint64_t m)
{
	m &= ~UNBLOCKABLE;
	if (m == cur->sigmask)
		return;
	cur->sigmask = m;
	h->masks_differ = 1;
	uint64_t k = m | h->sigwaited;
	gp_sys_sigmask(SIG_SETMASK, &k, NULL);
	send_held(h, cur, ~m); /* unblocked: the kernel delivers them as the mask call returns */
}

void gp_sigwait_begin(uint64_t set)
{
	struct gp_hub *h = gp_hub();
	set &= ~UNBLOCKABLE;
	send_held(h, h->cur, set); /* pthread_kill'ed before the wait: pending for it, so taken now */
	for (uint64_t p = set; p; p &= p - 1)
		h->sigwait_refs[__builtin_ctzll(p)]++;
	if ((h->sigwaited | set) != h->sigwaited) {
		h->sigwaited |= set;
		uint64_t k = h->cur->sigmask | h->sigwaited;
		gp_sys_sigmask(SIG_SETMASK, &k, NULL);
	}
}

void gp_sigwait_end(uint64_t set)
{
	struct gp_hub *h = gp_hub();
	uint64_t before = h->sigwaited;
	set &= ~UNBLOCKABLE;
	for (uint64_t p = set; p; p &= p - 1) {
		int b = __builtin_ctzll(p);
		if (h->sigwait_refs[b] && !--h->sigwait_refs[b])
			h->sigwaited &= ~(1ull << b);
	}
	if (h->sigwaited != before) {
		uint64_t k = h->cur->sigmask | h->sigwaited;
		gp_sys_sigmask(SIG_SETMASK, &k, NULL);
	}
}

int gp_sigmask(int how, const uint64_t *set, uint64_t *old)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	/* in a handler: the mask the kernel gave it (the thread's, the action's sa_mask, the signal),
	 * changed for the handler alone; the kernel puts the thread's back at its return */
	struct gp_handler_as *in = gp_signal_handler_as(h, __builtin_frame_address(0)) ? &h->handler : NULL;
	uint64_t m = in ? in->mask : cur->sigmask;
	if (old)
		*old = m;
	if (!set)
		return how == SIG_BLOCK || how == SIG_UNBLOCK || how == SIG_SETMASK ? 0 : -EINVAL;
	switch (how) {
	case SIG_BLOCK: m |= *set; break;
	case SIG_UNBLOCK: m &= ~*set; break;
	case SIG_SETMASK: m = *set; break;
	default: return -EINVAL;
	}
	if (in) {
		in->mask = m & ~UNBLOCKABLE;
		uint64_t k = in->mask | h->sigwaited;
		gp_sys_sigmask(SIG_SETMASK, &k, NULL);
		return 0;
	}
	set_mask(h, cur, m);
	return 0;
}

uint64_t gp_sigmask_swap(uint64_t mask)
{
	struct gp_hub *h = gp_hub();
	uint64_t old = h->cur->sigmask;
	set_mask(h, h->cur, mask);
	return old;
}

/* ---- signalfd ---- */

/* The signals signalfd fd takes, from its fdinfo ("sigmask:\t<hex>"; signalfd(fd, ...) may change
 * them at any time); all of them when it cannot be read. */
static uint64_t signalfd_mask(int fd)
{
	char path[48], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int pf = (int)GP_SC(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (pf < 0)
		return ~0ull;
	long n = GP_SC(SYS_read, pf, buf, sizeof(buf) - 1, 0, 0, 0);
	GP_SC(SYS_close, pf, 0, 0, 0, 0, 0);
	buf[n > 0 ? n : 0] = 0;
	const char *m = strstr(buf, "sigmask:");
	return m ? strtoull(m + 8, NULL, 16) : ~0ull;
}

void gp_signalfd_claim(int fd)
{
	struct gp_hub *h = gp_hub();
	uint64_t mask = signalfd_mask(fd);
	__atomic_fetch_or(&h->cur->sigfd_wait, mask, __ATOMIC_RELEASE);
	send_held(h, h->cur, mask);
}

void gp_signalfd_done(void)
{
	__atomic_store_n(&gp_hub()->cur->sigfd_wait, 0, __ATOMIC_RELEASE);
}
