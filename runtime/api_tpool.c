/* The public tpool API (include/greenpatch.h): eventlet's tpool.execute, a call of any signature
 * through libffi, set_num_threads and killall, over tpool.c. */
#include "rt.h"
#include "greenpatch.h"
#include <ffi.h>

static long execute_job(struct gp_job *j)
{
	void *(*fn)(void *) = (void *(*)(void *))j->a[0];
	return (long)fn((void *)j->a[1]);
}

GP_EXPORT void *greenpatch_tpool_execute(void *(*fn)(void *), void *arg)
{
	struct gp_job j = { .fn = execute_job, .a = { (long)fn, (long)arg }, .carry = GP_JOB_ERRNO };
	return (void *)gp_tpool_run(&j);
}

static long ffi_job(struct gp_job *j)
{
	ffi_call((ffi_cif *)j->a[0], (void (*)(void))j->a[1], (void *)j->a[2], (void **)j->a[3]);
	return 0;
}

GP_EXPORT int greenpatch_tpool_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue)
{
	if (!cif || !fn) {
		errno = EINVAL;
		return -1;
	}
	struct gp_job j = { .fn = ffi_job, .a = { (long)cif, (long)fn, (long)rvalue, (long)avalue },
			    .carry = GP_JOB_ERRNO };
	gp_tpool_run(&j);
	return 0;
}

GP_EXPORT int greenpatch_tpool_set_num_threads(int n)
{
	int r = n < 0 ? -EINVAL : gp_tpool_set_size((unsigned)n);
	if (r) {
		errno = -r;
		return -1;
	}
	return 0;
}

GP_EXPORT int greenpatch_tpool_num_threads(void)
{
	return (int)gp_config.tpool_size;
}

GP_EXPORT void greenpatch_tpool_killall(void)
{
	gp_tpool_killall();
}
