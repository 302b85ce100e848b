/* What the API files (api_*.c) share: the boundary conventions of include/greenpatch.h. */
#ifndef GP_API_H
#define GP_API_H

#include <math.h>
#include "rt.h"
#include "greenpatch.h"

/* -1 with errno e. */
static inline int gp_api_fail(int e)
{
	errno = e;
	return -1;
}

/* A runtime result at the API's boundary: a timeout or cancellation that ended a wait acts here
 * (as at a shim's), else -errno becomes -1 and errno. */
static inline long gp_api_ret(long r)
{
	if (r >= 0)
		return r;
	if (r == -ETIME)
		gp_timeout_act();
	if (r == -ECANCELED && gp_cancel_due())
		gp_cancel_act();
	return gp_api_fail((int)-r);
}

/* Wait on a hub-local queue until a gp_wq_wake_*: 0, or -1 with errno ETIME when a timeout of
 * the caller's fired (a kill of the caller acts here: no return). */
static inline int gp_api_wait(struct gp_wq *q)
{
	long r = gp_wait_on(q, 0, GP_NEVER);
	return r < 0 ? (int)gp_api_ret(r) : 0;
}

/* Seconds (eventlet's unit) as a relative time in ns; -1 for NaN or negative. */
static inline int64_t gp_api_ns(double s)
{
	if (isnan(s) || s < 0)
		return -1;
	return s >= 1.8e10 ? (int64_t)(GP_NEVER >> 1) : (int64_t)(s * 1e9);
}

/* A timeout argument: negative is "none", NaN is an error (-1). */
static inline int gp_api_deadline(double timeout, uint64_t *deadline)
{
	if (isnan(timeout))
		return -1;
	*deadline = timeout < 0 ? GP_NEVER : gp_deadline_in((uint64_t)gp_api_ns(timeout));
	return 0;
}

#endif
