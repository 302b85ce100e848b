/* Conformance of condition variables, printed for comparison with the native run: condattr
 * clocks and pshared, timed waits on both clocks (condattr and pthread_cond_clockwait) that time
 * out with ETIMEDOUT and the mutex held again, bad clocks and timespecs, signal waking exactly
 * one waiter and broadcast waking all, a lost signal, a recursive mutex locked twice around a
 * wait, an errorcheck mutex not held, predicate loops under a broadcast per item. Every wait is
 * bounded. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static void *trylock_run(void *arg)
{
	pthread_mutex_t *m = arg;
	int r = pthread_mutex_trylock(m);
	if (r == 0)
		pthread_mutex_unlock(m);
	return (void *)(long)r;
}

/* pthread_mutex_trylock of m from another thread. */
static int other_trylock(pthread_mutex_t *m)
{
	pthread_t t;
	void *r;
	CHECK(pthread_create(&t, NULL, trylock_run, m) == 0);
	CHECK(pthread_join(t, &r) == 0);
	return (int)(long)r;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void attrs(void)
{
	pthread_condattr_t a;
	clockid_t c = -1;
	int v = -1;
	CHECK(pthread_condattr_init(&a) == 0);
	pthread_condattr_getclock(&a, &c);
	printf("condattr defaults: clock REALTIME %d", c == CLOCK_REALTIME);
	pthread_condattr_getpshared(&a, &v);
	printf(", pshared PRIVATE %d\n", v == PTHREAD_PROCESS_PRIVATE);
	static const struct { clockid_t c; const char *name; } clocks[] = {
		{ CLOCK_MONOTONIC, "MONOTONIC" }, { CLOCK_REALTIME, "REALTIME" },
		{ CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID" }, { CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID" },
		{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" }, { CLOCK_BOOTTIME, "BOOTTIME" }, { 99, "99" },
	};
	printf("condattr setclock:");
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		pthread_condattr_setclock(&a, CLOCK_REALTIME);
		int r = pthread_condattr_setclock(&a, clocks[i].c);
		c = -1;
		pthread_condattr_getclock(&a, &c);
		printf(" %s %s/%s", clocks[i].name, errname(r), c == clocks[i].c ? "set" : "unchanged");
	}
	printf("\n");
	printf("condattr destroy %s\n", errname(pthread_condattr_destroy(&a)));
}

static void timeouts(void)
{
	pthread_condattr_t a;
	pthread_cond_t mono;
	struct timespec ts;
	double t0;
	int r;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	CHECK(pthread_cond_init(&mono, &a) == 0);
	pthread_condattr_destroy(&a);

	CHECK(pthread_mutex_lock(&m) == 0);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	t0 = now_ms();
	r = pthread_cond_timedwait(&mono, &m, &ts);
	printf("condattr MONOTONIC, timedwait +50ms: %s, waited>=45 %d, mutex held after (other trylock) %s\n", errname(r),
	       now_ms() - t0 >= 45, errname(other_trylock(&m)));
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf("default clock, timedwait +50ms: %s, waited>=45 %d, mutex held after %s\n", errname(r), now_ms() - t0 >= 45,
	       errname(other_trylock(&m)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	t0 = now_ms();
	r = pthread_cond_clockwait(&cv, &m, CLOCK_MONOTONIC, &ts);
	printf("clockwait MONOTONIC +50ms: %s, waited>=45 %d, mutex held after %s\n", errname(r), now_ms() - t0 >= 45,
	       errname(other_trylock(&m)));
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	r = pthread_cond_clockwait(&mono, &m, CLOCK_REALTIME, &ts); /* the clock argument wins */
	printf("clockwait REALTIME +50ms on a MONOTONIC condvar: %s, waited>=45 %d, mutex held after %s\n", errname(r),
	       now_ms() - t0 >= 45, errname(other_trylock(&m)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r = pthread_cond_clockwait(&cv, &m, CLOCK_PROCESS_CPUTIME_ID, &ts);
	printf("clockwait PROCESS_CPUTIME_ID: %s, mutex held after %s", errname(r), errname(other_trylock(&m)));
	r = pthread_cond_clockwait(&cv, &m, 99, &ts);
	printf("; clock 99: %s\n", errname(r));
	ts = in_ms(CLOCK_REALTIME, 50);
	ts.tv_nsec = 1000000000L;
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf("timedwait tv_nsec=1000000000: %s", errname(r));
	ts.tv_nsec = -1;
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf(", tv_nsec=-1: %s", errname(r));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	ts.tv_nsec = 1000000000L;
	r = pthread_cond_clockwait(&cv, &m, CLOCK_MONOTONIC, &ts);
	printf(", clockwait tv_nsec=1000000000: %s, mutex held after %s\n", errname(r), errname(other_trylock(&m)));
	ts = in_ms(CLOCK_REALTIME, 0);
	ts.tv_sec -= 10;
	t0 = now_ms();
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf("timedwait 10 s in the past: %s", errname(r));
	ts = (struct timespec){ 0, 0 };
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf(", at 0: %s", errname(r));
	ts = (struct timespec){ -1, 0 };
	r = pthread_cond_timedwait(&cv, &m, &ts);
	printf(", tv_sec=-1: %s", errname(r));
	ts = in_ms(CLOCK_MONOTONIC, 0);
	ts.tv_sec -= 10;
	r = pthread_cond_clockwait(&cv, &m, CLOCK_MONOTONIC, &ts);
	printf(", clockwait 10 s in the past: %s, all quick %d, mutex held after %s\n", errname(r), now_ms() - t0 < 500,
	       errname(other_trylock(&m)));
	pthread_mutex_unlock(&m);

	pthread_mutex_t em;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	CHECK(pthread_mutex_init(&em, &ma) == 0);
	pthread_mutexattr_destroy(&ma);
	ts = in_ms(CLOCK_REALTIME, 50);
	r = pthread_cond_timedwait(&cv, &em, &ts);
	printf("errorcheck mutex not held: timedwait %s", errname(r));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r = pthread_cond_clockwait(&cv, &em, CLOCK_MONOTONIC, &ts);
	printf(", clockwait %s", errname(r));
	printf(", mutex free after %s\n", errname(other_trylock(&em)));
	pthread_mutex_destroy(&em);
	printf("destroy unused condvar %s\n", errname(pthread_cond_destroy(&mono)));
}

/* ---- waking ---- */

static int tokens, waiting, woken, stop_all;
static pthread_cond_t *tcv = &cv; /* the condvar the token waiters use, and its clock */
static clockid_t tclk = CLOCK_REALTIME;

/* Waits (in a predicate loop, at most 3 s in all) for a token and takes it. */
static void *token_waiter(void *arg)
{
	struct timespec ts = in_ms(tclk, 3000);
	pthread_mutex_lock(&m);
	waiting++;
	int r = 0;
	while (tokens == 0 && !stop_all && r != ETIMEDOUT)
		r = pthread_cond_timedwait(tcv, &m, &ts);
	if (tokens > 0) {
		tokens--;
		woken++;
	}
	waiting--;
	pthread_mutex_unlock(&m);
	return arg;
}

/* Wait (at most 2 s) until at least n waiters took a token, then 50 ms more so that any extra
 * wakeup would show too. */
static void settle(int n)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&m);
		int w = woken;
		pthread_mutex_unlock(&m);
		if (w >= n)
			break;
		usleep(1000);
	}
	usleep(50000);
}

static void wait_waiting(int n)
{
	for (int i = 0; i < 2000; i++) { /* at most 2 s */
		pthread_mutex_lock(&m);
		int w = waiting;
		pthread_mutex_unlock(&m);
		if (w == n)
			break;
		usleep(1000);
	}
	usleep(20000); /* they are inside pthread_cond_timedwait */
}

static void waking(void)
{
	pthread_t t[6];
	/* a signal with nobody waiting is lost */
	pthread_mutex_lock(&m);
	pthread_cond_signal(&cv);
	pthread_cond_broadcast(&cv);
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	int r = pthread_cond_timedwait(&cv, &m, &ts);
	pthread_mutex_unlock(&m);
	printf("signal and broadcast before anyone waits are lost: later timedwait %s\n", errname(r));

	for (int i = 0; i < 6; i++)
		CHECK(pthread_create(&t[i], NULL, token_waiter, NULL) == 0);
	wait_waiting(6);
	pthread_mutex_lock(&m);
	tokens = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	settle(1);
	pthread_mutex_lock(&m);
	printf("6 waiters, one signal: woken %d, still waiting %d\n", woken, waiting);
	tokens = 2;
	pthread_cond_signal(&cv);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	settle(3);
	pthread_mutex_lock(&m);
	printf("two more signals: woken %d, still waiting %d\n", woken, waiting);
	tokens = 3;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
	settle(6);
	pthread_mutex_lock(&m);
	printf("broadcast: woken %d, still waiting %d\n", woken, waiting);
	stop_all = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);

	/* a signal wakes a waiter well before its deadline, on a MONOTONIC condvar */
	pthread_condattr_t a;
	pthread_cond_t mono;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	CHECK(pthread_cond_init(&mono, &a) == 0);
	pthread_condattr_destroy(&a);
	tokens = woken = stop_all = 0;
	tcv = &mono;
	tclk = CLOCK_MONOTONIC;
	pthread_t w;
	CHECK(pthread_create(&w, NULL, token_waiter, NULL) == 0);
	wait_waiting(1);
	pthread_mutex_lock(&m);
	tokens = 1;
	double t0 = now_ms();
	pthread_cond_signal(&mono);
	pthread_mutex_unlock(&m);
	pthread_join(w, NULL);
	printf("MONOTONIC condvar, signal before a 3 s deadline: woken %d, quick %d\n", woken, now_ms() - t0 < 1500);
	pthread_cond_destroy(&mono);
}

/* ---- a recursive mutex locked twice ---- */

static pthread_mutex_t rm;
static pthread_cond_t rcv = PTHREAD_COND_INITIALIZER;
static volatile int r_flag, r_in_wait, r_done, r_result = -1, r_unlocks = -1;

static void *recursive_waiter(void *arg)
{
	CHECK(pthread_mutex_lock(&rm) == 0);
	CHECK(pthread_mutex_lock(&rm) == 0);
	r_in_wait = 1;
	double end = now_ms() + 2000;
	int r = 0;
	while (!r_flag && now_ms() < end) { /* short waits: the signal may come before the wait */
		struct timespec ts = in_ms(CLOCK_REALTIME, 100);
		r = pthread_cond_timedwait(&rcv, &rm, &ts);
	}
	r_result = r_flag ? 0 : r;
	int n = 0;
	while (n < 4 && pthread_mutex_unlock(&rm) == 0)
		n++;
	r_unlocks = n;
	r_done = 1;
	return arg;
}

static void recursive(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	CHECK(pthread_mutex_init(&rm, &a) == 0);
	pthread_mutexattr_destroy(&a);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, recursive_waiter, NULL) == 0);
	for (int i = 0; i < 2000 && !r_in_wait; i++)
		usleep(1000);
	usleep(30000);
	int tr = pthread_mutex_trylock(&rm); /* from main, another thread */
	if (tr == 0)
		pthread_mutex_unlock(&rm);
	r_flag = 1;
	pthread_cond_signal(&rcv);
	for (int i = 0; i < 3000 && !r_done; i++)
		usleep(1000);
	if (r_done)
		pthread_join(t, NULL);
	printf("recursive mutex locked twice around a wait: other trylock during the wait %s, waiter done %d, flag seen %s, then unlocks until error %d\n",
	       errname(tr), r_done, errname(r_result), r_unlocks);
}

/* ---- predicate loops: a broadcast per item, 4 consumers, 1 producer ---- */

#define ITEMS 2000
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER, nonfull = PTHREAD_COND_INITIALIZER;
static int queue[8], qhead, qcount, produced_all;
static long total, taken;

static void *consumer(void *arg)
{
	pthread_mutex_lock(&m);
	for (;;) {
		while (qcount == 0 && !produced_all) {
			struct timespec ts = in_ms(CLOCK_MONOTONIC, 3000);
			if (pthread_cond_clockwait(&nonempty, &m, CLOCK_MONOTONIC, &ts) == ETIMEDOUT)
				produced_all = 2; /* a lost wakeup: give up */
		}
		if (qcount == 0)
			break;
		total += queue[qhead];
		qhead = (qhead + 1) % 8;
		qcount--;
		taken++;
		pthread_cond_signal(&nonfull);
	}
	pthread_mutex_unlock(&m);
	return arg;
}

static void predicate(void)
{
	pthread_t c[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&c[i], NULL, consumer, NULL) == 0);
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (qcount == 8) {
			struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
			if (pthread_cond_timedwait(&nonfull, &m, &ts) == ETIMEDOUT)
				break;
		}
		if (qcount < 8) {
			queue[(qhead + qcount) % 8] = i;
			qcount++;
		}
		pthread_cond_broadcast(&nonempty); /* wakes all: only one finds the item */
		pthread_mutex_unlock(&m);
		if (i % 100 == 0)
			usleep(1000);
	}
	pthread_mutex_lock(&m);
	if (!produced_all)
		produced_all = 1;
	pthread_cond_broadcast(&nonempty);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 4; i++)
		pthread_join(c[i], NULL);
	printf("1 producer, 4 consumers, a broadcast per item: taken %ld, sum %ld (expected %d), gave up %d\n", taken, total,
	       ITEMS * (ITEMS + 1) / 2, produced_all == 2);
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	attrs();
	timeouts();
	waking();
	recursive();
	predicate();
	printf("destroy %s\n", errname(pthread_cond_destroy(&cv)));
	return 0;
}
