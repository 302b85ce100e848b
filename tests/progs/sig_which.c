/* Which thread runs the handler of a signal sent to the process (kill(getpid())), by the signal
 * masks of main and two other threads A and B waiting in sem_wait: main when it does not block it
 * (even when A sent it); else the one thread that does not block it; pending for the process when
 * all block it (seen by sigpending in every thread) until one unblocks it, which then runs it.
 * Thread-directed signals: raise() in A runs in A; a pthread_kill to B while B blocks it stays
 * B's (not pending for main) until B unblocks it. */
#include <semaphore.h>
#include "watch.h"

static pthread_t main_thread, ta, tb;
static pthread_t who;
static volatile int handled;
static sem_t done, go_b, b_ready;
static volatile int b_unblock_on_go;

static void on_usr1(int sig)
{
	who = pthread_self();
	handled++;
}

static const char *name(pthread_t t)
{
	if (!handled)
		return "nobody";
	if (pthread_equal(t, main_thread))
		return "main";
	if (pthread_equal(t, ta))
		return "A";
	if (pthread_equal(t, tb))
		return "B";
	return "another thread";
}

static void usr1(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGUSR1);
}

static void *worker(void *arg)
{
	int is_b = arg != NULL;
	if (is_b) {
		CHECK(sem_post(&b_ready) == 0);
		if (b_unblock_on_go) {
			while (sem_wait(&go_b) != 0)
				;
			sigset_t s;
			usr1(&s);
			CHECK(pthread_sigmask(SIG_UNBLOCK, &s, NULL) == 0);
		}
	}
	while (sem_wait(&done) != 0)
		;
	return NULL;
}

/* Starts A and B with SIGUSR1 blocked or not in each (main's own mask is set by the caller). */
static void start(int a_blocks, int b_blocks)
{
	sigset_t s, old;
	usr1(&s);
	CHECK(pthread_sigmask(a_blocks ? SIG_BLOCK : SIG_UNBLOCK, &s, &old) == 0);
	CHECK(pthread_create(&ta, NULL, worker, NULL) == 0);
	CHECK(pthread_sigmask(b_blocks ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL) == 0);
	CHECK(pthread_create(&tb, NULL, worker, (void *)1) == 0);
	CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
	while (sem_wait(&b_ready) != 0)
		;
	usleep(20000); /* both are in sem_wait */
	handled = 0;
}

static void stop(void)
{
	CHECK(sem_post(&done) == 0 && sem_post(&done) == 0);
	CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
}

static void act_kill(long a) { CHECK(kill(getpid(), SIGUSR1) == 0); }

/* Main, with SIGUSR1 blocked or not, waits (up to 1 s) for a handler after a kill at 100 ms. */
static void settle(void)
{
	for (int i = 0; i < 100 && !handled; i++)
		usleep(10000);
	usleep(20000);
}

static void main_mask(int blocks)
{
	sigset_t s;
	usr1(&s);
	CHECK(pthread_sigmask(blocks ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL) == 0);
}

static int pending_here(void)
{
	sigset_t p;
	CHECK(sigpending(&p) == 0);
	return sigismember(&p, SIGUSR1);
}

static void *a_kills(void *arg)
{
	CHECK(kill(getpid(), SIGUSR1) == 0);
	return arg;
}

static void *a_raises(void *arg)
{
	CHECK(raise(SIGUSR1) == 0);
	return arg;
}

int main(void)
{
	watchdog(20);
	main_thread = pthread_self();
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(sem_init(&done, 0, 0) == 0 && sem_init(&go_b, 0, 0) == 0 && sem_init(&b_ready, 0, 0) == 0);
	beat_start();
	struct later k[] = { { 100, act_kill, 0 } };
	beat_begin();

	main_mask(0);
	start(0, 0);
	later_start(k, 1);
	settle();
	later_stop();
	printf("nobody blocks SIGUSR1, kill(getpid()) from a helper: handled %d by %s\n", handled, name(who));
	stop();

	main_mask(1);
	start(1, 0);
	later_start(k, 1);
	settle();
	later_stop();
	printf("main and A block it: handled %d by %s\n", handled, name(who));
	stop();

	start(0, 1);
	later_start(k, 1);
	settle();
	later_stop();
	printf("main and B block it: handled %d by %s\n", handled, name(who));
	stop();

	b_unblock_on_go = 1;
	start(1, 1);
	later_start(k, 1);
	usleep(300000);
	later_stop();
	int pend = pending_here();
	printf("all block it: handled %d, pending as seen by main %d", handled, pend);
	CHECK(sem_post(&go_b) == 0);
	settle();
	printf(", B unblocks it: handled %d by %s\n", handled, name(who));
	stop();
	b_unblock_on_go = 0;

	main_mask(0);
	start(0, 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, a_kills, NULL) == 0);
	pthread_join(t, NULL);
	settle();
	printf("nobody blocks it, another thread calls kill(getpid()): handled %d by %s\n", handled, name(who));
	stop();

	handled = 0;
	CHECK(pthread_create(&ta, NULL, a_raises, NULL) == 0);
	pthread_join(ta, NULL);
	printf("nobody blocks it, thread A calls raise(SIGUSR1): handled %d by %s\n", handled, name(who));

	b_unblock_on_go = 1;
	start(1, 1);
	main_mask(0);
	CHECK(pthread_kill(tb, SIGUSR1) == 0);
	usleep(100000);
	printf("pthread_kill(B) while B blocks it: handled %d, pending as seen by main %d", handled, pending_here());
	CHECK(sem_post(&go_b) == 0);
	settle();
	printf(", B unblocks it: handled %d by %s\n", handled, name(who));
	stop();
	beat_end("which-thread");
	beat_finish();
	return 0;
}
