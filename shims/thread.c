/* The thread module: pthreads become green threads of the calling OS thread's hub, and the
 * pthread objects the program owns (mutexes, condvars, once, keys) hold green state in their own
 * storage. A pthread_t is the green thread's address. Objects the program made process-shared stay
 * real: other processes cannot see our hub. */
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

SHIM int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_create)(t, attr, fn, arg);
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

SHIM int pthread_join(pthread_t t, void **ret)
{
	struct gp_gt *g = green_thread(t);
	return g ? -gp_join(g, ret) : REAL(pthread_join)(t, ret);
}

SHIM int pthread_detach(pthread_t t)
{
	struct gp_gt *g = green_thread(t);
	return g ? -gp_detach(g) : REAL(pthread_detach)(t);
}

SHIM void pthread_exit(void *ret)
{
	if (gp_on(GP_M_THREAD))
		gp_exit(ret);
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

SHIM pthread_t pthread_self(void)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_self)();
	return (pthread_t)gp_self();
}

SHIM int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
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

SHIM int pthread_kill(pthread_t t, int sig)
{
	if (green_thread(t) && sig == 0)
		return 0; /* glibc says 0 for an ended but unjoined thread too */
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
	if (!gp_on(GP_M_THREAD))
		return REAL(sched_yield)();
	gp_yield();
	return 0;
}

/* ---- mutexes ---- */

#define KIND_PSHARED 128 /* glibc PTHREAD_MUTEX_PSHARED_BIT */

static struct gp_mutex *gm(pthread_mutex_t *m)
{
	struct gp_mutex *g = (struct gp_mutex *)m;
	return gp_on(GP_M_THREAD) && !(g->kind & KIND_PSHARED) ? g : NULL;
}

SHIM int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	int type = PTHREAD_MUTEX_DEFAULT, shared = PTHREAD_PROCESS_PRIVATE, robust = 0;
	if (attr) {
		pthread_mutexattr_gettype(attr, &type);
		pthread_mutexattr_getpshared(attr, &shared);
		pthread_mutexattr_getrobust(attr, &robust);
	}
	if (!gp_on(GP_M_THREAD) || shared == PTHREAD_PROCESS_SHARED)
		return REAL(pthread_mutex_init)(m, attr);
	memset(m, 0, sizeof(*m));
	((struct gp_mutex *)m)->kind = type | (robust ? 16 : 0);
	return 0;
}

SHIM int pthread_mutex_destroy(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	if (!g)
		return REAL(pthread_mutex_destroy)(m);
	return g->owner || g->wq.head ? EBUSY : 0;
}

SHIM int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	return g ? -gp_mutex_lock(g, GP_NEVER) : REAL(pthread_mutex_lock)(m);
}

SHIM int pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	return g ? -gp_mutex_trylock(g) : REAL(pthread_mutex_trylock)(m);
}

/* Timed lock: the deadline is checked only when the lock would block, as glibc does. */
static int timedlock(struct gp_mutex *g, clockid_t clk, const struct timespec *abs)
{
	int r = gp_mutex_trylock(g);
	if (r != -EBUSY)
		return -r;
	if (!gp_timed_args_ok(clk, abs))
		return EINVAL;
	return -gp_mutex_lock(g, gp_deadline_at(clk, abs));
}

SHIM int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abs)
{
	struct gp_mutex *g = gm(m);
	return g ? timedlock(g, CLOCK_REALTIME, abs) : REAL(pthread_mutex_timedlock)(m, abs);
}

SHIM int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abs)
{
	struct gp_mutex *g = gm(m);
	return g ? timedlock(g, clk, abs) : REAL(pthread_mutex_clocklock)(m, clk, abs);
}

SHIM int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	return g ? -gp_mutex_unlock(g) : REAL(pthread_mutex_unlock)(m);
}

/* ---- condition variables (both glibc symbol versions bind here; the real ones are 2.3.2) ---- */

static struct gp_cond *gc(pthread_cond_t *c)
{
	struct gp_cond *g = (struct gp_cond *)c;
	return gp_on(GP_M_THREAD) && !(g->pad[4] & 1) ? g : NULL; /* pad[4] is glibc's __wrefs */
}

SHIM int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	int shared = PTHREAD_PROCESS_PRIVATE;
	clockid_t clk = CLOCK_REALTIME;
	if (attr) {
		pthread_condattr_getpshared(attr, &shared);
		pthread_condattr_getclock(attr, &clk);
	}
	if (!gp_on(GP_M_THREAD) || shared == PTHREAD_PROCESS_SHARED)
		return REAL(pthread_cond_init)(c, attr);
	memset(c, 0, sizeof(*c));
	((struct gp_cond *)c)->clock = clk + 1;
	return 0;
}

SHIM int pthread_cond_destroy(pthread_cond_t *c)
{
	struct gp_cond *g = gc(c);
	return g ? (g->wq.head ? EBUSY : 0) : REAL(pthread_cond_destroy)(c);
}

SHIM int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct gp_cond *g = gc(c);
	struct gp_mutex *mg = gm(m);
	if (!g || !mg)
		return REAL(pthread_cond_wait)(c, m);
	return -gp_cond_wait(g, mg, GP_NEVER);
}

static int timedwait(struct gp_cond *g, struct gp_mutex *m, clockid_t clk, const struct timespec *abs)
{
	if (!gp_timed_args_ok(clk, abs))
		return EINVAL;
	return -gp_cond_wait(g, m, gp_deadline_at(clk, abs));
}

SHIM int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abs)
{
	struct gp_cond *g = gc(c);
	struct gp_mutex *mg = gm(m);
	if (!g || !mg)
		return REAL(pthread_cond_timedwait)(c, m, abs);
	return timedwait(g, mg, g->clock ? g->clock - 1 : CLOCK_REALTIME, abs);
}

/* C++'s std::condition_variable waits with this (CLOCK_MONOTONIC) since GCC 10. */
SHIM int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
				const struct timespec *abs)
{
	struct gp_cond *g = gc(c);
	struct gp_mutex *mg = gm(m);
	if (!g || !mg)
		return REAL(pthread_cond_clockwait)(c, m, clk, abs);
	return timedwait(g, mg, clk, abs);
}

SHIM int pthread_cond_signal(pthread_cond_t *c)
{
	struct gp_cond *g = gc(c);
	if (!g)
		return REAL(pthread_cond_signal)(c);
	gp_cond_signal(g);
	return 0;
}

SHIM int pthread_cond_broadcast(pthread_cond_t *c)
{
	struct gp_cond *g = gc(c);
	if (!g)
		return REAL(pthread_cond_broadcast)(c);
	gp_cond_broadcast(g);
	return 0;
}

/* ---- once and keys ---- */

SHIM int pthread_once(pthread_once_t *once, void (*init)(void))
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_once)(once, init);
	return gp_once(once, init);
}

SHIM int pthread_key_create(pthread_key_t *key, void (*dtor)(void *))
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_key_create)(key, dtor);
	unsigned k;
	int r = gp_key_create(&k, dtor);
	if (r == 0)
		*key = k;
	return -r;
}

SHIM int pthread_key_delete(pthread_key_t key)
{
	return gp_on(GP_M_THREAD) ? -gp_key_delete(key) : REAL(pthread_key_delete)(key);
}

SHIM void *pthread_getspecific(pthread_key_t key)
{
	return gp_on(GP_M_THREAD) ? gp_key_get(key) : REAL(pthread_getspecific)(key);
}

SHIM int pthread_setspecific(pthread_key_t key, const void *v)
{
	return gp_on(GP_M_THREAD) ? -gp_key_set(key, v) : REAL(pthread_setspecific)(key, v);
}
