/* The select module. Every call first asks the kernel without waiting; if nothing is ready, the
 * green thread parks on every fd of the set (gp_poll_wait) and asks again when woken. The answer
 * the program gets is therefore always the kernel's own: the full ready set, exact revents. A
 * program's own epoll instance is itself a pollable fd: its waiter parks on it in the hub's set
 * (nested epoll), so an event loop in each of several green threads works. */
#include "shim.h"
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

static uint64_t ms_deadline(int timeout)
{
	return timeout < 0 ? GP_NEVER : gp_deadline_in((uint64_t)timeout * 1000000);
}

SHIM int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(poll)(fds, n, timeout);
	gp_testcancel();
	uint64_t deadline = ms_deadline(timeout);
	for (;;) {
		int r = REAL(poll)(fds, n, 0);
		if (r != 0)
			return r;
		int w = gp_poll_wait(fds, n, deadline);
		if (w == -ETIMEDOUT)
			return REAL(poll)(fds, n, 0);
		if (w < 0)
			return (int)gp_ret(w);
	}
}

/* The pollfd set equivalent to select's three sets (read, write, except -> POLLPRI). */
static nfds_t sets_to_poll(int nfds, fd_set *sets[3], struct pollfd *p)
{
	nfds_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;
		if (sets[0] && FD_ISSET(fd, sets[0]))
			ev |= POLLIN;
		if (sets[1] && FD_ISSET(fd, sets[1]))
			ev |= POLLOUT;
		if (sets[2] && FD_ISSET(fd, sets[2]))
			ev |= POLLPRI;
		if (ev)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	return n;
}

static void remaining(struct timeval *tv, uint64_t deadline)
{
	uint64_t now = gp_now(), left = deadline > now ? deadline - now : 0;
	tv->tv_sec = (time_t)(left / GP_NS);
	tv->tv_usec = (suseconds_t)(left % GP_NS / 1000);
}

/* The kernel's select with a zero timeout, on fresh copies of the program's sets. */
static int select_now(int nfds, fd_set *io[3], fd_set saved[3])
{
	struct timeval zero = { 0, 0 };
	size_t bytes = ((size_t)nfds + 7) / 8;
	for (int i = 0; i < 3; i++)
		if (io[i])
			memcpy(io[i], &saved[i], bytes);
	return REAL(select)(nfds, io[0], io[1], io[2], &zero);
}

static int select_green(int nfds, fd_set *io[3], struct timeval *tv)
{
	fd_set saved[3];
	size_t bytes = ((size_t)nfds + 7) / 8;
	for (int i = 0; i < 3; i++)
		if (io[i])
			memcpy(&saved[i], io[i], bytes);
	uint64_t deadline = tv ? gp_deadline_in((uint64_t)tv->tv_sec * GP_NS + (uint64_t)tv->tv_usec * 1000)
			       : GP_NEVER;
	fd_set *sv[3] = { io[0] ? &saved[0] : NULL, io[1] ? &saved[1] : NULL, io[2] ? &saved[2] : NULL };
	struct pollfd stackp[64], *p = nfds <= 64 ? stackp : calloc((size_t)nfds, sizeof(*p));
	if (!p)
		return (int)gp_ret(-ENOMEM);
	nfds_t n = sets_to_poll(nfds, sv, p);
	int r, w;
	gp_testcancel();
	while ((r = select_now(nfds, io, saved)) == 0) {
		if ((w = gp_poll_wait(p, n, deadline)) == -ETIMEDOUT) {
			r = select_now(nfds, io, saved);
			break;
		}
		if (w == -ECANCELED) {
			if (p != stackp)
				free(p);
			gp_cancel_act();
		}
	}
	if (p != stackp)
		free(p);
	if (tv && r >= 0)
		remaining(tv, deadline);
	return r;
}

SHIM int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	int now_only = tv && tv->tv_sec == 0 && tv->tv_usec == 0;
	int invalid = nfds < 0 || nfds > FD_SETSIZE || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0));
	if (now_only || invalid || !gp_on(GP_M_SELECT))
		return REAL(select)(nfds, rd, wr, ex, tv);
	fd_set *io[3] = { rd, wr, ex };
	return select_green(nfds, io, tv);
}

/* ---- the program's own epoll instances ---- */

static int epoll_green(int epfd, struct epoll_event *ev, int max, uint64_t deadline)
{
	gp_testcancel();
	for (;;) {
		int r = REAL(epoll_wait)(epfd, ev, max, 0);
		struct gp_fd *f;
		if (r != 0 || !(f = gp_fd_get(epfd)))
			return r;
		int w = gp_fd_wait(epfd, f, GP_RD, deadline);
		if (w == -ETIMEDOUT)
			return REAL(epoll_wait)(epfd, ev, max, 0);
		if (w < 0)
			return (int)gp_ret(w);
	}
}

SHIM int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(epoll_wait)(epfd, ev, max, timeout);
	return epoll_green(epfd, ev, max, ms_deadline(timeout));
}

/* With a signal mask the wait must change the mask atomically, which only the kernel can do: such
 * calls stay real. */
SHIM int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	if (mask || timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	return epoll_green(epfd, ev, max, ms_deadline(timeout));
}

SHIM int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *ts,
		      const sigset_t *mask)
{
	if (mask || (ts && !ts->tv_sec && !ts->tv_nsec) || (ts && !gp_ts_valid(ts)) || !gp_on(GP_M_SELECT))
		return REAL(epoll_pwait2)(epfd, ev, max, ts, mask);
	return epoll_green(epfd, ev, max, ts ? gp_deadline_in(gp_rel_ns(ts)) : GP_NEVER);
}
