/* The thread module's other sync objects: semaphores, read-write locks, barriers, spinlocks. As
 * with mutexes, the green state lives in the program's own object; objects made process-shared
 * (and named semaphores) stay real, because other processes cannot see our hub. */
#include "shim.h"
#include <semaphore.h>
#include <limits.h>
#include <string.h>

/* ---- semaphores: -1/errno convention ---- */

static struct gp_sem *gs(sem_t *s)
{
	struct gp_sem *g = (struct gp_sem *)s;
	return gp_on(GP_M_THREAD) && g->green == GP_SEM_GREEN ? g : NULL;
}

SHIM int sem_init(sem_t *s, int pshared, unsigned value)
{
	if (!gp_on(GP_M_THREAD) || pshared || value > SEM_VALUE_MAX)
		return REAL(sem_init)(s, pshared, value);
	gp_sem_init((struct gp_sem *)s, value);
	return 0;
}

SHIM int sem_destroy(sem_t *s)
{
	struct gp_sem *g = gs(s);
	if (!g)
		return REAL(sem_destroy)(s);
	g->green = 0;
	return 0;
}

SHIM int sem_wait(sem_t *s)
{
	struct gp_sem *g = gs(s);
	return g ? (int)gp_ret(gp_sem_wait(g, GP_NEVER)) : REAL(sem_wait)(s);
}

SHIM int sem_trywait(sem_t *s)
{
	struct gp_sem *g = gs(s);
	return g ? (int)gp_ret(gp_sem_trywait(g)) : REAL(sem_trywait)(s);
}

/* Clock and deadline are checked first, even when a unit is available, as glibc does. */
static int sem_timed(struct gp_sem *g, clockid_t clk, const struct timespec *abs)
{
	if (!gp_timed_args_ok(clk, abs))
		return (int)gp_ret(-EINVAL);
	return (int)gp_ret(gp_sem_wait(g, gp_deadline_at(clk, abs)));
}

SHIM int sem_timedwait(sem_t *s, const struct timespec *abs)
{
	struct gp_sem *g = gs(s);
	return g ? sem_timed(g, CLOCK_REALTIME, abs) : REAL(sem_timedwait)(s, abs);
}

SHIM int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *abs)
{
	struct gp_sem *g = gs(s);
	return g ? sem_timed(g, clk, abs) : REAL(sem_clockwait)(s, clk, abs);
}

SHIM int sem_post(sem_t *s)
{
	struct gp_sem *g = gs(s);
	return g ? (int)gp_ret(gp_sem_post(g)) : REAL(sem_post)(s);
}

SHIM int sem_getvalue(sem_t *s, int *v)
{
	struct gp_sem *g = gs(s);
	if (!g)
		return REAL(sem_getvalue)(s, v);
	*v = (int)g->value;
	return 0;
}

/* ---- read-write locks: error-number convention ---- */

static struct gp_rwlock *gr(pthread_rwlock_t *l)
{
	/* glibc's __shared, at offset 28, is non-zero only for a process-shared rwlock */
	return gp_on(GP_M_THREAD) && !((const int *)l)[7] ? (struct gp_rwlock *)l : NULL;
}

SHIM int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr)
{
	int shared = PTHREAD_PROCESS_PRIVATE, kind = PTHREAD_RWLOCK_DEFAULT_NP;
	if (attr) {
		pthread_rwlockattr_getpshared(attr, &shared);
		pthread_rwlockattr_getkind_np(attr, &kind);
	}
	if (!gp_on(GP_M_THREAD) || shared == PTHREAD_PROCESS_SHARED)
		return REAL(pthread_rwlock_init)(l, attr);
	memset(l, 0, sizeof(*l));
	((struct gp_rwlock *)l)->flags = (unsigned)kind;
	return 0;
}

SHIM int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? 0 : REAL(pthread_rwlock_destroy)(l);
}

SHIM int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? -gp_rwlock_rdlock(g, GP_NEVER) : REAL(pthread_rwlock_rdlock)(l);
}

SHIM int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? -gp_rwlock_wrlock(g, GP_NEVER) : REAL(pthread_rwlock_wrlock)(l);
}

SHIM int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? -gp_rwlock_tryrdlock(g) : REAL(pthread_rwlock_tryrdlock)(l);
}

SHIM int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? -gp_rwlock_trywrlock(g) : REAL(pthread_rwlock_trywrlock)(l);
}

static int rw_timed(struct gp_rwlock *g, int write, clockid_t clk, const struct timespec *abs)
{
	if (!gp_timed_args_ok(clk, abs))
		return EINVAL;
	uint64_t d = gp_deadline_at(clk, abs);
	return -(write ? gp_rwlock_wrlock(g, d) : gp_rwlock_rdlock(g, d));
}

SHIM int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abs)
{
	struct gp_rwlock *g = gr(l);
	return g ? rw_timed(g, 0, CLOCK_REALTIME, abs) : REAL(pthread_rwlock_timedrdlock)(l, abs);
}

SHIM int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abs)
{
	struct gp_rwlock *g = gr(l);
	return g ? rw_timed(g, 1, CLOCK_REALTIME, abs) : REAL(pthread_rwlock_timedwrlock)(l, abs);
}

SHIM int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *abs)
{
	struct gp_rwlock *g = gr(l);
	return g ? rw_timed(g, 0, clk, abs) : REAL(pthread_rwlock_clockrdlock)(l, clk, abs);
}

SHIM int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *abs)
{
	struct gp_rwlock *g = gr(l);
	return g ? rw_timed(g, 1, clk, abs) : REAL(pthread_rwlock_clockwrlock)(l, clk, abs);
}

SHIM int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	struct gp_rwlock *g = gr(l);
	return g ? -gp_rwlock_unlock(g) : REAL(pthread_rwlock_unlock)(l);
}

/* ---- barriers ---- */

#define BARRIER_GREEN 0x67627231u /* in the slot glibc keeps its futex flavour (0 or 128) */

static struct gp_barrier *gb(pthread_barrier_t *b)
{
	struct gp_barrier *g = (struct gp_barrier *)b;
	return gp_on(GP_M_THREAD) && g->shared_unused == BARRIER_GREEN ? g : NULL;
}

SHIM int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
	int shared = PTHREAD_PROCESS_PRIVATE;
	if (attr)
		pthread_barrierattr_getpshared(attr, &shared);
	if (!gp_on(GP_M_THREAD) || shared == PTHREAD_PROCESS_SHARED || count == 0)
		return REAL(pthread_barrier_init)(b, attr, count);
	*(struct gp_barrier *)b = (struct gp_barrier){ .count = count, .shared_unused = BARRIER_GREEN };
	return 0;
}

SHIM int pthread_barrier_destroy(pthread_barrier_t *b)
{
	struct gp_barrier *g = gb(b);
	if (!g)
		return REAL(pthread_barrier_destroy)(b);
	if (g->arrived)
		return EBUSY;
	g->shared_unused = 0;
	return 0;
}

SHIM int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct gp_barrier *g = gb(b);
	return g ? gp_barrier_wait(g) : REAL(pthread_barrier_wait)(b);
}

/* ---- spinlocks ----
 * A held spinlock is waited for by yielding, since its holder may be a parked green thread. The
 * encoding is glibc's on x86-64 (1 free, 0 or less held: init and unlock store 1, lock decrements),
 * so the real init, trylock and unlock keep working on it. */

SHIM int pthread_spin_lock(pthread_spinlock_t *l)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(pthread_spin_lock)(l);
	while (__atomic_sub_fetch(l, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(l, __ATOMIC_RELAXED) <= 0)
			gp_yield();
	return 0;
}
