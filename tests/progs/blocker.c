/* A thread that keeps its OS thread busy for MS milliseconds while a heartbeat thread wants to
 * tick every 10 ms: by spinning in spin_for_a_while (spin), in a real nanosleep of MS (sleep: with
 * GREENPATCH_TIME=0 a sleep blocks the OS thread), or in a real read of a pipe that a helper
 * process fills after MS (read: with GREENPATCH_OS=0). Prints what the call got and the longest
 * heartbeat gap; natively nothing blocks anyone. The heartbeat (common.h) waits in poll, which
 * stays green when the time or os module is off. "own63": the program handles signal 63 (SIGRTMAX-1) itself
 * and says how often its handler ran. usage: blocker spin|sleep|read MS [own63] */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static long ms;
static int pipefd[2];
static volatile int own63_ran;

static void on63(int sig)
{
	own63_ran++;
}

__attribute__((noinline)) static unsigned long spin_for_a_while(double until)
{
	volatile unsigned long n = 0;
	while (now_ms() < until)
		n++;
	return n;
}

__attribute__((noinline)) static long sleep_for_a_while(void)
{
	double t0 = now_ms();
	usleep((useconds_t)ms * 1000);
	return (long)(now_ms() - t0);
}

__attribute__((noinline)) static long wait_for_the_pipe(void)
{
	char c = 0;
	long n = read(pipefd[0], &c, 1);
	return n == 1 ? c : -1;
}

static void *busy(void *arg)
{
	const char *how = arg;
	if (!strcmp(how, "spin"))
		printf("spun %s\n", spin_for_a_while(now_ms() + ms) ? "ok" : "never");
	else if (!strcmp(how, "sleep"))
		printf("slept at least %ld ms: %d\n", ms, sleep_for_a_while() >= ms);
	else
		printf("read '%c'\n", (int)wait_for_the_pipe());
	return NULL;
}

int main(int argc, char **argv)
{
	CHECK(argc == 3 || argc == 4);
	ms = atol(argv[2]);
	if (argc == 4 && !strcmp(argv[3], "own63"))
		CHECK(signal(SIGRTMAX - 1, on63) != SIG_ERR);
	CHECK(pipe(pipefd) == 0);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) { /* the writer, late */
		usleep((useconds_t)ms * 1000);
		CHECK(write(pipefd[1], "x", 1) == 1);
		_exit(0);
	}
	hb_poll = 1; /* green even with GREENPATCH_TIME=0 */
	hb_begin();
	hb_mark();
	pthread_t b;
	CHECK(pthread_create(&b, NULL, busy, argv[1]) == 0);
	pthread_setname_np(b, "busy");
	CHECK(pthread_join(b, NULL) == 0);
	double gap = hb_gap();
	hb_end();
	CHECK(waitpid(child, NULL, 0) == child);
	printf("finished, longest heartbeat gap %s %ld ms\n", gap >= ms * 0.8 ? ">=" : "<", (long)(ms * 0.8));
	if (argc == 4)
		printf("own handler of signal 63 ran %d times\n", own63_ran);
	return 0;
}
