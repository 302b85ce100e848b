/* The time module: sleeps park the calling green thread on a timer instead of the OS thread.
 * Validation and return conventions are those of the native calls (nanosleep: -1/errno;
 * clock_nanosleep: the error number; thrd_sleep: -2 on error). Clocks other than the four wall and
 * monotonic ones (CPU-time clocks) go to the real call. */
#include "shim.h"
#include <threads.h>
#include <unistd.h>

static int sleep_rel(const struct timespec *req)
{
	return gp_sleep_until(gp_deadline_in(gp_rel_ns(req)));
}

SHIM int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!gp_on(GP_M_TIME))
		return REAL(nanosleep)(req, rem);
	if (!req)
		return (int)gp_ret(-EFAULT);
	if (!gp_ts_valid(req))
		return (int)gp_ret(-EINVAL);
	return sleep_rel(req);
}

static int green_clock(clockid_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME || c == CLOCK_TAI;
}

SHIM int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	if (!gp_on(GP_M_TIME) || !green_clock(clk))
		return REAL(clock_nanosleep)(clk, flags, req, rem);
	if (!req)
		return EFAULT;
	if (req->tv_nsec < 0 || req->tv_nsec >= (long)GP_NS)
		return EINVAL;
	if (flags & TIMER_ABSTIME)
		return gp_sleep_until(gp_deadline_at(clk, req));
	if (req->tv_sec < 0)
		return EINVAL;
	return sleep_rel(req);
}

SHIM int usleep(useconds_t us)
{
	if (!gp_on(GP_M_TIME))
		return REAL(usleep)(us);
	return gp_sleep_until(gp_deadline_in((uint64_t)us * 1000));
}

SHIM unsigned sleep(unsigned s)
{
	if (!gp_on(GP_M_TIME))
		return REAL(sleep)(s);
	gp_sleep_until(gp_deadline_in((uint64_t)s * GP_NS));
	return 0;
}

SHIM int thrd_sleep(const struct timespec *req, struct timespec *rem)
{
	if (!gp_on(GP_M_TIME))
		return REAL(thrd_sleep)(req, rem);
	if (!req || !gp_ts_valid(req))
		return -2;
	return sleep_rel(req);
}
