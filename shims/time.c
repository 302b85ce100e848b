/* The time module: sleeps park the calling green thread on a timer instead of the OS thread. A
 * signal handler that runs while the hub waits for a lone sleeper cuts its sleep short with EINTR
 * and the time left, as natively.
 * Validation and return conventions are those of the native calls (nanosleep: -1/errno;
 * clock_nanosleep: the error number; thrd_sleep: -2 on error). Clocks other than the four wall and
 * monotonic ones (CPU-time clocks) go to the real call. */
#include "shim.h"
#include <threads.h>
#include <unistd.h>

/* Sleep to the deadline; on -EINTR the time left goes to *rem (when given). Every sleep is a
 * cancellation point. */
static int sleep_to(uint64_t deadline, struct timespec *rem)
{
	int r = gp_sleep_until(deadline);
	if (r == -ECANCELED)
		gp_cancel_act();
	if (r == -EINTR && rem) {
		uint64_t now = gp_now(), left = deadline > now ? deadline - now : 0;
		*rem = (struct timespec){ (time_t)(left / GP_NS), (long)(left % GP_NS) };
	}
	return r;
}

static int sleep_rel(const struct timespec *req, struct timespec *rem)
{
	return sleep_to(gp_deadline_in(gp_rel_ns(req)), rem);
}

SHIM int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!gp_on(GP_M_TIME))
		return REAL(nanosleep)(req, rem);
	if (!req)
		return (int)gp_ret(-EFAULT);
	if (!gp_ts_valid(req))
		return (int)gp_ret(-EINVAL);
	return (int)gp_ret(sleep_rel(req, rem));
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
		return -sleep_to(gp_deadline_at(clk, req), NULL); /* rem is not used with TIMER_ABSTIME */
	if (req->tv_sec < 0)
		return EINVAL;
	return -sleep_rel(req, rem);
}

SHIM int usleep(useconds_t us)
{
	if (!gp_on(GP_M_TIME))
		return REAL(usleep)(us);
	return (int)gp_ret(sleep_to(gp_deadline_in((uint64_t)us * 1000), NULL));
}

SHIM unsigned sleep(unsigned s)
{
	if (!gp_on(GP_M_TIME))
		return REAL(sleep)(s);
	struct timespec left = { 0, 0 };
	sleep_to(gp_deadline_in((uint64_t)s * GP_NS), &left);
	return (unsigned)left.tv_sec; /* whole seconds not slept, as glibc */
}

SHIM int thrd_sleep(const struct timespec *req, struct timespec *rem)
{
	if (!gp_on(GP_M_TIME))
		return REAL(thrd_sleep)(req, rem);
	if (!req || !gp_ts_valid(req))
		return -2;
	return sleep_rel(req, rem) ? -1 : 0;
}
