/* The thread module, mutual exclusion: mutexes, condition variables, once and keys. The green
 * state lives in the program's own objects (runtime/sync.c); objects the program made
 * process-shared stay real, because other processes cannot see our hubs. A mutex's __kind keeps
 * glibc's encoding (type, robust, protocol, ceiling), so the attribute queries read it as glibc
 * would. */
#include "shim.h"
#include <sched.h>
#include <string.h>

static struct gp_mutex *gm(pthread_mutex_t *m)
{
	struct gp_mutex *g = (struct gp_mutex *)m;
	return gp_on(GP_M_THREAD) && !(g->kind & GP_MUTEX_PSHARED) ? g : NULL;
}

#define KIND_PI GP_MUTEX_PI
#define KIND_PP 64

static int mutex_kind(const pthread_mutexattr_t *attr)
{
	int type = PTHREAD_MUTEX_DEFAULT, robust = 0, proto = PTHREAD_PRIO_NONE, ceiling = 0;
	if (attr) {
		pthread_mutexattr_gettype(attr, &type);
		pthread_mutexattr_getrobust(attr, &robust);
		pthread_mutexattr_getprotocol(attr, &proto);
		pthread_mutexattr_getprioceiling(attr, &ceiling);
	}
	return type | (robust ? GP_MUTEX_ROBUST : 0) | (proto == PTHREAD_PRIO_INHERIT ? KIND_PI : 0) |
	       (proto == PTHREAD_PRIO_PROTECT ? KIND_PP | ceiling << GP_MUTEX_CEIL_SHIFT : 0);
}

SHIM int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	int shared = PTHREAD_PROCESS_PRIVATE;
	if (attr)
		pthread_mutexattr_getpshared(attr, &shared);
	if (!gp_on(GP_M_THREAD) || shared == PTHREAD_PROCESS_SHARED)
		return REAL(pthread_mutex_init)(m, attr);
	memset(m, 0, sizeof(*m));
	((struct gp_mutex *)m)->kind = mutex_kind(attr);
	return 0;
}

/* glibc: EBUSY for a locked mutex, except a robust one (its owner may be gone). */
SHIM int pthread_mutex_destroy(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	if (!g)
		return REAL(pthread_mutex_destroy)(m);
	return (g->owner || g->wq.head) && !(g->kind & GP_MUTEX_ROBUST) ? EBUSY : 0;
}

/* glibc raises a thread to a PRIO_PROTECT mutex's ceiling when it locks one: the first time the
 * thread's highest ceiling goes up it calls sched_setscheduler (refused with EINVAL to a
 * SCHED_OTHER thread), and keeps the raised ceiling even then, so the next locks succeed. Green
 * threads have no priorities of their own; the OS thread's is the one raised, and only then. */
static int pp_raise(const struct gp_mutex *g)
{
	if (gp_likely(!(g->kind & KIND_PP)))
		return 0;
	struct gp_gt *cur = gp_self();
	int c = (int)((unsigned)g->kind >> GP_MUTEX_CEIL_SHIFT);
	if (c <= cur->pp_ceiling)
		return 0;
	cur->pp_ceiling = c;
	struct sched_param sp;
	int policy = sched_getscheduler(0);
	if (policy < 0 || sched_getparam(0, &sp) < 0)
		return errno;
	if (sp.sched_priority >= c)
		return 0;
	sp.sched_priority = c;
	return sched_setscheduler(0, policy, &sp) < 0 ? errno : 0;
}

SHIM int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	int r;
	if (!g)
		return REAL(pthread_mutex_lock)(m);
	return (r = pp_raise(g)) ? r : -gp_mutex_lock(g, GP_NEVER);
}

SHIM int pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	int r;
	if (!g)
		return REAL(pthread_mutex_trylock)(m);
	return (r = pp_raise(g)) ? r : -gp_mutex_trylock(g);
}

/* Timed lock: the clock is checked first, the deadline only when the lock would block, as glibc
 * does. */
static int timedlock(struct gp_mutex *g, clockid_t clk, const struct timespec *abs)
{
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC)
		return EINVAL;
	int r = pp_raise(g);
	if (r)
		return r;
	r = gp_mutex_trylock(g);
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

SHIM int pthread_mutex_consistent(pthread_mutex_t *m)
{
	struct gp_mutex *g = gm(m);
	return g ? -gp_mutex_consistent(g) : REAL(pthread_mutex_consistent)(m);
}

/* The pre-2.12 name; glibc's header redirects it to the one above, old binaries still call it. */
SHIM int consistent_np(pthread_mutex_t *m) __asm__("pthread_mutex_consistent_np");
SHIM int consistent_np(pthread_mutex_t *m)
{
	return pthread_mutex_consistent(m);
}

SHIM int pthread_mutex_getprioceiling(const pthread_mutex_t *m, int *ceiling)
{
	struct gp_mutex *g = gm((pthread_mutex_t *)m);
	if (!g)
		return REAL(pthread_mutex_getprioceiling)(m, ceiling);
	if (!(g->kind & KIND_PP))
		return EINVAL;
	*ceiling = (int)((unsigned)g->kind >> GP_MUTEX_CEIL_SHIFT);
	return 0;
}

/* Priorities mean nothing among the green threads of one OS thread: the ceiling is only kept. */
SHIM int pthread_mutex_setprioceiling(pthread_mutex_t *m, int ceiling, int *old)
{
	struct gp_mutex *g = gm(m);
	if (!g)
		return REAL(pthread_mutex_setprioceiling)(m, ceiling, old);
	if (!(g->kind & KIND_PP) || ceiling < sched_get_priority_min(SCHED_FIFO) ||
	    ceiling > sched_get_priority_max(SCHED_FIFO))
		return EINVAL;
	int r = gp_mutex_lock(g, GP_NEVER);
	if (r && r != -EOWNERDEAD)
		return -r;
	*old = (int)((unsigned)g->kind >> GP_MUTEX_CEIL_SHIFT);
	g->kind = (g->kind & ((1 << GP_MUTEX_CEIL_SHIFT) - 1)) | ceiling << GP_MUTEX_CEIL_SHIFT;
	gp_mutex_unlock(g);
	return 0;
}

/* ---- condition variables (both glibc symbol versions bind here; the real ones are 2.3.2) ---- */

#define COND_SHARED 2 /* glibc __PTHREAD_COND_SHARED_MASK, in __wrefs */

static struct gp_cond *gc(pthread_cond_t *c)
{
	struct gp_cond *g = (struct gp_cond *)c;
	return gp_on(GP_M_THREAD) && !(g->pad[3] & COND_SHARED) ? g : NULL;
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
	return gp_err(gp_cond_wait(g, mg, GP_NEVER));
}

static int timedwait(struct gp_cond *g, struct gp_mutex *m, clockid_t clk, const struct timespec *abs)
{
	if (!gp_timed_args_ok(clk, abs))
		return EINVAL;
	return gp_err(gp_cond_wait(g, m, gp_deadline_at(clk, abs)));
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

/* A sanitizer runtime's keys are the real ones: its state is per OS thread (gp_from_sanitizer). */
#define REAL_KEYS() (!gp_on(GP_M_THREAD) || gp_from_sanitizer(__builtin_return_address(0)))

SHIM int pthread_key_create(pthread_key_t *key, void (*dtor)(void *))
{
	if (REAL_KEYS())
		return REAL(pthread_key_create)(key, dtor);
	unsigned k;
	int r = gp_key_create(&k, dtor);
	if (r == 0)
		*key = k;
	return -r;
}

SHIM int pthread_key_delete(pthread_key_t key)
{
	return REAL_KEYS() ? REAL(pthread_key_delete)(key) : -gp_key_delete(key);
}

SHIM void *pthread_getspecific(pthread_key_t key)
{
	return REAL_KEYS() ? REAL(pthread_getspecific)(key) : gp_key_get(key);
}

SHIM int pthread_setspecific(pthread_key_t key, const void *v)
{
	return REAL_KEYS() ? REAL(pthread_setspecific)(key, v) : -gp_key_set(key, v);
}
