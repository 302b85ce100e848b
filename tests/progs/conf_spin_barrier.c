/* Conformance of spinlocks and barriers, printed for comparison with the native run: spinlock
 * init/lock/trylock/unlock/destroy, 4 threads incrementing under a spinlock whose holder sleeps
 * 1 ms inside (the count must be exact); barriers of 5 threads over 3 rounds (one
 * PTHREAD_BARRIER_SERIAL_THREAD per round, nobody passes before everyone arrived), a barrier of
 * 1, barrier attributes, a count of 0. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static pthread_spinlock_t spin;
static long count, contended;
static volatile int inside, overlap;

static void *spinner(void *arg)
{
	for (int i = 0; i < 50; i++) {
		if (pthread_spin_trylock(&spin) != 0) {
			__atomic_fetch_add(&contended, 1, __ATOMIC_SEQ_CST);
			CHECK(pthread_spin_lock(&spin) == 0);
		}
		if (inside++)
			overlap++;
		long v = count;
		usleep(1000); /* the holder sleeps: the others must wait */
		count = v + 1;
		inside--;
		CHECK(pthread_spin_unlock(&spin) == 0);
	}
	return arg;
}

static void *other_trylock(void *arg)
{
	int r = pthread_spin_trylock(&spin);
	if (r == 0)
		pthread_spin_unlock(&spin);
	return (void *)(long)r;
}

static int in_other(void)
{
	pthread_t t;
	void *r;
	CHECK(pthread_create(&t, NULL, other_trylock, NULL) == 0);
	pthread_join(t, &r);
	return (int)(long)r;
}

static void spinlocks(void)
{
	printf("spin: init PRIVATE %s", errname(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE)));
	printf(", lock %s", errname(pthread_spin_lock(&spin)));
	printf(", trylock %s", errname(pthread_spin_trylock(&spin)));
	printf(", other trylock %s", errname(in_other()));
	printf(", unlock %s", errname(pthread_spin_unlock(&spin)));
	printf(", trylock %s", errname(pthread_spin_trylock(&spin)));
	printf(", unlock %s", errname(pthread_spin_unlock(&spin)));
	printf(", other trylock %s", errname(in_other()));
	printf(", destroy %s\n", errname(pthread_spin_destroy(&spin)));
	printf("spin: init SHARED %s", errname(pthread_spin_init(&spin, PTHREAD_PROCESS_SHARED)));
	printf(", lock %s", errname(pthread_spin_lock(&spin)));
	printf(", other trylock %s", errname(in_other()));
	printf(", unlock %s", errname(pthread_spin_unlock(&spin)));
	printf(", destroy %s\n", errname(pthread_spin_destroy(&spin)));

	pthread_t t[4];
	CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, spinner, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("spin: 4 threads x 50 increments, holder sleeps 1 ms: count %ld, overlaps %d, contended>0 %d\n", count,
	       overlap, contended > 0);
	pthread_spin_destroy(&spin);
}

#define N 5
#define ROUNDS 3
static pthread_barrier_t bar;
static int arrived[ROUNDS], serial[ROUNDS], early, bad_results;

static void *runner(void *arg)
{
	long me = (long)arg;
	for (int round = 0; round < ROUNDS; round++) {
		usleep(1000 * (int)(5 * ((me + round) % N))); /* a different last arrival each round */
		__atomic_fetch_add(&arrived[round], 1, __ATOMIC_SEQ_CST);
		int r = pthread_barrier_wait(&bar);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial[round], 1, __ATOMIC_SEQ_CST);
		else if (r != 0)
			__atomic_fetch_add(&bad_results, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&arrived[round], __ATOMIC_SEQ_CST) != N)
			__atomic_fetch_add(&early, 1, __ATOMIC_SEQ_CST);
	}
	return arg;
}

static void barriers(void)
{
	pthread_barrierattr_t a;
	int v = -1;
	CHECK(pthread_barrierattr_init(&a) == 0);
	pthread_barrierattr_getpshared(&a, &v);
	printf("barrierattr defaults: pshared PRIVATE %d", v == PTHREAD_PROCESS_PRIVATE);
	int r = pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	v = -1;
	pthread_barrierattr_getpshared(&a, &v);
	printf(", setpshared SHARED %s/%d", errname(r), v == PTHREAD_PROCESS_SHARED);
	printf(", setpshared 99 %s", errname(pthread_barrierattr_setpshared(&a, 99)));
	pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_PRIVATE);
	printf(", destroy %s\n", errname(pthread_barrierattr_destroy(&a)));

	printf("barrier init count 0 %s", errname(pthread_barrier_init(&bar, NULL, 0)));
	printf(", count 1 %s", errname(pthread_barrier_init(&bar, NULL, 1)));
	int serials = 0;
	for (int i = 0; i < 3; i++)
		serials += pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD;
	printf(": 3 waits return SERIAL %d", serials);
	printf(", destroy %s\n", errname(pthread_barrier_destroy(&bar)));

	pthread_t t[N];
	CHECK(pthread_barrier_init(&bar, NULL, N) == 0);
	double t0 = now_ms();
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&t[i], NULL, runner, (void *)i) == 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	printf("barrier of %d, %d rounds: serial per round %d %d %d, other results not 0: %d, passed early %d, took>=55ms %d\n",
	       N, ROUNDS, serial[0], serial[1], serial[2], bad_results, early, now_ms() - t0 >= 55);
	printf("barrier destroy %s\n", errname(pthread_barrier_destroy(&bar)));
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	spinlocks();
	barriers();
	return 0;
}
