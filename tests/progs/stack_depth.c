/* A thread recurses KIB kibibytes deep (1 KiB frames) and says so: whether that fits shows the
 * stack size of new threads (natively 8 MiB; under greenpatch GREENPATCH_STACK_SIZE). Options:
 * "attr=N" creates the thread with pthread_attr_setstacksize(N KiB); "handler" installs a SIGSEGV
 * handler of the program's own, on an alternate stack it sets itself, which says it ran and exits
 * with status 3. usage: stack_depth KIB [attr=N] [handler] */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "common.h"

static long depth(long kib)
{
	volatile char frame[1000];
	frame[0] = (char)kib;
	if (kib <= 1)
		return frame[0];
	return depth(kib - 1) + frame[0] - (char)kib + 1; /* not a tail call */
}

static void *run(void *arg)
{
	return (void *)depth((long)arg);
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "the program's own SIGSEGV handler ran\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

static void own_handler(void)
{
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2);
	long kib = atol(argv[1]);
	pthread_attr_t a;
	pthread_attr_init(&a);
	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "attr=", 5))
			CHECK(pthread_attr_setstacksize(&a, (size_t)atol(argv[i] + 5) * 1024) == 0);
		else if (!strcmp(argv[i], "handler"))
			own_handler();
	}
	pthread_t t;
	void *r;
	CHECK(pthread_create(&t, &a, run, (void *)kib) == 0);
	CHECK(pthread_join(t, &r) == 0);
	printf("recursed %ld KiB deep: %s\n", kib, (long)r == kib ? "ok" : "wrong");
	return 0;
}
