/* The os module: read, write, readv, writev (shared with the socket module: sockets; here also
 * pipes and FIFOs), and waiting for child processes (starting them: proc.c). Sockets go through recv/send-style calls with MSG_DONTWAIT, pipes through
 * preadv2/pwritev2 with RWF_NOWAIT: in both cases the open file's O_NONBLOCK is never touched, so a
 * pipe shared with a shell or a child stays as it was. */
#include "shim.h"
#include <limits.h>
#include <sys/wait.h>

static ssize_t rw(int fd, struct gp_fd *f, int write, struct iovec *iov, int cnt)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
	enum gp_io_op op = f->kind == GP_FD_SOCK ? (write ? GP_IO_SENDMSG : GP_IO_RECVMSG)
						 : (write ? GP_IO_WRITEV : GP_IO_READV);
	return gp_ret(gp_io(fd, f, op, &(struct gp_io){ .msg = &m }));
}

/* read() of nothing returns 0 at once (the kernel checks before any wait): no green path. A
 * socket read takes recv's path, the one with the TCP read hint. */
SHIM ssize_t read(int fd, void *buf, size_t n)
{
	struct gp_fd *f = n ? gp_green_fd(fd) : NULL;
	if (!f)
		return REAL(read)(fd, buf, n);
	if (f->kind == GP_FD_SOCK)
		return gp_ret(gp_io(fd, f, GP_IO_RECV, &(struct gp_io){ .buf = buf, .len = n }));
	struct iovec v = { buf, n };
	return rw(fd, f, 0, &v, 1);
}

SHIM ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return read(fd, buf, n);
}

SHIM ssize_t write(int fd, const void *buf, size_t n)
{
	struct gp_fd *f = gp_green_fd(fd);
	if (!f)
		return REAL(write)(fd, buf, n);
	if (f->kind == GP_FD_SOCK)
		return gp_ret(gp_io(fd, f, GP_IO_SEND, &(struct gp_io){ .buf = (void *)buf, .len = n }));
	struct iovec v = { (void *)buf, n };
	return rw(fd, f, 1, &v, 1);
}

static int iov_empty(const struct iovec *iov, int cnt)
{
	for (int i = 0; i < cnt; i++)
		if (iov[i].iov_len)
			return 0;
	return 1;
}

/* A bad count goes to the real call for its native EINVAL (sendmsg would say EMSGSIZE). */
static int bad_count(int cnt)
{
	return cnt <= 0 || cnt > IOV_MAX;
}

SHIM ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct gp_fd *f = bad_count(cnt) || iov_empty(iov, cnt) ? NULL : gp_green_fd(fd);
	return f ? rw(fd, f, 0, (struct iovec *)iov, cnt) : REAL(readv)(fd, iov, cnt);
}

SHIM ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct gp_fd *f = bad_count(cnt) ? NULL : gp_green_fd(fd);
	return f ? rw(fd, f, 1, (struct iovec *)iov, cnt) : REAL(writev)(fd, iov, cnt);
}

/* ---- child processes ----
 * A blocking wait asks with WNOHANG first; if nothing has changed yet, the green thread parks on a
 * pidfd of that child (its exit makes it readable), or, for "any child", a process group or stop
 * and continue events (which a pidfd does not report), sleeps with a growing interval (1 to 20
 * ms) between polls. SIGCHLD is never taken: the program's own handling of it stays as it is.
 * The whole wait family is a cancellation point, WNOHANG included, as natively. */

/* Park until the child may have changed state: 0, or -ECANCELED. */
static int child_wait(pid_t pid, int options, int *delay_ms)
{
	if (gp_cancel_due())
		return -ECANCELED;
	if (pid > 0 && !(options & (WUNTRACED | WCONTINUED)) && *delay_ms == 0) {
		int r = gp_wait_pid(pid);
		if (r == -ECANCELED)
			return r;
		if (r == 0 || r == -EBADF)
			return 0;
	}
	*delay_ms = *delay_ms ? (*delay_ms * 2 > 20 ? 20 : *delay_ms * 2) : 1;
	int r = gp_sleep_until(gp_deadline_in((uint64_t)*delay_ms * 1000000));
	return r == -ECANCELED ? r : 0;
}

long gp_os_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (gp_cancel_due())
		return -ECANCELED;
	for (int delay = 0;;) {
		pid_t r = REAL(wait4)(pid, status, options | WNOHANG, ru);
		if (r < 0)
			return -errno;
		if (r > 0 || (options & WNOHANG))
			return r;
		int w = child_wait(pid, options, &delay);
		if (w < 0)
			return w;
	}
}

SHIM pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (!gp_on(GP_M_OS))
		return REAL(wait4)(pid, status, options, ru);
	return (pid_t)gp_ret(gp_os_wait4(pid, status, options, ru));
}

SHIM pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

SHIM pid_t wait(int *status)
{
	return wait4(-1, status, 0, NULL);
}

SHIM pid_t wait3(int *status, int options, struct rusage *ru)
{
	return wait4(-1, status, options, ru);
}

SHIM int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	if (!gp_on(GP_M_OS))
		return REAL(waitid)(type, id, info, options);
	gp_testcancel();
	if (options & WNOHANG)
		return REAL(waitid)(type, id, info, options);
	pid_t pid = type == P_PID ? (pid_t)id : -1;
	int delay = 0, r;
	for (;;) {
		info->si_pid = 0;
		r = REAL(waitid)(type, id, info, options | WNOHANG);
		if (r != 0 || info->si_pid != 0)
			return r;
		if ((r = child_wait(pid, options & ~WEXITED, &delay)) < 0)
			return (int)gp_ret(r);
	}
}
