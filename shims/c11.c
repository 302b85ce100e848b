/* The thread module, C11 <threads.h>. glibc implements these over its internal pthread calls,
 * which no preload sees, so each is a short wrapper over the pthread shim it corresponds to,
 * mapping the error numbers to thrd_* results as glibc's thrd_err_map does. */
#include "shim.h"
#include <threads.h>

static int thrd_result(int err)
{
	switch (err) {
	case 0: return thrd_success;
	case ENOMEM:
	case EAGAIN: return thrd_nomem;
	case ETIMEDOUT: return thrd_timedout;
	case EBUSY: return thrd_busy;
	default: return thrd_error;
	}
}

/* The start function returns an int; as in glibc it runs through a pointer of pthread's type and
 * its result is read back as an int by thrd_join. */
SHIM int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(thrd_create)(thr, func, arg);
	return thrd_result(pthread_create(thr, NULL, (void *(*)(void *))(void (*)(void))func, arg));
}

SHIM int thrd_join(thrd_t thr, int *res)
{
	if (!gp_on(GP_M_THREAD))
		return REAL(thrd_join)(thr, res);
	void *r;
	int e = pthread_join(thr, &r);
	if (!e && res)
		*res = (int)(intptr_t)r;
	return thrd_result(e);
}

SHIM int thrd_detach(thrd_t thr)
{
	return gp_on(GP_M_THREAD) ? thrd_result(pthread_detach(thr)) : REAL(thrd_detach)(thr);
}

SHIM void thrd_exit(int res)
{
	if (gp_on(GP_M_THREAD))
		pthread_exit((void *)(intptr_t)res);
	REAL(thrd_exit)(res);
	__builtin_unreachable();
}

SHIM thrd_t thrd_current(void)
{
	return pthread_self();
}

SHIM int thrd_equal(thrd_t a, thrd_t b)
{
	return a == b;
}

SHIM void thrd_yield(void)
{
	sched_yield();
}

SHIM int mtx_init(mtx_t *m, int type)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	int rec = type == (mtx_plain | mtx_recursive) || type == (mtx_timed | mtx_recursive); /* as glibc */
	pthread_mutexattr_settype(&a, rec ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_NORMAL);
	return thrd_result(pthread_mutex_init((pthread_mutex_t *)m, &a));
}

SHIM int mtx_lock(mtx_t *m)
{
	return thrd_result(pthread_mutex_lock((pthread_mutex_t *)m));
}

SHIM int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict abs)
{
	return thrd_result(pthread_mutex_timedlock((pthread_mutex_t *)m, abs));
}

SHIM int mtx_trylock(mtx_t *m)
{
	return thrd_result(pthread_mutex_trylock((pthread_mutex_t *)m));
}

SHIM int mtx_unlock(mtx_t *m)
{
	return thrd_result(pthread_mutex_unlock((pthread_mutex_t *)m));
}

SHIM void mtx_destroy(mtx_t *m)
{
	pthread_mutex_destroy((pthread_mutex_t *)m);
}

SHIM int cnd_init(cnd_t *c)
{
	return thrd_result(pthread_cond_init((pthread_cond_t *)c, NULL));
}

SHIM int cnd_signal(cnd_t *c)
{
	return thrd_result(pthread_cond_signal((pthread_cond_t *)c));
}

SHIM int cnd_broadcast(cnd_t *c)
{
	return thrd_result(pthread_cond_broadcast((pthread_cond_t *)c));
}

SHIM int cnd_wait(cnd_t *c, mtx_t *m)
{
	return thrd_result(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

SHIM int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict abs)
{
	return thrd_result(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, abs));
}

SHIM void cnd_destroy(cnd_t *c)
{
	pthread_cond_destroy((pthread_cond_t *)c);
}

SHIM int tss_create(tss_t *key, tss_dtor_t dtor)
{
	return thrd_result(pthread_key_create(key, dtor));
}

SHIM void *tss_get(tss_t key)
{
	return pthread_getspecific(key);
}

SHIM int tss_set(tss_t key, void *v)
{
	return thrd_result(pthread_setspecific(key, v));
}

SHIM void tss_delete(tss_t key)
{
	pthread_key_delete(key);
}

SHIM void call_once(once_flag *flag, void (*func)(void))
{
	pthread_once((pthread_once_t *)&flag->__data, func);
}
