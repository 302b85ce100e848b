/* Starting children while other threads run: vfork + exec, posix_spawn and posix_spawnp, each
 * waited for with waitpid, and fork from a thread that is not main, whose child (with that one
 * thread) starts a thread of its own, sleeps and exits with a status the parent checks. The
 * heartbeat never pauses 50 ms; green, the child has one OS thread while its thread sleeps.
 * usage: proc_spawn vfork|spawn|forkthread */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static void hb_report(void)
{
	printf("heartbeat paused under 50 ms: %s\n", hb_gap() < 50 ? "yes" : "no");
	hb_end();
}

static void reap(const char *what, pid_t pid)
{
	int st;
	pid_t r = waitpid(pid, &st, 0);
	printf("%s -> same pid %d, exited %d\n", what, r == pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void vfork_part(void)
{
	hb_begin();
	hb_mark();
	pid_t pid = vfork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 0.3; exit 4", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	reap("vfork, execl, waitpid", pid);
	hb_report();
}

extern char **environ;

static void spawn_part(void)
{
	hb_begin();
	hb_mark();
	pid_t pid;
	char *argv[] = { "sh", "-c", "sleep 0.3; exit 6", NULL };
	CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) == 0);
	reap("posix_spawn, waitpid", pid);
	char *argv2[] = { "sh", "-c", "exit 7", NULL };
	CHECK(posix_spawnp(&pid, "sh", NULL, NULL, argv2, environ) == 0);
	reap("posix_spawnp, waitpid", pid);
	char *argv3[] = { "nothing-by-this-name", NULL };
	printf("posix_spawnp of a missing program -> %s\n",
	       errname(posix_spawnp(&pid, "nothing-by-this-name", NULL, NULL, argv3, environ)));
	hb_report();
}

static volatile int child_flag;

static void *child_thread(void *arg)
{
	usleep(50000);
	child_flag = 1;
	return arg;
}

/* In the child: the forking thread is its only thread, and the thread library works. */
static void child_of_thread(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, child_thread, NULL) == 0);
	printf("child: OS threads while its thread sleeps %ld\n", os_threads());
	CHECK(pthread_join(t, NULL) == 0);
	usleep(100000);
	printf("child: its own thread ran %d, slept, threads now %ld\n", child_flag, os_threads());
	exit(42);
}

static void *forker(void *arg)
{
	hb_mark();
	pid_t pid = fork();
	if (pid == 0)
		child_of_thread();
	CHECK(pid > 0);
	reap("fork from a thread, waitpid", pid);
	return arg;
}

static void forkthread(void)
{
	hb_begin();
	pthread_t t;
	CHECK(pthread_create(&t, NULL, forker, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	hb_report();
}

int main(int argc, char **argv)
{
	static const struct part parts[] = {
		{ "vfork", vfork_part }, { "spawn", spawn_part }, { "forkthread", forkthread },
	};
	return run_part(argc, argv, parts, sizeof(parts) / sizeof(parts[0]));
}
