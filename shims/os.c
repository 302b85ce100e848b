/* The os module: read, write, readv, writev and the positioned forms (shared with the socket
 * module: sockets), file locks, the open of a FIFO, and waiting for child processes (starting
 * them: proc.c). Sockets go
 * through recv/send-style calls with MSG_DONTWAIT; pipes, FIFOs, ttys, eventfd, timerfd, signalfd
 * and inotify descriptors through preadv2/pwritev2 with RWF_NOWAIT (or a poll before the call
 * where the kernel refuses it): in every case the open file's O_NONBLOCK is never touched, so a
 * descriptor shared with a shell or a child stays as it was. Regular files and block devices go
 * to runtime/disk.c (the page cache, else the tpool). */
#include "shim.h"
#include "sys.h"
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

static ssize_t rw(int fd, struct gp_fd *f, int write, struct iovec *iov, int cnt, off_t off)
{
	if (f->kind == GP_FD_REG) /* alone on its hub, the plain blocking call (-1: the position) */
		return gp_ret(gp_alone() ? GP_SC(write ? SYS_pwritev2 : SYS_preadv2, fd, iov, cnt, off, 0, 0)
					 : gp_disk_rw(fd, f, write, iov, cnt, off));
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
	enum gp_io_op op = f->kind == GP_FD_SOCK ? (write ? GP_IO_SENDMSG : GP_IO_RECVMSG)
						 : (write ? GP_IO_WRITEV : GP_IO_READV);
	return gp_ret(gp_io(fd, f, op, &(struct gp_io){ .msg = &m }));
}

/* A count above what the kernel moves in one call (MAX_RW_COUNT, a page short of 2 GiB) goes to
 * the real call as it is: the kernel checks the whole range first (SIZE_MAX: EFAULT), then clamps;
 * a vector of that length would say EINVAL instead. */
#define MAX_RW_COUNT ((size_t)0x7ffff000)

/* read() of nothing returns 0 at once (the kernel checks before any wait): no green path. A
 * socket read takes recv's path, the one with the TCP read hint. */
SHIM ssize_t read(int fd, void *buf, size_t n)
{
	struct gp_fd *f = n && n <= MAX_RW_COUNT ? gp_green_fd(fd) : NULL;
	if (!f)
		return REAL(read)(fd, buf, n);
	if (f->kind == GP_FD_SOCK)
		return gp_ret(gp_io(fd, f, GP_IO_RECV, &(struct gp_io){ .buf = buf, .len = n }));
	struct iovec v = { buf, n };
	return rw(fd, f, 0, &v, 1, -1);
}

SHIM ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return read(fd, buf, n);
}

SHIM ssize_t write(int fd, const void *buf, size_t n)
{
	struct gp_fd *f = n <= MAX_RW_COUNT ? gp_green_fd(fd) : NULL;
	if (!f)
		return REAL(write)(fd, buf, n);
	if (f->kind == GP_FD_SOCK)
		return gp_ret(gp_io(fd, f, GP_IO_SEND, &(struct gp_io){ .buf = (void *)buf, .len = n }));
	struct iovec v = { (void *)buf, n };
	return rw(fd, f, 1, &v, 1, -1);
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
	return f ? rw(fd, f, 0, (struct iovec *)iov, cnt, -1) : REAL(readv)(fd, iov, cnt);
}

SHIM ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct gp_fd *f = bad_count(cnt) ? NULL : gp_green_fd(fd);
	return f ? rw(fd, f, 1, (struct iovec *)iov, cnt, -1) : REAL(writev)(fd, iov, cnt);
}

/* glibc's eventfd_read and eventfd_write call its own read and write, past the preload. */
SHIM int eventfd_read(int fd, eventfd_t *value)
{
	return read(fd, value, sizeof(*value)) == sizeof(*value) ? 0 : -1;
}

SHIM int eventfd_write(int fd, eventfd_t value)
{
	return write(fd, &value, sizeof(value)) == sizeof(value) ? 0 : -1;
}

/* ---- positioned I/O: only regular files and block devices have a position to give ---- */

static struct gp_fd *disk_fd(int fd, off_t off)
{
	struct gp_fd *f = off >= 0 ? gp_green_fd(fd) : NULL;
	return f && f->kind == GP_FD_REG ? f : NULL;
}

SHIM ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	struct gp_fd *f = n && n <= MAX_RW_COUNT ? disk_fd(fd, off) : NULL;
	struct iovec v = { buf, n };
	return f ? rw(fd, f, 0, &v, 1, off) : REAL(pread)(fd, buf, n, off);
}

SHIM ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct gp_fd *f = n <= MAX_RW_COUNT ? disk_fd(fd, off) : NULL;
	struct iovec v = { (void *)buf, n };
	return f ? rw(fd, f, 1, &v, 1, off) : REAL(pwrite)(fd, buf, n, off);
}

SHIM ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct gp_fd *f = bad_count(cnt) || iov_empty(iov, cnt) ? NULL : disk_fd(fd, off);
	return f ? rw(fd, f, 0, (struct iovec *)iov, cnt, off) : REAL(preadv)(fd, iov, cnt, off);
}

SHIM ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct gp_fd *f = bad_count(cnt) ? NULL : disk_fd(fd, off);
	return f ? rw(fd, f, 1, (struct iovec *)iov, cnt, off) : REAL(pwritev)(fd, iov, cnt, off);
}

/* glibc's off_t is 64 bits on x86-64: the *64 names are the same calls (old binaries use both). */
SHIM ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread(fd, buf, n, off); }
SHIM ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }
SHIM ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off) { return preadv(fd, iov, cnt, off); }
SHIM ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off) { return pwritev(fd, iov, cnt, off); }

SHIM ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return pread(fd, buf, n, off);
}

/* ---- calls that wait for the disk or for another process: on the tpool ---- */

/* The real call when the caller may block its hub (alone on it, or the module is off). */
static int may_block(void)
{
	return !gp_on(GP_M_OS) || gp_alone();
}

SHIM int fsync(int fd)
{
	gp_testcancel(); /* a cancellation point */
	return may_block() ? REAL(fsync)(fd) : (int)gp_ret(gp_tpool_syscall(SYS_fsync, fd, 0, 0, 0, 0, 0));
}

SHIM int fdatasync(int fd)
{
	gp_testcancel();
	return may_block() ? REAL(fdatasync)(fd) : (int)gp_ret(gp_tpool_syscall(SYS_fdatasync, fd, 0, 0, 0, 0, 0));
}

SHIM int sync_file_range(int fd, off_t off, off_t n, unsigned flags)
{
	if (may_block() || !(flags & SYNC_FILE_RANGE_WAIT_AFTER))
		return REAL(sync_file_range)(fd, off, n, flags);
	return (int)gp_ret(gp_tpool_syscall(SYS_sync_file_range, fd, off, n, flags, 0, 0));
}

/* Lock waits: a lock that is free costs one try; one held by another process is waited for on
 * the tpool, and the wait ends as the native one would (a handler without SA_RESTART: EINTR; a
 * cancellation at F_SETLKW). The caller then leaves at once and the worker, should it get the
 * lock after all, gives it back. flock and OFD locks belong to the open file: the worker locks
 * through a dup of the descriptor, so the program may close its own meanwhile. A POSIX lock
 * belongs to the process and a close of any descriptor of the file drops it: that one is taken
 * through the program's descriptor. */
static long flock_job(struct gp_job *j)
{
	return GP_SC(SYS_flock, j->a[0], j->a[1], 0, 0, 0, 0);
}

static void flock_finish(struct gp_job *j, int abandoned)
{
	int e = errno;
	if (abandoned && j->result == 0)
		GP_SC(SYS_flock, j->a[0], LOCK_UN, 0, 0, 0, 0);
	GP_SC(SYS_close, j->a[0], 0, 0, 0, 0, 0);
	errno = e;
}

SHIM int flock(int fd, int op)
{
	if (may_block() || (op & LOCK_NB) || (op & ~LOCK_NB) == LOCK_UN)
		return REAL(flock)(fd, op);
	int r = REAL(flock)(fd, op | LOCK_NB);
	if (r == 0 || errno != EWOULDBLOCK)
		return r;
	long dup = GP_SC(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0, 0, 0, 0);
	if (dup < 0)
		return (int)gp_ret(dup);
	struct gp_job j = { .fn = flock_job, .finish = flock_finish, .a = { dup, op }, .carry = 0 };
	return (int)gp_ret(gp_tpool_run_intr(&j, GP_INTR_RESTART));
}

/* a[0] fd, a[1] the command, a[4..7] the struct flock (the job's own copy) */
static long setlkw_job(struct gp_job *j)
{
	return GP_SC(SYS_fcntl, j->a[0], j->a[1], (long)&j->a[4], 0, 0, 0);
}

static void setlkw_finish(struct gp_job *j, int abandoned)
{
	int e = errno;
	struct flock *l = (struct flock *)&j->a[4];
	if (abandoned && j->result == 0) {
		l->l_type = F_UNLCK;
		GP_SC(SYS_fcntl, j->a[0], j->a[1] == F_SETLKW ? F_SETLK : F_OFD_SETLK, (long)l, 0, 0, 0);
	}
	if (j->a[2]) /* a dup of its own */
		GP_SC(SYS_close, j->a[0], 0, 0, 0, 0, 0);
	errno = e;
}

_Static_assert(sizeof(struct flock) <= 4 * sizeof(long), "a struct flock fits in a job's a[4..7]");

/* fcntl(F_SETLKW / F_OFD_SETLKW), called by fcntl's shim: try without waiting first. */
int gp_os_setlkw(int (*real)(int, int, ...), int fd, int cmd, struct flock *l)
{
	if (may_block())
		return real(fd, cmd, l);
	gp_testcancel();
	int r = real(fd, cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK, l);
	if (r == 0 || (errno != EAGAIN && errno != EACCES))
		return r;
	long lfd = fd;
	if (cmd == F_OFD_SETLKW && (lfd = GP_SC(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0, 0, 0, 0)) < 0)
		return (int)gp_ret(lfd);
	struct gp_job j = { .fn = setlkw_job, .finish = setlkw_finish, .a = { lfd, cmd, lfd != fd } };
	memcpy(&j.a[4], l, sizeof(*l));
	return (int)gp_ret(gp_tpool_run_intr(&j, GP_W_CANCEL | GP_INTR_RESTART));
}

/* glibc's lockf calls fcntl past the preload. */
SHIM int lockf(int fd, int cmd, off_t len)
{
	if (cmd != F_LOCK || may_block())
		return REAL(lockf)(fd, cmd, len);
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_len = len };
	return gp_os_setlkw(REAL(fcntl), fd, F_SETLKW, &l);
}
SHIM int lockf64(int fd, int cmd, off_t len) { return lockf(fd, cmd, len); }

/* Opening a FIFO waits for the other end: such an open runs on the tpool. Everything else (the
 * lookup says what it is) is the real call. */
static int fifo_open(int dirfd, const char *path, int flags)
{
	struct stat st;
	if ((flags & (O_NONBLOCK | O_PATH)) || may_block() || !path ||
	    fstatat(dirfd, path, &st, flags & O_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0) != 0 || !S_ISFIFO(st.st_mode))
		return 0;
	return 1;
}

static int open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | __O_TMPFILE) ? va_arg(ap, int) : 0;
}

static int open_green(int dirfd, const char *path, int flags, int mode)
{
	gp_testcancel(); /* open is a cancellation point */
	return (int)gp_ret(gp_tpool_syscall(SYS_openat, dirfd, (long)path, flags, mode, 0, 0));
}

#define OPEN_SHIM(name, real_call)                                              \
	SHIM int name(const char *path, int flags, ...)                        \
	{                                                                       \
		va_list ap;                                                     \
		va_start(ap, flags);                                            \
		int mode = open_mode(flags, ap);                                \
		va_end(ap);                                                     \
		if (fifo_open(AT_FDCWD, path, flags))                           \
			return open_green(AT_FDCWD, path, flags, mode);         \
		return real_call;                                               \
	}
OPEN_SHIM(open, REAL(open)(path, flags, mode))
OPEN_SHIM(open64, REAL(open64)(path, flags, mode))

#define OPENAT_SHIM(name)                                                       \
	SHIM int name(int dirfd, const char *path, int flags, ...)             \
	{                                                                       \
		va_list ap;                                                     \
		va_start(ap, flags);                                            \
		int mode = open_mode(flags, ap);                                \
		va_end(ap);                                                     \
		if (fifo_open(dirfd, path, flags))                              \
			return open_green(dirfd, path, flags, mode);            \
		return REAL(name)(dirfd, path, flags, mode);                    \
	}
OPENAT_SHIM(openat)
OPENAT_SHIM(openat64)

/* ---- child processes ----
 * A blocking wait asks with WNOHANG first; if nothing has changed yet, the green thread parks on a
 * pidfd of that child (its exit makes it readable), or, for "any child", a process group or stop
 * and continue events (which a pidfd does not report), sleeps with a growing interval (1 to 20
 * ms) between polls. SIGCHLD is never taken: the program's own handling of it stays as it is.
 * The whole wait family is a cancellation point, WNOHANG included, as natively. */

/* Park until the child may have changed state: 0 (ask again), -ECANCELED (the caller acts, or
 * first kills its child: system), or -EINTR when a handler without SA_RESTART ran for the thread. */
static int child_wait(pid_t pid, int options, int *delay_ms)
{
	if (gp_cancel_due())
		return -ECANCELED;
	int r = -ENOSYS;
	if (pid > 0 && !(options & (WUNTRACED | WCONTINUED)) && *delay_ms == 0)
		r = gp_wait_pid(pid);
	if (r < 0 && r != -ECANCELED && r != -EINTR) { /* no pidfd (ENOSYS, ESRCH, out of fds) */
		*delay_ms = *delay_ms ? (*delay_ms * 2 > 20 ? 20 : *delay_ms * 2) : 1;
		r = gp_sleep_as(gp_deadline_in((uint64_t)*delay_ms * 1000000), GP_INTR_RESTART);
	}
	return r == -ECANCELED || r == -EINTR ? r : 0;
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
