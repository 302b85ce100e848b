/* What every shim needs: is the module patched, the real function, and the one place where a
 * runtime result (-errno) becomes the C library's convention (-1 and errno). */
#ifndef GP_SHIM_H
#define GP_SHIM_H

#include "rt.h"
#include "flags.h"
#include "real.h"

#define SHIM GP_EXPORT

static inline unsigned gp_on(unsigned module)
{
	if (gp_unlikely(!gp_inited))
		gp_init();
	return gp_mods & module;
}

static inline long gp_ret(long r)
{
	if (gp_unlikely(r < 0)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* A relative timespec as ns, saturating to GP_NEVER. Callers validate it first. */
static inline uint64_t gp_rel_ns(const struct timespec *ts)
{
	if ((uint64_t)ts->tv_sec >= (GP_NEVER - GP_NS) / GP_NS)
		return GP_NEVER;
	return gp_ts_ns(ts);
}

static inline int gp_ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)GP_NS;
}

#endif
