/* The socket module (read/write and their vector forms, shared with pipes, are in os.c). A call is
 * green when the module is patched, the fd is a socket and the program has not asked for
 * non-blocking mode on it; then it is one gp_io call. Everything else is the real call.
 * Bookkeeping (close, dup, O_NONBLOCK view) runs whenever the runtime tracks the fd, so a reused
 * number never inherits stale state. */
#include "shim.h"
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <linux/close_range.h>
#include <netinet/in.h>

/* The fd's entry if socket calls on it are to be green, else NULL. */
static struct gp_fd *green(int fd)
{
	struct gp_fd *f = gp_green_fd(fd);
	return f && f->kind == GP_FD_SOCK ? f : NULL;
}

static void track(int fd, int type, int stream, int tcp)
{
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	if (!f)
		return;
	f->user_nb = !!(type & SOCK_NONBLOCK);
	f->stream = stream;
	f->tcp = tcp;
	f->created = 1;
}

static int is_stream(int type)
{
	return (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM;
}

static int is_tcp(int domain, int type, int proto)
{
	return (domain == AF_INET || domain == AF_INET6) && is_stream(type) &&
	       (proto == 0 || proto == IPPROTO_TCP);
}

SHIM int socket(int domain, int type, int proto)
{
	int fd = REAL(socket)(domain, type, proto);
	if (fd >= 0 && gp_on(GP_M_SOCKET))
		track(fd, type, is_stream(type), is_tcp(domain, type, proto));
	return fd;
}

SHIM int socketpair(int domain, int type, int proto, int sv[2])
{
	int r = REAL(socketpair)(domain, type, proto, sv);
	if (r == 0 && gp_on(GP_M_SOCKET)) {
		track(sv[0], type, is_stream(type), 0);
		track(sv[1], type, is_stream(type), 0);
	}
	return r;
}

/* A listening socket this process created keeps O_NONBLOCK in the kernel for good (hidden from
 * the program): accept then needs no flag changes. Nobody reads a listening socket through stdio.
 * An inherited one is left alone: its open file is shared with the parent. */
SHIM int listen(int fd, int backlog)
{
	int r = REAL(listen)(fd, backlog);
	struct gp_fd *f;
	if (r == 0 && (f = green(fd)) && f->created && !f->kern_nb && gp_fd_set_kernel_nb(fd, 1) == 0) {
		f->kern_nb = 1;
		gp_fd_file_changed(fd);
	}
	return r;
}

SHIM int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct gp_fd *f = green(fd);
	if (!f) {
		int r = REAL(accept4)(fd, addr, len, flags);
		struct gp_fd *l = r >= 0 && gp_on(GP_M_SOCKET) ? gp_fd_get(fd) : NULL;
		if (l)
			track(r, flags, l->stream, l->tcp);
		return r;
	}
	struct gp_io a = { .addr = addr, .addrlen = len, .flags = flags };
	long r = gp_io_accept(fd, f, &a);
	if (r >= 0)
		track((int)r, flags, f->stream, f->tcp);
	return (int)gp_ret(r);
}

SHIM int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

SHIM int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct gp_fd *f = green(fd);
	if (!f)
		return REAL(connect)(fd, addr, len);
	return (int)gp_ret(gp_io_connect(fd, f, addr, len));
}

/* ---- data: every entry point funnels into gp_io (read/write/readv/writev: os.c) ---- */

static ssize_t io(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a)
{
	return gp_ret(gp_io(fd, f, op, a));
}

SHIM ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *alen)
{
	struct gp_fd *f = flags & MSG_DONTWAIT ? NULL : green(fd);
	if (!f)
		return REAL(recvfrom)(fd, buf, n, flags, addr, alen);
	return io(fd, f, GP_IO_RECV,
		  &(struct gp_io){ .buf = buf, .len = n, .flags = flags, .addr = addr, .addrlen = alen });
}

SHIM ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

SHIM ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		__chk_fail();
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

SHIM ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			    struct sockaddr *addr, socklen_t *alen)
{
	if (n > buflen)
		__chk_fail();
	return recvfrom(fd, buf, n, flags, addr, alen);
}

SHIM ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
		    socklen_t alen)
{
	struct gp_fd *f = flags & MSG_DONTWAIT ? NULL : green(fd);
	if (!f)
		return REAL(sendto)(fd, buf, n, flags, addr, alen);
	return io(fd, f, GP_IO_SEND,
		  &(struct gp_io){ .buf = (void *)buf, .len = n, .flags = flags,
				   .addr = (struct sockaddr *)addr, .dlen = alen });
}

SHIM ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return sendto(fd, buf, n, flags, NULL, 0);
}

SHIM ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct gp_fd *f = flags & MSG_DONTWAIT ? NULL : green(fd);
	if (!f)
		return REAL(recvmsg)(fd, msg, flags);
	return io(fd, f, GP_IO_RECVMSG, &(struct gp_io){ .msg = msg, .flags = flags });
}

SHIM ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct gp_fd *f = flags & MSG_DONTWAIT ? NULL : green(fd);
	if (!f)
		return REAL(sendmsg)(fd, msg, flags);
	return io(fd, f, GP_IO_SENDMSG, &(struct gp_io){ .msg = (struct msghdr *)msg, .flags = flags });
}

SHIM int shutdown(int fd, int how)
{
	return REAL(shutdown)(fd, how); /* waiters see the EOF or EPIPE through epoll */
}

/* ---- descriptor lifetime ---- */

static int internal(int fd)
{
	struct gp_fd *f = gp_inited ? gp_fd_slot(fd) : NULL;
	return f && f->kind == GP_FD_INTERNAL;
}

SHIM int close(int fd)
{
	if (internal(fd))
		return (int)gp_ret(-EBADF); /* the runtime's own fds do not exist for the program */
	if (gp_inited)
		gp_fd_forget(fd);
	return REAL(close)(fd);
}

SHIM int fclose(FILE *fp)
{
	int fd = fp ? fileno(fp) : -1;
	if (fd >= 0 && gp_inited && !internal(fd))
		gp_fd_forget(fd);
	return REAL(fclose)(fp);
}

/* Daemons close every descriptor at start (close_range, closefrom): the runtime's own are stepped
 * around, as if they were not there; the rest are forgotten. */
SHIM int close_range(unsigned first, unsigned last, int flags)
{
	if (!gp_inited)
		return REAL(close_range)(first, last, flags);
	int own[16], n = gp_fd_internal_list(own, 16), r = 0;
	unsigned lo = first;
	for (int i = 0; i < n && r == 0; i++) {
		unsigned x = (unsigned)own[i];
		if (x < lo || x > last)
			continue;
		if (x > lo)
			r = REAL(close_range)(lo, x - 1, flags);
		lo = x + 1;
	}
	if (r == 0 && lo <= last && lo >= first)
		r = REAL(close_range)(lo, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
		gp_fd_forget_range(first, last);
	return r;
}

SHIM void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	if (close_range((unsigned)lowfd, ~0u, 0) == 0)
		return;
	long max = sysconf(_SC_OPEN_MAX); /* kernels without close_range: one by one */
	for (long fd = lowfd; fd < max; fd++)
		close((int)fd);
}

static int dup_done(int oldfd, int r)
{
	if (r >= 0 && gp_inited)
		gp_fd_dup(oldfd, r);
	return r;
}

SHIM int dup(int fd)
{
	if (internal(fd))
		return (int)gp_ret(-EBADF);
	return dup_done(fd, REAL(dup)(fd));
}

SHIM int dup2(int oldfd, int newfd)
{
	if (internal(oldfd))
		return (int)gp_ret(-EBADF);
	if (oldfd == newfd)
		return REAL(dup2)(oldfd, newfd);
	return dup_done(oldfd, REAL(dup2)(oldfd, newfd));
}

SHIM int dup3(int oldfd, int newfd, int flags)
{
	if (internal(oldfd))
		return (int)gp_ret(-EBADF);
	return dup_done(oldfd, REAL(dup3)(oldfd, newfd, flags));
}

/* ---- the program's view of O_NONBLOCK ---- */

/* Known entry for fd, or NULL: only descriptors the runtime tracks have a separate view. */
static struct gp_fd *known(int fd)
{
	struct gp_fd *f = gp_inited ? gp_fd_slot(fd) : NULL;
	return f && f->kind != GP_FD_UNKNOWN ? f : NULL;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, long arg)
{
	struct gp_fd *f = known(fd);
	int r;
	switch (cmd) {
	case F_GETFL:
		r = real(fd, cmd);
		if (r >= 0 && f && f->kern_nb) /* the only case where kernel and view differ */
			r = (r & ~O_NONBLOCK) | (f->user_nb ? O_NONBLOCK : 0);
		return r;
	case F_SETFL:
		if (!f || f->kind == GP_FD_INTERNAL)
			return real(fd, cmd, arg);
		r = real(fd, cmd, (arg & ~O_NONBLOCK) | ((arg & O_NONBLOCK) || f->kern_nb ? O_NONBLOCK : 0));
		if (r == 0) {
			f->user_nb = !!(arg & O_NONBLOCK);
			if (f->kind == GP_FD_REG) /* O_DIRECT may have been switched: ask the kernel */
				f->sync_io = (real(fd, F_GETFL) & (O_SYNC | O_DSYNC | O_DIRECT)) != 0;
			gp_fd_file_changed(fd);
		}
		return r;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (internal(fd))
			return (int)gp_ret(-EBADF);
		return dup_done(fd, real(fd, cmd, arg));
	case F_SETLKW:
	case F_OFD_SETLKW:
		return gp_os_setlkw(real, fd, cmd, (struct flock *)arg);
	default:
		return real(fd, cmd, arg);
	}
}

/* fcntl and its large-file twin: the optional argument is read as glibc does, as a long. */
#define FCNTL_SHIM(name)                                             \
	SHIM int name(int fd, int cmd, ...)                          \
	{                                                            \
		va_list ap;                                          \
		va_start(ap, cmd);                                   \
		long arg = va_arg(ap, long);                         \
		va_end(ap);                                          \
		return fcntl_common(REAL(name), fd, cmd, arg);       \
	}
FCNTL_SHIM(fcntl)
FCNTL_SHIM(fcntl64)

SHIM int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct gp_fd *f;
	if (req != FIONBIO || !(f = known(fd)) || !arg || f->kind == GP_FD_INTERNAL)
		return REAL(ioctl)(fd, req, arg);
	int on = *(int *)arg != 0;
	int r = f->kern_nb ? 0 : REAL(ioctl)(fd, req, arg); /* the kernel flag stays ours */
	if (r == 0) {
		f->user_nb = on;
		gp_fd_file_changed(fd);
	}
	return r;
}

/* ---- timeouts the program asked for ---- */

SHIM int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	int r = REAL(setsockopt)(fd, level, opt, val, len);
	struct gp_fd *f;
	if (r || level != SOL_SOCKET || !(f = known(fd)) || len < sizeof(struct timeval))
		return r;
	const struct timeval *tv = val; /* the _NEW options' 64-bit layout is the same here */
	uint64_t ns = gp_timeo_ns(tv->tv_sec, tv->tv_usec);
	if (opt == SO_RCVTIMEO || opt == 66 /* SO_RCVTIMEO_NEW */)
		f->rcvtimeo = ns;
	else if (opt == SO_SNDTIMEO || opt == 67 /* SO_SNDTIMEO_NEW */)
		f->sndtimeo = ns;
	else
		return r;
	gp_fd_file_changed(fd); /* a socket option: every descriptor of the socket sees it */
	return r;
}
