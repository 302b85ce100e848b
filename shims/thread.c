/* The thread module, thread life: pthreads become green threads of the calling OS thread's hub;
 * a pthread_t is the green thread's address. Threads the runtime did not make (tpool workers, a
 * thread a library started behind our back) stay native: their pthread_t is the real one and the
 * calls that name them are the real ones. Cancellation of green threads is deferred to the
 * runtime's cancellation points (cancel.c); the sync objects are in mutex.c and sync.c. */
#include "shim.h"
#include <sched.h>
#include <string.h>

/* glibc's struct pthread_attr (stable since 2.0 on x86-64): the stack size and the "stack address
 * set" flag are read directly, because pthread_attr_getstacksize cannot tell "not set" from
 * "set to the default". Checked once against the accessors; if the layout ever differs, fall back
 * to the accessors. */
struct glibc_attr {
	int sched_param, policy, flags, pad;
	size_t guardsize;
	void *stackaddr;
	size_t stacksize;
};
#define ATTR_FLAG_STACKADDR 0x8

static int attr_layout_ok(void)
{
	static int ok = -1;
	if (ok < 0) {
		pthread_attr_t a;
		size_t sz = 0;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 77 * 4096);
		pthread_attr_getstacksize(&a, &sz);
		ok = sz == 77 * 4096 && ((struct glibc_attr *)&a)->stacksize == sz;
		pthread_attr_destroy(&a);
	}
	return ok;
}

static void spawn_attr(const pthread_attr_t *attr, struct gp_spawn_attr *sa)
{
	int ds = PTHREAD_CREATE_JOINABLE;
	*sa = (struct gp_spawn_attr){ .guard_size = SIZE_MAX };
	if (!attr)
		return;
	pthread_attr_getdetachstate(attr, &ds);
	sa->detached = ds == PTHREAD_CREATE_DETACHED;
	sigset_t set;
	if (pthread_attr_getsigmask_np(attr, &set) == 0) {
		sa->has_sigmask = 1;
		sa->sigmask = gp_sigbits(&set);
	}
	pthread_attr_getguardsize(attr, &sa->guard_size);
	if (attr_layout_ok()) {
		const struct glibc_attr *g = (const void *)attr;
		sa->stack_size = g->stacksize;
		if (g->flags & ATTR_FLAG_STACKADDR)
			pthread_attr_getstack(attr, &sa->stack_addr, &sa->stack_size);
	} else {
		pthread_attr_getstacksize(attr, &sa->stack_size);
	}
}

extern char __libc_single_threaded; /* glibc 2.32+: libstdc++ skips atomics while it is 1 */

SHIM int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_create)(t, attr, fn, arg);
	__libc_single_threaded = 0; /* as the real pthread_create: there are two threads now */
	struct gp_spawn_attr sa;
	struct gp_gt *g;
	spawn_attr(attr, &sa);
	int r = gp_spawn(&g, &sa, fn, arg);
	if (r < 0)
		return -r;
	*t = (pthread_t)g;
	return 0;
}

static struct gp_gt *green_thread(pthread_t t)
{
	return gp_on(GP_M_THREAD) && gp_is_gt((struct gp_gt *)t) ? (struct gp_gt *)t : NULL;
}

/* The calling thread as a green thread, or NULL for a native one: an OS thread the runtime did
 * not start whose hub holds nothing but itself (main's OS thread is main's green thread). */
static struct gp_gt *green_caller(void)
{
	if (!gp_on(GP_M_THREAD))
		return NULL;
	struct gp_hub *h = gp_hub();
	return h->cur != &h->main || h->initial || h->nthreads > 1 ? h->cur : NULL;
}

/* A green thread joining a native one must not block its hub in the real join: it asks with
 * pthread_tryjoin_np, sleeping 1 to 20 ms between tries. */
static int join_native(pthread_t t, void **ret)
{
	int r, delay_ms = 1;
	while ((r = REAL(pthread_tryjoin_np)(t, ret)) == EBUSY) {
		gp_testcancel();
		gp_sleep_as(gp_deadline_in((uint64_t)delay_ms * 1000000), GP_INTR_NEVER); /* join never says EINTR */
		delay_ms = delay_ms < 20 ? delay_ms * 2 : 20;
	}
	return r;
}

SHIM int pthread_join(pthread_t t, void **ret)
{
	struct gp_gt *g = green_thread(t);
	if (g)
		return gp_err(gp_join(g, ret, GP_NEVER));
	if (green_caller())
		return join_native(t, ret);
	return REAL(pthread_join)(t, ret);
}

SHIM int pthread_tryjoin_np(pthread_t t, void **ret)
{
	struct gp_gt *g = green_thread(t);
	return g ? -gp_join(g, ret, 0) : REAL(pthread_tryjoin_np)(t, ret);
}

static int timedjoin(struct gp_gt *g, void **ret, clockid_t clk, const struct timespec *abs)
{
	if (abs && !gp_timed_args_ok(clk, abs))
		return EINVAL;
	return gp_err(gp_join(g, ret, abs ? gp_deadline_at(clk, abs) : GP_NEVER));
}

SHIM int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abs)
{
	struct gp_gt *g = green_thread(t);
	return g ? timedjoin(g, ret, CLOCK_REALTIME, abs) : REAL(pthread_timedjoin_np)(t, ret, abs);
}

SHIM int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clk, const struct timespec *abs)
{
	struct gp_gt *g = green_thread(t);
	return g ? timedjoin(g, ret, clk, abs) : REAL(pthread_clockjoin_np)(t, ret, clk, abs);
}

SHIM int pthread_detach(pthread_t t)
{
	struct gp_gt *g = green_thread(t);
	return g ? -gp_detach(g) : REAL(pthread_detach)(t);
}

/* A green thread's exit unwinds its stack (cleanup handlers, C++ destructors) as glibc's does. */
SHIM void pthread_exit(void *ret)
{
	if (green_caller())
		gp_exit_unwind(ret);
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

SHIM pthread_t pthread_self(void)
{
	struct gp_gt *g = green_caller();
	if (g && gp_unlikely(g->hub->handler.gt)) /* in a signal handler: the thread it runs for */
		g = gp_signal_handler_as(g->hub, __builtin_frame_address(0)) ?: g;
	return g ? (pthread_t)g : REAL(pthread_self)();
}

SHIM int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

/* ---- signal masks: each green thread has its own, set on the OS thread while it runs ---- */

static int set_mask(int how, const sigset_t *set, sigset_t *old)
{
	uint64_t s = set ? gp_sigbits(set) : 0, o;
	int r = gp_sigmask(how, set ? &s : NULL, &o);
	if (r == 0 && old) {
		sigemptyset(old);
		memcpy(old, &o, sizeof(o));
	}
	return r;
}

SHIM int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!green_caller())
		return REAL(pthread_sigmask)(how, set, old);
	return -set_mask(how, set, old);
}

SHIM int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!green_caller())
		return REAL(sigprocmask)(how, set, old);
	return (int)gp_ret(set_mask(how, set, old));
}

/* The OS thread's pending signals and those pthread_kill'ed at the caller while it blocks them. */
SHIM int sigpending(sigset_t *set)
{
	struct gp_gt *g = green_caller();
	int r = REAL(sigpending)(set);
	if (r == 0 && g) {
		uint64_t m = gp_sigbits(set) | __atomic_load_n(&g->sig_held, __ATOMIC_ACQUIRE);
		memcpy(set, &m, sizeof(m));
	}
	return r;
}

/* ---- cancellation ---- */

SHIM int pthread_cancel(pthread_t t)
{
	struct gp_gt *g = green_thread(t);
	return g ? -gp_cancel(g) : REAL(pthread_cancel)(t);
}

SHIM int pthread_setcancelstate(int state, int *old)
{
	struct gp_gt *g = green_caller();
	if (!g)
		return REAL(pthread_setcancelstate)(state, old);
	if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
		return EINVAL;
	if (old)
		*old = g->cancel_off ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
	g->cancel_off = state == PTHREAD_CANCEL_DISABLE;
	if (g->cancel_async)
		gp_testcancel(); /* asynchronous: a pending request acts at once */
	return 0;
}

SHIM int pthread_setcanceltype(int type, int *old)
{
	struct gp_gt *g = green_caller();
	if (!g)
		return REAL(pthread_setcanceltype)(type, old);
	if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS)
		return EINVAL;
	if (old)
		*old = g->cancel_async ? PTHREAD_CANCEL_ASYNCHRONOUS : PTHREAD_CANCEL_DEFERRED;
	g->cancel_async = type == PTHREAD_CANCEL_ASYNCHRONOUS;
	if (g->cancel_async)
		gp_testcancel();
	return 0;
}

SHIM void pthread_testcancel(void)
{
	if (green_caller())
		gp_testcancel();
	else
		REAL(pthread_testcancel)();
}

/* pthread_cleanup_push/pop expand to these (glibc's cancellation buffers, in the caller's
 * frame); the _defer/_restore pair also switches to deferred cancellation meanwhile. */
SHIM void __pthread_register_cancel(void *buf)
{
	if (green_caller())
		gp_cleanup_push(buf);
	else
		REAL(__pthread_register_cancel)(buf);
}

SHIM void __pthread_unregister_cancel(void *buf)
{
	if (green_caller())
		gp_cleanup_pop(buf);
	else
		REAL(__pthread_unregister_cancel)(buf);
}

SHIM void __pthread_unwind_next(void *buf)
{
	if (green_caller())
		gp_cleanup_next(buf);
	REAL(__pthread_unwind_next)(buf);
	__builtin_unreachable();
}

SHIM void __pthread_register_cancel_defer(void *buf)
{
	if (green_caller())
		gp_cleanup_push_defer(buf);
	else
		REAL(__pthread_register_cancel_defer)(buf);
}

SHIM void __pthread_unregister_cancel_restore(void *buf)
{
	if (green_caller())
		gp_cleanup_pop_restore(buf);
	else
		REAL(__pthread_unregister_cancel_restore)(buf);
}

/* ---- calls that name a thread ----
 * Names are kept per green thread. Signals, affinity, scheduling and attributes belong to OS
 * threads: for a green thread they apply to (and report) the OS thread that runs it, whose hub
 * recorded its real pthread_t. Without that, glibc would read a green thread as its own struct. */

SHIM int pthread_setname_np(pthread_t t, const char *name)
{
	struct gp_gt *g = green_thread(t);
	if (!g)
		return REAL(pthread_setname_np)(t, name);
	if (strlen(name) >= sizeof(g->name))
		return ERANGE;
	strcpy(g->name, name);
	if (g == &g->hub->main && g->hub->os_thread) /* the OS thread itself: ps shows its name */
		return REAL(pthread_setname_np)((pthread_t)g->hub->os_thread, name);
	return 0;
}

SHIM int pthread_getname_np(pthread_t t, char *buf, size_t len)
{
	struct gp_gt *g = green_thread(t);
	if (!g)
		return REAL(pthread_getname_np)(t, buf, len);
	if (len < strlen(g->name) + 1)
		return ERANGE;
	strcpy(buf, g->name);
	return 0;
}

/* The real pthread_t of the OS thread running green thread t, or t itself when it is not green. */
static pthread_t os_thread(pthread_t t)
{
	struct gp_gt *g = green_thread(t);
	return g && g->hub->os_thread ? (pthread_t)g->hub->os_thread : t;
}

void gp_signal_aim(int sig, struct gp_gt *to); /* signal.c */

SHIM int pthread_kill(pthread_t t, int sig)
{
	struct gp_gt *g = green_thread(t);
	if (g && sig == 0)
		return 0; /* glibc says 0 for an ended but unjoined thread too */
	uint64_t bit = sig > 0 && sig < 65 && sig != SIGKILL && sig != SIGSTOP ? 1ull << (sig - 1) : 0;
	if (g && (g->sigmask & bit) && !(g->hub->sigwaited & bit) && g->state != GP_DONE &&
	    gp_signal_hold(g, sig) == 0)
		return 0; /* natively pending for that thread until it unblocks it */
	if (g)
		gp_signal_aim(sig, g); /* the handler's note then knows whom it was for */
	return REAL(pthread_kill)(os_thread(t), sig);
}

/* A green thread reports its own stack (what garbage collectors and stack probes look for); the
 * hub's main thread is the OS thread and reports the OS thread's. */
SHIM int pthread_getattr_np(pthread_t t, pthread_attr_t *a)
{
	struct gp_gt *g = green_thread(t);
	if (!g || !g->stack.map)
		return REAL(pthread_getattr_np)(os_thread(t), a);
	int r = pthread_attr_init(a);
	if (r)
		return r;
	pthread_attr_setdetachstate(a, g->detached ? PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE);
	pthread_attr_setguardsize(a, g->stack.guard);
	return pthread_attr_setstack(a, (char *)g->stack.map + g->stack.guard, g->stack.size);
}

SHIM int pthread_setschedprio(pthread_t t, int prio)
{
	return REAL(pthread_setschedprio)(os_thread(t), prio);
}

/* The CPU time of a green thread is its OS thread's: the clock of the OS thread that runs it. */
SHIM int pthread_getcpuclockid(pthread_t t, clockid_t *clk)
{
	return REAL(pthread_getcpuclockid)(os_thread(t), clk);
}

SHIM int pthread_sigqueue(pthread_t t, int sig, const union sigval v)
{
	if (green_thread(t) && sig == 0)
		return 0;
	return REAL(pthread_sigqueue)(os_thread(t), sig, v);
}

SHIM int pthread_setaffinity_np(pthread_t t, size_t n, const cpu_set_t *set)
{
	return REAL(pthread_setaffinity_np)(os_thread(t), n, set);
}

SHIM int pthread_getaffinity_np(pthread_t t, size_t n, cpu_set_t *set)
{
	return REAL(pthread_getaffinity_np)(os_thread(t), n, set);
}

SHIM int pthread_setschedparam(pthread_t t, int policy, const struct sched_param *p)
{
	return REAL(pthread_setschedparam)(os_thread(t), policy, p);
}

SHIM int pthread_getschedparam(pthread_t t, int *policy, struct sched_param *p)
{
	return REAL(pthread_getschedparam)(os_thread(t), policy, p);
}

SHIM int sched_yield(void)
{
	if (!green_caller())
		return REAL(sched_yield)();
	gp_yield();
	return 0;
}

/* The old name (glibc's header redirects it to sched_yield; old binaries still call it, and
 * glibc's calls sched_yield internally, past the preload). */
SHIM int yield_old(void) __asm__("pthread_yield");
SHIM int yield_old(void)
{
	return sched_yield();
}

