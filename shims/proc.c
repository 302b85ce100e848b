/* Processes: system and popen (the os module), vfork, the exec family and posix_spawn (whatever
 * the modules: they keep the runtime's own state out of the child).
 *
 * glibc's system() and the close of its popen streams wait for their child with an internal
 * waitpid the preload never sees, blocking every green thread of the hub; stdio on a popen pipe
 * reads and writes it with internal calls too. Both are made here as glibc 2.36 makes them
 * (posix_spawn of `/bin/sh -c`), waiting with the green waitpid (gp_os_wait4). A popen stream is
 * a fopencookie stream over the green read and write of its pipe, whose close is pclose's wait:
 * fclose and pclose are the same on it, as on glibc's.
 *
 * Every exec, and posix_spawn (its child execs with our open files), first takes the runtime's
 * hidden O_NONBLOCK off the descriptors the new program inherits (gp_fd_exec_prepare): it sees
 * the blocking mode it set. If the exec fails, the flag goes back on. */
#include "shim.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>

/* A vfork child borrows the parent's memory and stack while the parent's OS thread, and with it
 * every green thread of the hub, is suspended; a green call it made would run the parent's hub.
 * So vfork is fork (as POSIX allows), whatever the modules: a C wrapper could not return into a
 * vfork child anyway (the child's next call overwrites the frame the parent returns through). */
SHIM pid_t vfork(void)
{
	return fork();
}

/* ---- the exec family ----
 * glibc's exec functions call execve internally, past the preload: each gets its own wrapper. */

static int exec_failed(int r)
{
	gp_fd_exec_failed(); /* raw syscalls only: errno is the exec's */
	return r;
}

SHIM int execve(const char *path, char *const argv[], char *const envp[])
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(execve)(path, argv, envp));
}

SHIM int execv(const char *path, char *const argv[])
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(execv)(path, argv));
}

SHIM int execvp(const char *file, char *const argv[])
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(execvp)(file, argv));
}

SHIM int execvpe(const char *file, char *const argv[], char *const envp[])
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(execvpe)(file, argv, envp));
}

SHIM int fexecve(int fd, char *const argv[], char *const envp[])
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(fexecve)(fd, argv, envp));
}

SHIM int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	gp_fd_exec_prepare(0);
	return exec_failed(REAL(execveat)(dirfd, path, argv, envp, flags));
}

enum exec_how { EXEC_PATH, EXEC_SEARCH, EXEC_ENV };

/* execl, execlp, execle: the list becomes an array on the stack, as glibc builds it (no malloc:
 * exec is called from fork children and signal handlers); execle's envp follows the NULL. */
static int exec_list(enum exec_how how, const char *file, const char *arg, va_list ap)
{
	va_list count;
	va_copy(count, ap);
	ptrdiff_t argc = 1;
	for (; va_arg(count, char *); argc++) {
		if (argc == INT_MAX) {
			va_end(count);
			errno = E2BIG;
			return -1;
		}
	}
	va_end(count);
	char *argv[argc + 1];
	argv[0] = (char *)arg;
	for (ptrdiff_t i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	char *const *envp = how == EXEC_ENV ? va_arg(ap, char *const *) : environ;
	return how == EXEC_SEARCH ? execvpe(file, argv, envp) : execve(file, argv, envp);
}

#define EXEC_LIST_SHIM(name, how)                                  \
	SHIM int name(const char *file, const char *arg, ...)      \
	{                                                          \
		va_list ap;                                        \
		va_start(ap, arg);                                 \
		int r = exec_list(how, file, arg, ap);             \
		va_end(ap);                                        \
		return r;                                          \
	}
EXEC_LIST_SHIM(execl, EXEC_PATH)
EXEC_LIST_SHIM(execlp, EXEC_SEARCH)
EXEC_LIST_SHIM(execle, EXEC_ENV)

/* posix_spawn returns once the child has exec'd, or failed to. The file actions may dup2 a
 * close-on-exec descriptor into the child, so the flag comes off every one. It stays off after a
 * spawn, as after a fork and exec: putting it back at once would hand the new program a
 * non-blocking socket it did not ask for. */
static int spawn_done(int err)
{
	if (err)
		gp_fd_exec_failed();
	return err;
}

SHIM int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	gp_fd_exec_prepare(1);
	return spawn_done(REAL(posix_spawn)(pid, path, fa, attr, argv, envp));
}

SHIM int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	gp_fd_exec_prepare(1);
	return spawn_done(REAL(posix_spawnp)(pid, file, fa, attr, argv, envp));
}

/* `/bin/sh -c cmd`, as glibc 2.36's system and popen run it. */
static int spawn_sh(pid_t *pid, const char *cmd, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	return posix_spawn(pid, "/bin/sh", fa, attr, argv, environ);
}

/* ---- system ----
 * SIGINT and SIGQUIT are ignored in the whole process while a command runs, SIGCHLD blocked in
 * the caller; concurrent calls count themselves so that the last one restores the dispositions
 * (glibc's reference count). The lock is held for a few calls, never across a wait: native
 * threads call system too. */
static struct {
	int lock;
	int users;
	struct sigaction intr, quit;
} sys;

/* The first caller ignores the two signals; every caller learns which of them the shell gets
 * back as SIG_DFL (those that were not ignored before). */
static void sys_enter(sigset_t *reset)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigemptyset(reset);
	gp_lock(&sys.lock);
	if (sys.users++ == 0) {
		sigaction(SIGINT, &ign, &sys.intr);
		sigaction(SIGQUIT, &ign, &sys.quit);
	}
	if (sys.intr.sa_handler != SIG_IGN)
		sigaddset(reset, SIGINT);
	if (sys.quit.sa_handler != SIG_IGN)
		sigaddset(reset, SIGQUIT);
	gp_unlock(&sys.lock);
}

static void sys_leave(void)
{
	gp_lock(&sys.lock);
	if (--sys.users == 0) {
		sigaction(SIGINT, &sys.intr, NULL);
		sigaction(SIGQUIT, &sys.quit, NULL);
	}
	gp_unlock(&sys.lock);
}

/* waitpid with cancellation off (glibc's cleanup handler, and pclose, wait that way). */
static long wait_uncancelled(pid_t pid, int *status)
{
	int state;
	long r;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
	while ((r = gp_os_wait4(pid, status, 0, NULL)) == -EINTR)
		;
	pthread_setcancelstate(state, NULL);
	return r;
}

/* system's wait is its cancellation point. Cancelled there, it does what glibc's cleanup handler
 * does before the thread goes: kill the shell, reap it, leave. (The caller's signal mask stays as
 * it is: the thread is ending.) */
static int sys_wait(pid_t pid)
{
	int status;
	long r;
	while ((r = gp_os_wait4(pid, &status, 0, NULL)) == -EINTR)
		;
	if (r == -ECANCELED) {
		kill(pid, SIGKILL);
		wait_uncancelled(pid, NULL);
		sys_leave();
		gp_cancel_act();
	}
	if (r != pid) {
		errno = (int)-r;
		return -1;
	}
	return status;
}

/* glibc's do_system: the wait status; 127 as the exit status (and errno set) when the shell
 * could not be spawned; -1 and errno when the wait failed. */
static int do_system(const char *cmd)
{
	sigset_t chld, omask, reset;
	sys_enter(&reset);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &omask);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &omask);
	posix_spawnattr_setsigdefault(&attr, &reset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int err = spawn_sh(&pid, cmd, NULL, &attr);
	posix_spawnattr_destroy(&attr);
	int status = err ? W_EXITCODE(127, 0) : sys_wait(pid);
	sys_leave();
	sigprocmask(SIG_SETMASK, &omask, NULL);
	if (err)
		errno = err;
	return status;
}

/* system(NULL): is there a shell? glibc runs "exit 0" to know. */
SHIM int system(const char *cmd)
{
	if (!gp_on(GP_M_OS))
		return REAL(system)(cmd);
	return cmd ? do_system(cmd) : do_system("exit 0") == 0;
}

/* ---- popen ----
 * Open streams are listed (fd, pid) so that a new child closes the others' descriptors (POSIX).
 * The lock is held across the spawn, as glibc holds its own: a stream opened meanwhile by another
 * thread would otherwise leak into this child. */
struct pstream {
	int fd;    /* the parent's end of the pipe */
	pid_t pid; /* the shell; 0 when none was spawned */
	struct pstream *next;
};

static struct {
	int lock;
	struct pstream *head;
} streams;

static void pstream_unlink(struct pstream *s)
{
	gp_lock(&streams.lock);
	for (struct pstream **p = &streams.head; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	gp_unlock(&streams.lock);
}

static ssize_t ps_read(void *c, char *buf, size_t n)
{
	return read(((struct pstream *)c)->fd, buf, n);
}

/* As glibc's file write: the count written before an error (errno says which). */
static ssize_t ps_write(void *c, const char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = write(((struct pstream *)c)->fd, buf + done, n - done);
		if (r < 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int ps_seek(void *c, off64_t *off, int whence)
{
	off64_t r = lseek64(((struct pstream *)c)->fd, *off, whence); /* ESPIPE, as natively */
	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

/* pclose (fclose too): close the pipe, then wait for the shell with cancellation off, as glibc
 * does; if the close fails, -1 without a wait. */
static int ps_close(void *c)
{
	struct pstream *s = c;
	pstream_unlink(s);
	int st = 0;
	long r = close(s->fd) < 0 ? -errno : s->pid ? wait_uncancelled(s->pid, &st) : 0;
	free(s);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return st;
}

static const cookie_io_functions_t ps_io = { ps_read, ps_write, ps_seek, ps_close };

/* glibc's reading of the mode: any of 'r', 'w', 'e', repeated or not, with exactly one of 'r'
 * and 'w'. 1 for reading, 0 for writing, -1 for a bad mode. */
static int parse_mode(const char *mode, int *cloexec)
{
	int rd = 0, wr = 0;
	*cloexec = 0;
	for (; *mode; mode++) {
		switch (*mode) {
		case 'r': rd = 1; break;
		case 'w': wr = 1; break;
		case 'e': *cloexec = 1; break;
		default: return -1;
		}
	}
	return rd == wr ? -1 : rd;
}

/* The pipe, both ends close-on-exec (a fork elsewhere must not inherit them). p[0] is the
 * parent's end, p[1] the child's, moved if it already has the number it gets in the child
 * (a dup2 onto itself would leave it close-on-exec). */
static int open_pipe(int p[2], int rd, int child_fd)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	p[0] = fds[!rd];
	p[1] = fds[rd];
	if (p[1] == child_fd) {
		int moved = fcntl(p[1], F_DUPFD_CLOEXEC, 0);
		int e = errno;
		close(p[1]);
		p[1] = moved;
		if (moved < 0) {
			close(p[0]);
			errno = e;
			return -1;
		}
	}
	return 0;
}

/* Spawn the shell with the child's end as its stdin or stdout, closing the other streams' ends;
 * the stream joins the list in the same critical section. */
static int pspawn(struct pstream *s, const char *cmd, int child_end, int child_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	int err = posix_spawn_file_actions_adddup2(&fa, child_end, child_fd);
	gp_lock(&streams.lock);
	for (struct pstream *o = streams.head; o && !err; o = o->next)
		if (o->fd != child_fd) /* replaced by the dup2 already */
			err = posix_spawn_file_actions_addclose(&fa, o->fd);
	if (!err)
		err = spawn_sh(&s->pid, cmd, &fa, NULL);
	if (!err) {
		s->next = streams.head;
		streams.head = s;
	} else {
		s->pid = 0;
	}
	gp_unlock(&streams.lock);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

/* The stream is made before the spawn, as glibc allocates its FILE first: no child is left
 * without a stream when memory runs out. */
SHIM FILE *popen(const char *cmd, const char *mode)
{
	if (!gp_on(GP_M_OS))
		return REAL(popen)(cmd, mode);
	int cloexec, rd = parse_mode(mode, &cloexec), p[2];
	if (rd < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (open_pipe(p, rd, rd ? 1 : 0) < 0)
		return NULL;
	struct pstream *s = calloc(1, sizeof(*s));
	FILE *fp = s ? fopencookie(s, rd ? "r" : "w", ps_io) : NULL;
	if (!fp) {
		free(s);
		close(p[0]);
		close(p[1]);
		errno = ENOMEM;
		return NULL;
	}
	s->fd = p[0];
	int err = pspawn(s, cmd, p[1], rd ? 1 : 0);
	close(p[1]);
	if (err) {
		fclose(fp); /* closes p[0]; no child to wait for */
		errno = err;
		return NULL;
	}
	if (!cloexec)
		fcntl(p[0], F_SETFD, 0);
	fp->_fileno = p[0]; /* fileno() works as on glibc's popen streams; the cookie ignores it */
	return fp;
}

/* fork child: only the forking thread survives, and it held neither lock. */
void gp_proc_atfork_child(void)
{
	sys.lock = 0;
	streams.lock = 0;
}
