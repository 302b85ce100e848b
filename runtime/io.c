/* The one EAGAIN -> park -> retry loop. Sockets the program sees as blocking stay blocking in the
 * kernel (so stdio on them, or a child that inherits them, still works) and are driven with
 * MSG_DONTWAIT per call, pipes with RWF_NOWAIT per call; only accept and connect need O_NONBLOCK on the open file, which the
 * runtime sets on listening sockets it created and otherwise sets for the duration of the call.
 * The fast path is the real syscall, once: a ready socket costs exactly what it costs natively. */
#include "rt.h"
#include "sys.h"
#include <fcntl.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <termios.h>

static long accept_once(int fd, struct gp_fd *f, struct gp_io *a);
static long pipe_once(int fd, struct gp_fd *f, int write, struct gp_io *a);

static long io_once(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a)
{
	int fl = a->flags | MSG_DONTWAIT;
	switch (op) {
	case GP_IO_RECV: return gp_sys_recvfrom(fd, a->buf, a->len, fl, a->addr, a->addrlen);
	case GP_IO_RECVMSG: return gp_sys_recvmsg(fd, a->msg, fl);
	case GP_IO_SEND: return gp_sys_sendto(fd, a->buf, a->len, fl, a->addr, a->dlen);
	case GP_IO_SENDMSG: return gp_sys_sendmsg(fd, a->msg, fl);
	case GP_IO_ACCEPT: return accept_once(fd, f, a);
	case GP_IO_READV: return pipe_once(fd, f, 0, a);
	case GP_IO_WRITEV: return pipe_once(fd, f, 1, a);
	}
	return -EINVAL;
}

static int io_dir(enum gp_io_op op)
{
	return op == GP_IO_SEND || op == GP_IO_SENDMSG || op == GP_IO_WRITEV ? GP_WR : GP_RD;
}

/* A descriptor that is not ready may still answer at once: an eventfd read of the wrong size is
 * EINVAL, a tty in raw mode with VMIN 0 returns 0, one whose other side closed EIO. For those
 * (ttys and the anonymous kinds) the call is made with O_NONBLOCK set for it alone, as accept
 * does; a pipe that is not ready only waits. */
static long nonblock_once(int fd, int write, struct msghdr *m)
{
	long r = gp_fd_set_kernel_nb(fd, 1);
	if (r < 0)
		return r;
	r = GP_SC(write ? SYS_writev : SYS_readv, fd, m->msg_iov, m->msg_iovlen, 0, 0, 0);
	gp_fd_set_kernel_nb(fd, 0);
	return r;
}

/* Kernels without RWF_NOWAIT on pipes, and the other kinds: ask poll first, then make the plain
 * call. Nothing else on this hub runs in between; a write is cut to PIPE_BUF, which POLLOUT
 * guarantees room for. */
static long pipe_polled(int fd, struct gp_fd *f, int write, struct msghdr *m)
{
	struct pollfd p = { .fd = fd, .events = write ? POLLOUT : POLLIN };
	struct timespec zero = { 0, 0 };
	long r = gp_sys_ppoll(&p, 1, &zero);
	if (r == 0 && (f->kind == GP_FD_CHR || f->kind == GP_FD_OTHER))
		return nonblock_once(fd, write, m);
	if (r <= 0)
		return r < 0 ? r : -EAGAIN;
	if (!write)
		return GP_SC(SYS_readv, fd, m->msg_iov, m->msg_iovlen, 0, 0, 0);
	struct iovec first = m->msg_iov[0];
	if (first.iov_len > PIPE_BUF)
		first.iov_len = PIPE_BUF;
	return GP_SC(SYS_writev, fd, &first, 1, 0, 0, 0);
}

static long pipe_once(int fd, struct gp_fd *f, int write, struct gp_io *a)
{
	struct msghdr *m = a->msg;
	/* Not for a character device's read: with RWF_NOWAIT /dev/zero, /dev/urandom and the like
	 * stop early whenever the scheduler wants the CPU back (IOCB_NOWAIT in read_iter_zero), a short
	 * count a blocking read never gives. poll says such devices are always ready, so the polled
	 * call costs one syscall more and reads in full. (A short write is retried: writes move all.) */
	if (gp_likely(!f->no_nowait) && (write || f->kind != GP_FD_CHR)) {
		long r = write ? gp_sys_pwritev2(fd, m->msg_iov, (int)m->msg_iovlen, RWF_NOWAIT)
			       : gp_sys_preadv2(fd, m->msg_iov, (int)m->msg_iovlen, RWF_NOWAIT);
		if (r != -EOPNOTSUPP)
			return r;
		f->no_nowait = 1;
	}
	return pipe_polled(fd, f, write, m);
}

/* Consume n bytes from the front of an iovec array (the caller's copy). */
static void iov_advance(struct msghdr *m, size_t n)
{
	while (m->msg_iovlen && n >= m->msg_iov->iov_len) {
		n -= m->msg_iov->iov_len;
		m->msg_iov++;
		m->msg_iovlen--;
	}
	if (m->msg_iovlen && n) {
		m->msg_iov->iov_base = (char *)m->msg_iov->iov_base + n;
		m->msg_iov->iov_len -= n;
	}
}

static size_t io_left(enum gp_io_op op, struct gp_io *a)
{
	if (op == GP_IO_RECV || op == GP_IO_SEND)
		return a->len;
	size_t n = 0;
	for (size_t i = 0; i < a->msg->msg_iovlen; i++)
		n += a->msg->msg_iov[i].iov_len;
	return n;
}

static void io_advance(enum gp_io_op op, struct gp_io *a, size_t n)
{
	if (op == GP_IO_RECV || op == GP_IO_SEND) {
		a->buf = (char *)a->buf + n;
		a->len -= n;
	} else {
		iov_advance(a->msg, n);
		a->msg->msg_control = NULL; /* ancillary data goes with the first part only */
		a->msg->msg_controllen = 0;
	}
}

/* A blocking stream send, or a receive with MSG_WAITALL, completes in full. */
static int wants_all(struct gp_fd *f, enum gp_io_op op, int flags)
{
	if (!f->stream)
		return 0;
	if (op == GP_IO_SEND || op == GP_IO_SENDMSG || op == GP_IO_WRITEV)
		return 1;
	return (op == GP_IO_RECV || op == GP_IO_RECVMSG) && (flags & MSG_WAITALL) && !(flags & MSG_PEEK);
}

/* TCP read hint. A TCP receive that returns less than asked has emptied the receive queue
 * (tcp_recvmsg stops early only at an urgent mark, and urgent data disables the hint); any byte that
 * arrives later raises a fresh EPOLLIN edge in the hub's set, which clears the hint. So the next
 * plain read of a drained, watched socket parks at once instead of paying a syscall for EAGAIN: a
 * request/response server does one recv per request, as an epoll loop does. Once the peer's FIN
 * has been seen (its edge may come before the read that returns the last data) no edge will
 * follow, so the hint is off for good. */
static int skip_try(struct gp_fd *f, enum gp_io_op op, const struct gp_io *a)
{
	return f->rd_empty && op == GP_IO_RECV && !a->flags && gp_fd_watched(f);
}

static void note_read(struct gp_fd *f, enum gp_io_op op, const struct gp_io *a, long r)
{
	if (f->tcp && op == GP_IO_RECV && !a->flags && !f->urgent && !f->rdhup && (size_t)r < a->len)
		f->rd_empty = 1;
}

/* A blocking stream call that has moved bytes and then meets an error returns the bytes; the
 * kernel keeps the error (sk_err) for the socket's next call. Here the error went to the retry
 * that met it, which consumed it: it is held in the entry instead and given to the next call, as
 * natively (a blocked writer whose peer resets gets its count, then ECONNRESET: not EPIPE and
 * SIGPIPE). Only the errors the kernel holds that way; EPIPE, EINTR and the like are not kept. */
static int held_error(long r)
{
	switch (-r) {
	case ECONNRESET: case ETIMEDOUT: case ECONNREFUSED: case ECONNABORTED: case EHOSTUNREACH:
	case ENETUNREACH: case ENETDOWN: case EHOSTDOWN: case EPROTO: case ENONET:
		return 1;
	}
	return 0;
}

/* A tty in non-canonical mode with VMIN 0 and VTIME > 0 waits at most VTIME tenths of a second
 * for a byte, then reads nothing: that wait in ns, or 0 (no limit: canonical, VMIN > 0, no tty). */
static uint64_t tty_vtime(int fd)
{
	struct termios t;
	int e = errno, r = tcgetattr(fd, &t);
	errno = e; /* not a tty: nothing to say */
	if (r < 0 || (t.c_lflag & ICANON) || t.c_cc[VMIN])
		return 0;
	return (uint64_t)t.c_cc[VTIME] * 100000000ull;
}

/* A pty whose master closed is hung up: its reads say 0 from then on (the reader that was
 * blocked when it happened got EIO), and its ioctls EIO. */
static int tty_hung_up(int fd)
{
	struct termios t;
	int e = errno, hung = tcgetattr(fd, &t) < 0 && errno == EIO;
	errno = e;
	return hung;
}

/* Every blocking socket or pipe call is a cancellation point, even when it would not wait. */
static long io_loop(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a, int all)
{
	if (gp_cancel_due())
		return -ECANCELED;
	if (gp_unlikely(f->sock_err)) {
		int e = f->sock_err;
		f->sock_err = 0;
		return -e;
	}
	int dir = io_dir(op);
	uint64_t deadline = 0; /* computed at the first wait */
	long done = 0;
	for (int skip = skip_try(f, op, a);; skip = 0) {
		long r = skip ? -EAGAIN : io_once(fd, f, op, a);
		if (r >= 0)
			note_read(f, op, a, r);
		if (r != -EAGAIN) /* data, or a state (EOF, an error) the next waiter must see too */
			gp_fd_pass(f, dir);
		if (r > 0 && all) {
			done += r;
			if ((size_t)r >= io_left(op, a))
				return done;
			io_advance(op, a, (size_t)r);
			continue;
		}
		if (r == 0 && deadline && f->kind == GP_FD_CHR && dir == GP_RD && tty_hung_up(fd))
			return done ? done : -EIO; /* as a read blocked when the other side closed gets */
		if (r != -EAGAIN) {
			if (done && f->kind == GP_FD_SOCK && held_error(r))
				f->sock_err = (uint8_t)-r;
			return done ? done : r;
		}
		if (!deadline) {
			uint64_t t = dir == GP_RD ? f->rcvtimeo : f->sndtimeo;
			if (f->kind == GP_FD_CHR && dir == GP_RD)
				t = tty_vtime(fd);
			deadline = t ? gp_deadline_in(t) : GP_NEVER;
		}
		/* signal(7): a socket call with a timeout is never restarted after a handler */
		int w = gp_fd_wait(fd, f, dir, deadline, deadline == GP_NEVER ? GP_INTR_RESTART : GP_INTR_ALWAYS);
		if (w == -ETIMEDOUT) /* SO_RCVTIMEO says EAGAIN; a tty's VTIME, a read of nothing */
			return done ? done : f->kind == GP_FD_CHR ? 0 : -EAGAIN;
		if (w < 0)
			return done ? done : w;
	}
}

/* MSG_PEEK|MSG_WAITALL takes nothing: a retry peeks from the start again, never on from where
 * the last one ended (that would show the same bytes twice). On TCP the kernel waits until the
 * whole count is queued, or EOF, an error, SO_RCVTIMEO or any handler, and then returns what is
 * there; a unix socket's peek returns what is there at once (the first io_loop). */
static long peek_all(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a)
{
	size_t want = io_left(op, a);
	uint64_t deadline = f->rcvtimeo ? gp_deadline_in(f->rcvtimeo) : GP_NEVER;
	for (;;) {
		long r = io_loop(fd, f, op, a, 0); /* waits while nothing at all is queued */
		if (r <= 0 || !f->tcp || (size_t)r >= want || f->rdhup)
			return r;
		int w = gp_fd_wait(fd, f, GP_RD, deadline, GP_INTR_ALWAYS);
		if (w == -ECANCELED || w == -EBADF)
			return w;
		if (w < 0)
			return r; /* the timeout or a handler: what was there, as natively */
	}
}

static long io_all(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a);

long gp_io(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a)
{
	if (gp_likely(!f->sigfd) || op != GP_IO_READV)
		return io_all(fd, f, op, a);
	gp_signalfd_claim(fd);
	long r = io_all(fd, f, op, a);
	gp_signalfd_done();
	return r;
}

static long io_all(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a)
{
	if (gp_unlikely((a->flags & (MSG_PEEK | MSG_WAITALL)) == (MSG_PEEK | MSG_WAITALL)) && f->stream &&
	    (op == GP_IO_RECV || op == GP_IO_RECVMSG))
		return peek_all(fd, f, op, a);
	if (!wants_all(f, op, a->flags))
		return io_loop(fd, f, op, a, 0);
	if (op == GP_IO_RECV || op == GP_IO_SEND)
		return io_loop(fd, f, op, a, 1);
	/* message ops advance through a private copy of the iovec array */
	struct msghdr m = *a->msg;
	if (m.msg_iovlen > IOV_MAX)
		return io_loop(fd, f, op, a, 0); /* the kernel reports EMSGSIZE */
	struct iovec iov[m.msg_iovlen ? m.msg_iovlen : 1];
	memcpy(iov, m.msg_iov, m.msg_iovlen * sizeof(*iov));
	m.msg_iov = iov;
	struct gp_io b = *a;
	b.msg = &m;
	long r = io_loop(fd, f, op, &b, 1);
	a->msg->msg_flags = m.msg_flags;
	return r;
}

/* Accept and connect need O_NONBLOCK on the open file. A listening socket this process created
 * has it for good (listen), but a child that shares the open file clears it when it execs (see
 * gp_fd_exec_prepare): accept checks it first (F_GETFL, one more syscall per accept) and sets it
 * again. On any other socket accept sets it around the one syscall, never across a wait, because
 * the open file may be shared with the process that handed it over. */
static long accept_once(int fd, struct gp_fd *f, struct gp_io *a)
{
	long r = gp_fd_set_kernel_nb(fd, 1);
	if (r < 0)
		return r;
	if (f->kern_nb)
		return gp_sys_accept4(fd, a->addr, a->addrlen, a->flags);
	r = gp_sys_accept4(fd, a->addr, a->addrlen, a->flags);
	gp_fd_set_kernel_nb(fd, 0);
	return r;
}

/* connect keeps O_NONBLOCK across its wait: a blocking connect() on a connecting socket would
 * block the hub in the kernel. Only sockets of this process are concerned in practice. */
static int nb_begin(int fd, struct gp_fd *f)
{
	if (f->kern_nb)
		return 0;
	int r = gp_fd_set_kernel_nb(fd, 1);
	return r < 0 ? r : 1;
}

static void nb_end(int fd, int began)
{
	if (began > 0)
		gp_fd_set_kernel_nb(fd, 0);
}

long gp_io_accept(int fd, struct gp_fd *f, struct gp_io *a)
{
	return io_loop(fd, f, GP_IO_ACCEPT, a, 0);
}

/* A blocking connect: start it non-blocking, wait for writability, then ask the kernel for its
 * verdict with the same connect once more: 0 once connected, -EALREADY while still connecting
 * (a spurious wake-up: wait again), or the error, which also takes the socket back to
 * unconnected, as the kernel's own blocking connect leaves it (reading SO_ERROR instead leaves it
 * "connecting": the program's next connect would say ECONNABORTED, not try again). A call on a
 * socket already connecting (EALREADY) waits the same way, as natively. A unix socket whose peer's
 * backlog is full says EAGAIN instead of blocking: retry after a short sleep. On SO_SNDTIMEO expiry
 * the connect goes on in the background and the call says what the first attempt said
 * (EINPROGRESS, or EALREADY), as the kernel's own blocking connect does. */
long gp_io_connect(int fd, struct gp_fd *f, const struct sockaddr *addr, socklen_t len)
{
	if (gp_cancel_due())
		return -ECANCELED;
	int nb = nb_begin(fd, f);
	if (nb < 0)
		return nb;
	uint64_t deadline = f->sndtimeo ? gp_deadline_in(f->sndtimeo) : GP_NEVER;
	long r;
	int intr = deadline == GP_NEVER ? GP_INTR_RESTART : GP_INTR_ALWAYS;
	while ((r = gp_sys_connect(fd, addr, len)) == -EAGAIN) {
		if (gp_now() >= deadline)
			break;
		int s = gp_sleep_as(gp_deadline_in(1000000), intr);
		if (s < 0) {
			r = s;
			break;
		}
	}
	long first = r;
	while (r == -EINPROGRESS || r == -EALREADY) {
		int w = gp_fd_wait(fd, f, GP_WR, deadline, intr);
		if (w < 0) {
			r = w == -ETIMEDOUT ? first : w;
			break;
		}
		r = gp_sys_connect(fd, addr, len);
	}
	nb_end(fd, nb);
	return r;
}
