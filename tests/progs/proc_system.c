/* system() while other threads run: the heartbeat never pauses 50 ms while a command runs; the
 * statuses (exit codes, a signal, the shell missing or not spawnable, system(NULL)), the signal
 * dispositions and masks in the caller and in the shell, concurrent calls, and cancellation
 * (the shell is killed and reaped) are as natively. usage: proc_system status|signals|concurrent|cancel */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static void status(void)
{
	hb_begin();
	hb_mark();
	double t0 = now_ms();
	int st = system("sleep 0.3");
	double took = now_ms() - t0, gap = hb_gap();
	print_status("sleep 0.3", st);
	printf("took at least 300 ms: %s; heartbeat paused under 50 ms meanwhile: %s\n",
	       took >= 295 ? "yes" : "no", gap < 50 ? "yes" : "no");
	print_status("exit 3", system("exit 3"));
	print_status("kill -TERM $$", system("kill -TERM $$"));
	print_status("a command that is not there", system("/nonexistent/command 2>/dev/null"));
	printf("system(NULL) -> %d\n", system(NULL));
	/* An environment string beyond MAX_ARG_STRLEN: the shell cannot be spawned (E2BIG). */
	static char big[200000];
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "BIG=", 4);
	CHECK(putenv(big) == 0);
	errno = 0;
	int r = system("exit 0");
	printf("no shell spawned -> %d (exit %d), errno %s\n", r, WEXITSTATUS(r), errname(errno));
	printf("system(NULL) without a shell -> %d\n", system(NULL));
	CHECK(unsetenv("BIG") == 0);
	hb_end();
}

static void on_int(int sig)
{
	(void)sig;
}

static int ignored(int sig)
{
	struct sigaction sa;
	CHECK(sigaction(sig, NULL, &sa) == 0);
	return sa.sa_handler == SIG_IGN;
}

static void *observer(void *arg)
{
	usleep(150000); /* in the middle of the caller's system("sleep 0.3") */
	printf("during: SIGINT ignored %d, SIGQUIT ignored %d\n", ignored(SIGINT), ignored(SIGQUIT));
	return arg;
}

/* The caller has a SIGINT handler, SIGQUIT ignored and SIGUSR1 blocked: the shell gets SIGINT back
 * as default and SIGQUIT still ignored (its mask it clears itself); the caller gets it all back. */
static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_int };
	CHECK(sigaction(SIGINT, &sa, NULL) == 0);
	CHECK(signal(SIGQUIT, SIG_IGN) != SIG_ERR);
	sigset_t usr1, cur;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
	hb_begin();
	pthread_t o;
	CHECK(pthread_create(&o, NULL, observer, NULL) == 0);
	print_status("sleep 0.3", system("sleep 0.3"));
	pthread_join(o, NULL);
	print_status("shell's ignored signals", system("grep '^SigIgn' /proc/$$/status"));
	CHECK(sigaction(SIGINT, NULL, &sa) == 0);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
	printf("after: SIGINT handler back %d, SIGQUIT ignored %d, SIGUSR1 blocked %d, SIGCHLD blocked %d\n",
	       sa.sa_handler == on_int, ignored(SIGQUIT), sigismember(&cur, SIGUSR1),
	       sigismember(&cur, SIGCHLD));
	hb_end();
}

static void *long_system(void *arg)
{
	print_status("second caller: sleep 0.6", system("sleep 0.6"));
	return arg;
}

/* Two calls at once: the dispositions come back when the last one ends, each caller's mask when
 * its own does. */
static void concurrent(void)
{
	hb_begin();
	pthread_t t;
	CHECK(pthread_create(&t, NULL, long_system, NULL) == 0);
	usleep(100000);
	hb_mark();
	double t0 = now_ms();
	print_status("first caller: sleep 0.2", system("sleep 0.2"));
	sigset_t cur;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
	printf("first done, second running: SIGINT ignored %d, first caller's SIGCHLD blocked %d\n",
	       ignored(SIGINT), sigismember(&cur, SIGCHLD));
	pthread_join(t, NULL);
	printf("both done after about 0.6 s (not 0.8): %s; SIGINT ignored %d, SIGQUIT ignored %d\n",
	       now_ms() - t0 < 700 ? "yes" : "no", ignored(SIGINT), ignored(SIGQUIT));
	printf("heartbeat paused under 50 ms: %s\n", hb_gap() < 50 ? "yes" : "no");
	hb_end();
}

static int pidpipe[2];

static void *cancelled_system(void *arg)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "echo $$ >&%d; exec sleep 5", pidpipe[1]);
	system(cmd);
	printf("not cancelled\n");
	return arg;
}

/* Cancelled in system(): the thread ends, the shell is killed and reaped before it does, and the
 * dispositions are restored. */
static void cancel(void)
{
	hb_begin();
	CHECK(pipe(pidpipe) == 0);
	pthread_t t;
	double t0 = now_ms();
	CHECK(pthread_create(&t, NULL, cancelled_system, NULL) == 0);
	char buf[32] = { 0 };
	CHECK(read(pidpipe[0], buf, sizeof(buf) - 1) > 0);
	pid_t pid = atoi(buf);
	usleep(100000);
	hb_mark();
	CHECK(pthread_cancel(t) == 0);
	void *ret;
	CHECK(pthread_join(t, &ret) == 0);
	errno = 0;
	int alive = kill(pid, 0) == 0;
	printf("cancelled %d, within 2 s %d, shell gone %d (%s), SIGINT ignored %d, SIGQUIT ignored %d\n",
	       ret == PTHREAD_CANCELED, now_ms() - t0 < 2000, !alive, errname(errno), ignored(SIGINT),
	       ignored(SIGQUIT));
	printf("heartbeat paused under 50 ms: %s\n", hb_gap() < 50 ? "yes" : "no");
	hb_end();
}

int main(int argc, char **argv)
{
	static const struct part parts[] = {
		{ "status", status }, { "signals", signals }, { "concurrent", concurrent }, { "cancel", cancel },
	};
	return run_part(argc, argv, parts, sizeof(parts) / sizeof(parts[0]));
}
