/* A listening socket made by this program passes through every exec function and posix_spawn as
 * the program made it: the exec'd program (exec_flags) finds it blocking. After each child's
 * exec this program accepts again, a client thread connecting 50 ms later: the accept waits
 * without stopping that thread. A failed exec leaves everything as it was.
 * usage: proc_exec (exec_flags must sit beside it) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

extern char **environ;
static char prog[PATH_MAX], fdarg[16];
static int ls;
static struct sockaddr_in addr;

static void *late_client(void *arg)
{
	usleep(50000);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	close(fd);
	return arg;
}

static void accept_one(const char *after)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, late_client, NULL) == 0);
	int c = accept(ls, NULL, NULL);
	printf("after %s: accepted %d, O_NONBLOCK view %d\n", after, c >= 0,
	       (fcntl(ls, F_GETFL) & O_NONBLOCK) != 0);
	close(c);
	pthread_join(t, NULL);
}

/* In the child: exec exec_flags the way `how` names. */
static void exec_as(const char *how)
{
	char *argv[] = { "exec_flags", fdarg, (char *)how, NULL };
	if (strncmp(how, "vfork", 5)) /* a vfork child must not touch the parent's memory */
		setenv("EXEC_MARK", how, 1);
	if (!strcmp(how, "execl"))
		execl(prog, "exec_flags", fdarg, how, (char *)NULL);
	else if (!strcmp(how, "execle"))
		execle(prog, "exec_flags", fdarg, how, (char *)NULL, environ);
	else if (!strcmp(how, "execlp"))
		execlp("exec_flags", "exec_flags", fdarg, how, (char *)NULL);
	else if (!strcmp(how, "execv") || !strcmp(how, "vfork+execv"))
		execv(prog, argv);
	else if (!strcmp(how, "execvp"))
		execvp("exec_flags", argv);
	else if (!strcmp(how, "execvpe"))
		execvpe("exec_flags", argv, environ);
	else if (!strcmp(how, "execve"))
		execve(prog, argv, environ);
	else if (!strcmp(how, "fexecve"))
		fexecve(open(prog, O_RDONLY), argv, environ);
	else if (!strcmp(how, "execveat"))
		execveat(AT_FDCWD, prog, argv, environ, 0);
	_exit(127);
}

static void finish(const char *how, pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		printf("%s: child status %#x\n", how, st);
	accept_one(how);
}

static void by_exec(const char *how)
{
	fflush(stdout);
	pid_t pid = strncmp(how, "vfork", 5) ? fork() : vfork();
	CHECK(pid >= 0);
	if (pid == 0)
		exec_as(how);
	finish(how, pid);
}

static void by_spawn(const char *how)
{
	char *argv[] = { "exec_flags", fdarg, (char *)how, NULL };
	pid_t pid;
	fflush(stdout);
	int err = strcmp(how, "posix_spawnp") ? posix_spawn(&pid, prog, NULL, NULL, argv, environ)
					      : posix_spawnp(&pid, "exec_flags", NULL, NULL, argv, environ);
	CHECK(err == 0);
	finish(how, pid);
}

/* The kernel's flag on the open file, which F_GETFL may not show (from /proc, octal). */
static int kernel_nonblock(int fd)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "r");
	int nb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags:", 6))
			nb = (strtol(line + 6, NULL, 8) & O_NONBLOCK) != 0;
	if (f)
		fclose(f);
	return nb;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(25); /* an accept that blocks the whole process ends it instead of the test's timeout */
	CHECK(realpath(argv[0], prog));
	char dir[PATH_MAX + 8], path[2 * PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", prog);
	snprintf(path, sizeof(path), "%s:%s", dirname(dir), getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	strcpy(strrchr(prog, '/') + 1, "exec_flags"); /* shorter than PATH_MAX, as the name it replaces */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0);
	addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	CHECK(bind(ls, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(ls, 16) == 0);
	CHECK(getsockname(ls, (struct sockaddr *)&addr, &len) == 0);
	snprintf(fdarg, sizeof(fdarg), "%d", ls);
	const char *execs[] = { "execl", "execle", "execlp", "execv", "execvp", "execvpe",
				"execve", "fexecve", "execveat", "vfork+execv" };
	for (unsigned i = 0; i < sizeof(execs) / sizeof(execs[0]); i++)
		by_exec(execs[i]);
	by_spawn("posix_spawn");
	by_spawn("posix_spawnp");
	errno = 0;
	int r = execl("/nonexistent/program", "program", (char *)NULL);
	printf("failed execl -> %d %s, O_NONBLOCK view %d\n", r, errname(errno),
	       (fcntl(ls, F_GETFL) & O_NONBLOCK) != 0);
	printf("kernel O_NONBLOCK after the failed exec %d\n", kernel_nonblock(ls));
	accept_one("the failed exec");
	return 0;
}
