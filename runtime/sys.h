/* Raw syscalls used by the runtime, each returning the result or -errno. See arch/sys-*.h for the
 * instruction; this file only names the calls. */
#ifndef GP_SYS_H
#define GP_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#if defined(__x86_64__)
#include "arch/sys-x86_64.h"
#else
#error "greenpatch: only x86-64 is supported so far"
#endif

#define GP_SC(n, a, b, c, d, e, f) \
	gp_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline long gp_sys_close(int fd) { return GP_SC(SYS_close, fd, 0, 0, 0, 0, 0); }
static inline long gp_sys_fcntl(int fd, int cmd, long arg) { return GP_SC(SYS_fcntl, fd, cmd, arg, 0, 0, 0); }
static inline long gp_sys_write(int fd, const void *b, size_t n) { return GP_SC(SYS_write, fd, b, n, 0, 0, 0); }
static inline long gp_sys_recvfrom(int fd, void *b, size_t n, int fl, struct sockaddr *a, socklen_t *al)
{
	return GP_SC(SYS_recvfrom, fd, b, n, fl, a, al);
}
static inline long gp_sys_sendto(int fd, const void *b, size_t n, int fl, const struct sockaddr *a, socklen_t al)
{
	return GP_SC(SYS_sendto, fd, b, n, fl, a, al);
}
static inline long gp_sys_recvmsg(int fd, struct msghdr *m, int fl) { return GP_SC(SYS_recvmsg, fd, m, fl, 0, 0, 0); }
static inline long gp_sys_sendmsg(int fd, const struct msghdr *m, int fl) { return GP_SC(SYS_sendmsg, fd, m, fl, 0, 0, 0); }
static inline long gp_sys_accept4(int fd, struct sockaddr *a, socklen_t *al, int fl)
{
	return GP_SC(SYS_accept4, fd, a, al, fl, 0, 0);
}
static inline long gp_sys_connect(int fd, const struct sockaddr *a, socklen_t al) { return GP_SC(SYS_connect, fd, a, al, 0, 0, 0); }
static inline long gp_sys_getsockopt(int fd, int lvl, int opt, void *v, socklen_t *l)
{
	return GP_SC(SYS_getsockopt, fd, lvl, opt, v, l, 0);
}
static inline long gp_sys_epoll_ctl(int ep, int op, int fd, struct epoll_event *ev) { return GP_SC(SYS_epoll_ctl, ep, op, fd, ev, 0, 0); }
/* mask: the signal mask during the wait (NULL: unchanged), as the kernel's 64-bit set */
static inline long gp_sys_epoll_pwait2(int ep, struct epoll_event *ev, int n, const struct timespec *ts,
				       const uint64_t *mask)
{
	return GP_SC(SYS_epoll_pwait2, ep, ev, n, ts, mask, 8);
}
static inline long gp_sys_epoll_pwait(int ep, struct epoll_event *ev, int n, int ms, const uint64_t *mask)
{
	return GP_SC(SYS_epoll_pwait, ep, ev, n, ms, mask, 8);
}
static inline long gp_sys_sigmask(int how, const uint64_t *set, uint64_t *old)
{
	return GP_SC(SYS_rt_sigprocmask, how, set, old, 8, 0, 0);
}
static inline long gp_sys_ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts)
{
	return GP_SC(SYS_ppoll, p, n, ts, 0, 8, 0);
}
/* Pipe I/O that never blocks, without touching the file's O_NONBLOCK (shared with other
 * processes): offset -1 is "the current position", RWF_NOWAIT makes a would-block EAGAIN. */
static inline long gp_sys_preadv2(int fd, const struct iovec *v, int n, int fl)
{
	return GP_SC(SYS_preadv2, fd, v, n, -1L, -1L, fl);
}
static inline long gp_sys_pwritev2(int fd, const struct iovec *v, int n, int fl)
{
	return GP_SC(SYS_pwritev2, fd, v, n, -1L, -1L, fl);
}

#endif
