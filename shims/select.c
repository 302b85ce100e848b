/* The select module. Every call first asks the kernel without waiting; if nothing is ready, the
 * green thread parks on every fd of the set (gp_poll_wait) and asks again when woken. The answer
 * the program gets is therefore always the kernel's own: the full ready set, exact revents. A
 * program's own epoll instance is itself a pollable fd: its waiter parks on it in the hub's set
 * (nested epoll), so an event loop in each of several green threads works.
 *
 * The forms with a signal mask (pselect, ppoll, epoll_pwait, epoll_pwait2) make it the thread's
 * mask for the call, as the kernel does atomically: a signal it unblocks runs its handler and
 * ends the wait with EINTR. A handler ends any of these waits (never restarted, signal(7)). */
#include "shim.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

static uint64_t ms_deadline(int timeout)
{
	return timeout < 0 ? GP_NEVER : gp_deadline_in((uint64_t)timeout * 1000000);
}

static uint64_t ts_deadline(const struct timespec *ts)
{
	return ts ? gp_deadline_in(gp_rel_ns(ts)) : GP_NEVER;
}

/* The kernel's 64 bits of a sigset_t, or NULL for "no mask". */
static const uint64_t *mask_of(const sigset_t *m, uint64_t *buf)
{
	if (!m)
		return NULL;
	*buf = gp_sigbits(m);
	return buf;
}

/* Descriptors closed while poll waited: natively poll does not notice a close (it looks at them
 * again only when something else wakes it, or at its timeout, and answers POLLNVAL then). So when
 * all that a wake-up shows is POLLNVAL, those entries are set aside (fd -1, which poll skips; the
 * program's value kept in *aside) and the wait goes on; they are put back for the answer. */
static int set_aside_closed(struct pollfd *fds, nfds_t n, int ready, int **aside)
{
	int nval = 0;
	for (nfds_t i = 0; i < n; i++)
		nval += fds[i].fd >= 0 && fds[i].revents == POLLNVAL;
	if (nval != ready)
		return 0;
	if (!*aside) {
		if (!(*aside = malloc(n * sizeof(**aside))))
			return 0;
		for (nfds_t i = 0; i < n; i++)
			(*aside)[i] = INT_MIN;
	}
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].fd >= 0 && fds[i].revents == POLLNVAL) {
			(*aside)[i] = fds[i].fd;
			fds[i].fd = -1;
		}
	}
	return 1;
}

static void put_back(struct pollfd *fds, nfds_t n, int *aside)
{
	for (nfds_t i = 0; i < n; i++)
		if (aside[i] != INT_MIN)
			fds[i].fd = aside[i];
	free(aside);
}

/* Signalfds in the set: what was pthread_kill'ed at this thread shows in them (gp_signalfd_claim). */
static int claim_signalfds(const struct pollfd *fds, nfds_t n)
{
	int any = 0;
	for (nfds_t i = 0; i < n; i++) {
		struct gp_fd *f = fds[i].fd >= 0 ? gp_fd_get(fds[i].fd) : NULL;
		if (f && f->sigfd) {
			gp_signalfd_claim(fds[i].fd);
			any = 1;
		}
	}
	return any;
}

static int poll_green(struct pollfd *fds, nfds_t n, uint64_t deadline, const uint64_t *mask)
{
	gp_testcancel();
	uint64_t old = mask ? gp_sigmask_swap(*mask) : 0;
	int r, sigfds = -1, waited = 0, timed_out = 0, *aside = NULL;
	for (;;) {
		if ((r = REAL(poll)(fds, n, 0)) < 0) {
			r = -errno;
			break;
		}
		if (sigfds < 0 && (sigfds = claim_signalfds(fds, n)) > 0)
			continue; /* the set is a valid one: signalfds in it may show more now */
		if (r > 0 && !(waited && set_aside_closed(fds, n, r, &aside)))
			break;
		int w = r > 0 ? 0 : gp_poll_wait(fds, n, deadline);
		waited = 1;
		if (w < 0) {
			timed_out = w == -ETIMEDOUT;
			r = timed_out ? 0 : w;
			break;
		}
	}
	if (sigfds > 0)
		gp_signalfd_done();
	if (aside)
		put_back(fds, n, aside);
	if ((aside || timed_out) && r >= 0 && (r = REAL(poll)(fds, n, 0)) < 0)
		r = -errno;
	if (mask)
		gp_sigmask_swap(old);
	return (int)gp_ret(r);
}

SHIM int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(poll)(fds, n, timeout);
	return poll_green(fds, n, ms_deadline(timeout), NULL);
}

SHIM int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *m)
{
	uint64_t mb;
	if ((ts && ((!ts->tv_sec && !ts->tv_nsec) || !gp_ts_valid(ts))) || !gp_on(GP_M_SELECT))
		return REAL(ppoll)(fds, n, ts, m);
	return poll_green(fds, n, ts_deadline(ts), mask_of(m, &mb));
}

/* The fortified entry points: fdslen is what the program's array holds. */
SHIM int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, timeout);
}

SHIM int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *m, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, ts, m);
}

/* ---- select: any nfds (a program may allocate sets beyond FD_SETSIZE) ---- */

#define WORDS(nfds) (((size_t)(nfds) + 63) / 64)

static int bit(const unsigned long *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

/* The pollfd set equivalent to select's three sets (read, write, except -> POLLPRI). */
static nfds_t sets_to_poll(int nfds, unsigned long *sets[3], struct pollfd *p)
{
	nfds_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (short)((bit(sets[0], fd) ? POLLIN : 0) | (bit(sets[1], fd) ? POLLOUT : 0) |
				   (bit(sets[2], fd) ? POLLPRI : 0));
		if (ev)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	return n;
}

struct sel {
	int nfds;
	fd_set *io[3];          /* the program's sets */
	unsigned long *saved[3]; /* what they held on entry */
	struct pollfd *p;
	nfds_t n;
};

/* The program's sets as they were given, or the kernel's zero-timeout answer into them. */
static void restore(struct sel *s)
{
	for (int i = 0; i < 3; i++)
		if (s->io[i])
			memcpy(s->io[i], s->saved[i], WORDS(s->nfds) * 8);
}

static int select_now(struct sel *s)
{
	struct timeval zero = { 0, 0 };
	restore(s);
	return REAL(select)(s->nfds, s->io[0], s->io[1], s->io[2], &zero);
}

static int sel_wait(struct sel *s, uint64_t deadline)
{
	int r;
	while ((r = select_now(s)) == 0) {
		int w = gp_poll_wait(s->p, s->n, deadline);
		if (w == -ETIMEDOUT)
			return select_now(s);
		if (w < 0) {
			restore(s); /* an error leaves the sets as the program gave them */
			return w;
		}
	}
	return r < 0 ? -errno : r;
}

/* Up to FD_SETSIZE on the stack; beyond, a program-sized allocation. */
static int select_green(int nfds, fd_set *io[3], uint64_t deadline, const uint64_t *mask)
{
	size_t words = WORDS(nfds);
	struct sel s = { .nfds = nfds, .io = { io[0], io[1], io[2] } };
	unsigned long stack_mem[3 * WORDS(FD_SETSIZE)], *mem = stack_mem;
	struct pollfd stack_p[FD_SETSIZE];
	s.p = stack_p;
	if (nfds > FD_SETSIZE) {
		mem = calloc(3 * words, sizeof(*mem));
		s.p = calloc((size_t)nfds, sizeof(*s.p));
		if (!mem || !s.p) {
			free(mem), free(s.p);
			return -ENOMEM;
		}
	}
	for (int i = 0; i < 3; i++) {
		s.saved[i] = io[i] ? mem + (size_t)i * words : NULL;
		if (io[i])
			memcpy(s.saved[i], io[i], words * 8);
	}
	s.n = sets_to_poll(nfds, s.saved, s.p);
	gp_testcancel();
	uint64_t old = mask ? gp_sigmask_swap(*mask) : 0;
	int r = sel_wait(&s, deadline);
	if (mask)
		gp_sigmask_swap(old);
	if (mem != stack_mem)
		free(mem), free(s.p);
	return r;
}

static void remaining(struct timeval *tv, uint64_t deadline)
{
	uint64_t now = gp_now(), left = deadline > now ? deadline - now : 0;
	tv->tv_sec = (time_t)(left / GP_NS);
	tv->tv_usec = (suseconds_t)(left % GP_NS / 1000);
}

/* Linux writes the time left back into the timeval, on every return. */
SHIM int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	int now_only = tv && tv->tv_sec == 0 && tv->tv_usec == 0;
	int invalid = nfds < 0 || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0));
	if (now_only || invalid || !gp_on(GP_M_SELECT))
		return REAL(select)(nfds, rd, wr, ex, tv);
	fd_set *io[3] = { rd, wr, ex };
	uint64_t deadline = tv ? gp_deadline_in((uint64_t)tv->tv_sec * GP_NS + (uint64_t)tv->tv_usec * 1000) : GP_NEVER;
	int r = select_green(nfds, io, deadline, NULL);
	if (tv && r != -EINVAL && r != -ENOMEM)
		remaining(tv, deadline);
	return (int)gp_ret(r);
}

SHIM int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts, const sigset_t *m)
{
	uint64_t mb;
	int now_only = ts && !ts->tv_sec && !ts->tv_nsec;
	if (now_only || nfds < 0 || (ts && !gp_ts_valid(ts)) || !gp_on(GP_M_SELECT))
		return REAL(pselect)(nfds, rd, wr, ex, ts, m);
	fd_set *io[3] = { rd, wr, ex };
	return (int)gp_ret(select_green(nfds, io, ts_deadline(ts), mask_of(m, &mb)));
}

/* ---- the program's own epoll instances ---- */

static int epoll_green(int epfd, struct epoll_event *ev, int max, uint64_t deadline, const uint64_t *mask)
{
	struct gp_fd *f;
	gp_testcancel();
	uint64_t old = mask ? gp_sigmask_swap(*mask) : 0;
	int r;
	for (;;) {
		if ((r = REAL(epoll_wait)(epfd, ev, max, 0)) != 0 || !(f = gp_fd_get(epfd))) {
			r = r < 0 ? -errno : r;
			break;
		}
		int w = gp_fd_wait(epfd, f, GP_RD, deadline, GP_INTR_ALWAYS);
		if (w == -ETIMEDOUT) {
			r = REAL(epoll_wait)(epfd, ev, max, 0);
			r = r < 0 ? -errno : r;
			break;
		}
		if (w < 0) {
			r = w;
			break;
		}
	}
	if (mask)
		gp_sigmask_swap(old);
	return (int)gp_ret(r);
}

SHIM int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(epoll_wait)(epfd, ev, max, timeout);
	return epoll_green(epfd, ev, max, ms_deadline(timeout), NULL);
}

SHIM int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *m)
{
	uint64_t mb;
	if (timeout == 0 || !gp_on(GP_M_SELECT))
		return REAL(epoll_pwait)(epfd, ev, max, timeout, m);
	return epoll_green(epfd, ev, max, ms_deadline(timeout), mask_of(m, &mb));
}

SHIM int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *ts, const sigset_t *m)
{
	uint64_t mb;
	if ((ts && !ts->tv_sec && !ts->tv_nsec) || (ts && !gp_ts_valid(ts)) || !gp_on(GP_M_SELECT))
		return REAL(epoll_pwait2)(epfd, ev, max, ts, m);
	return epoll_green(epfd, ev, max, ts_deadline(ts), mask_of(m, &mb));
}
