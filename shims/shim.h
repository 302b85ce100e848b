/* What every shim needs: is the module patched, the real function, and the one place where a
 * runtime result (-errno) becomes the C library's convention (-1 and errno). */
#ifndef GP_SHIM_H
#define GP_SHIM_H

#include <signal.h>
#include <string.h>
#include "rt.h"
#include "flags.h"
#include "real.h"

#define SHIM GP_EXPORT

extern void __chk_fail(void) __attribute__((noreturn)); /* glibc: the fortify failure report */

static inline unsigned gp_on(unsigned module)
{
	if (gp_unlikely(!gp_inited))
		gp_init();
	return gp_mods & module;
}

/* A runtime result as the C library returns it. -ECANCELED from a wait means the thread was
 * cancelled at that cancellation point: it does not return. */
static inline long gp_ret(long r)
{
	if (gp_unlikely(r < 0)) {
		if (r == -ECANCELED && gp_cancel_due())
			gp_cancel_act();
		if (r == -ETIME)
			gp_timeout_act();
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* The same for calls that return an error number (pthread_*). */
static inline int gp_err(int r)
{
	if (gp_unlikely(r == -ECANCELED) && gp_cancel_due())
		gp_cancel_act();
	if (gp_unlikely(r == -ETIME))
		gp_timeout_act();
	return -r;
}

/* A cancellation point that acts on a pending request at entry (pthread_testcancel, poll). */
static inline void gp_testcancel(void)
{
	if (gp_cancel_due())
		gp_cancel_act();
}

/* The fd's entry if I/O calls on it are to be green: a socket with the socket module patched;
 * with the os module, a pipe, FIFO, tty or other character device epoll can watch, an eventfd,
 * timerfd, signalfd or inotify descriptor (GP_FD_OTHER), a regular file or block device
 * (GP_FD_REG: see runtime/disk.c); in every case one the program has not made non-blocking.
 * Else NULL. */
static inline struct gp_fd *gp_green_fd(int fd)
{
	if (!gp_on(GP_M_SOCKET | GP_M_OS))
		return NULL;
	struct gp_fd *f = gp_fd_get(fd);
	if (!f)
		return NULL;
	if (gp_unlikely(f->user_nb)) { /* the program's own non-blocking I/O: a call made real */
		struct gp_hub *h = gp_hub_peek();
		if (h)
			h->real_nonblock++;
		return NULL;
	}
	if (f->kind == GP_FD_SOCK)
		return gp_mods & GP_M_SOCKET ? f : NULL;
	if (!(gp_mods & GP_M_OS) || f->unpollable || f->kind == GP_FD_INTERNAL)
		return NULL;
	return f;
}

struct flock;
int gp_os_setlkw(int (*real)(int, int, ...), int fd, int cmd, struct flock *l); /* os.c */

/* The calling thread is alone on its hub (gp_hub_alone, which counts it), or has none: a call
 * may simply block in the kernel, as natively. */
static inline int gp_alone(void)
{
	struct gp_hub *h = gp_hub_peek();
	return h ? gp_hub_alone(h) : 1;
}

/* A relative timespec as ns, saturating to GP_NEVER. Callers validate it first. */
/* The kernel's 64 bits of a sigset_t (glibc's type is 1024 bits; the kernel reads the first 64),
 * the form runtime/ keeps masks in. */
static inline uint64_t gp_sigbits(const sigset_t *s)
{
	uint64_t m;
	memcpy(&m, s, sizeof(m));
	return m;
}

static inline uint64_t gp_rel_ns(const struct timespec *ts)
{
	if ((uint64_t)ts->tv_sec >= (GP_NEVER - GP_NS) / GP_NS)
		return GP_NEVER;
	return gp_ts_ns(ts);
}

static inline int gp_ts_valid_nsec(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < (long)GP_NS;
}

/* Clock and absolute deadline of a timed pthread/semaphore wait, as glibc accepts them. */
static inline int gp_timed_args_ok(clockid_t clk, const struct timespec *abs)
{
	return (clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC) && gp_ts_valid_nsec(abs);
}

static inline int gp_ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)GP_NS;
}

/* The green waitpid (os.c), for shims that wait for a child of their own (system, popen's close):
 * the pid or -errno; -ECANCELED at a cancellation request, for the caller to act on. */
long gp_os_wait4(pid_t pid, int *status, int options, struct rusage *ru);

#endif
