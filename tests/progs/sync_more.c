/* Semaphores, read-write locks, barriers and spinlocks between threads: results and error codes
 * printed for comparison with the native run. Holders sleep while holding, so green waiters must
 * park rather than block the OS thread. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include "common.h"

static sem_t items, slots;
static int ring[4], head, tail;
static long consumed;

static void *sem_producer(void *arg)
{
	for (int i = 1; i <= 1000; i++) {
		CHECK(sem_wait(&slots) == 0);
		ring[tail++ % 4] = i;
		CHECK(sem_post(&items) == 0);
	}
	return arg;
}

static void *sem_consumer(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		CHECK(sem_wait(&items) == 0);
		consumed += ring[head++ % 4];
		CHECK(sem_post(&slots) == 0);
	}
	return arg;
}

static void semaphores(void)
{
	pthread_t p, c;
	int v;
	CHECK(sem_init(&items, 0, 0) == 0 && sem_init(&slots, 0, 4) == 0);
	CHECK(pthread_create(&c, NULL, sem_consumer, NULL) == 0);
	CHECK(pthread_create(&p, NULL, sem_producer, NULL) == 0);
	pthread_join(p, NULL), pthread_join(c, NULL);
	printf("sem producer/consumer sum %ld\n", consumed);
	sem_getvalue(&slots, &v);
	printf("sem getvalue %d\n", v);
	errno = 0;
	int r = sem_trywait(&items);
	printf("sem_trywait empty -> %d %s\n", r, strerror(errno));
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	errno = 0;
	r = sem_timedwait(&items, &ts);
	printf("sem_timedwait 50 ms -> %d %s\n", r, strerror(errno));
	ts.tv_nsec = -1;
	errno = 0;
	r = sem_timedwait(&items, &ts);
	printf("sem_timedwait bad timespec -> %d %s\n", r, strerror(errno));
	CHECK(sem_post(&items) == 0);
	r = sem_timedwait(&items, &ts);
	printf("sem_timedwait bad timespec but available -> %d\n", r);
	printf("sem_destroy -> %d\n", sem_destroy(&items));
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers_inside, max_inside;

static void *reader(void *arg)
{
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	if (++readers_inside > max_inside)
		max_inside = readers_inside;
	usleep(20000);
	readers_inside--;
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	return arg;
}

static void *try_both(void *arg)
{
	int rd = pthread_rwlock_tryrdlock(&rw), wr = pthread_rwlock_trywrlock(&rw);
	return (void *)(long)(rd * 1000 + wr);
}

static void rwlocks(void)
{
	pthread_t t[5], o;
	void *r;
	for (int i = 0; i < 5; i++)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("rwlock: 5 readers, all inside at once: %d\n", max_inside == 5);
	CHECK(pthread_rwlock_wrlock(&rw) == 0);
	printf("rwlock rdlock while self writes -> %s\n", strerror(pthread_rwlock_rdlock(&rw)));
	printf("rwlock wrlock while self writes -> %s\n", strerror(pthread_rwlock_wrlock(&rw)));
	CHECK(pthread_create(&o, NULL, try_both, NULL) == 0);
	pthread_join(o, &r);
	printf("rwlock other try rd/wr while written -> %ld\n", (long)r);
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	printf("rwlock unlock -> %d\n", pthread_rwlock_unlock(&rw));
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(pthread_create(&o, NULL, try_both, NULL) == 0);
	pthread_join(o, &r);
	printf("rwlock other try rd/wr while read (unlocks its read) -> %ld\n", (long)r);
	CHECK(pthread_rwlock_unlock(&rw) == 0); /* the other thread's read lock, left held */
	printf("rwlock timedwrlock while read by self, 50 ms -> %s\n", strerror(pthread_rwlock_timedwrlock(&rw, &ts)));
	printf("rwlock unlock -> %d\n", pthread_rwlock_unlock(&rw));
}

static pthread_barrier_t bar;
static int serials;

static void *barrier_runner(void *arg)
{
	for (int round = 0; round < 3; round++) {
		usleep(1000 * (int)(long)arg);
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serials, 1, __ATOMIC_RELAXED);
	}
	return arg;
}

static void barriers(void)
{
	pthread_t t[5];
	printf("barrier init count 0 -> %s\n", strerror(pthread_barrier_init(&bar, NULL, 0)));
	CHECK(pthread_barrier_init(&bar, NULL, 5) == 0);
	for (long i = 0; i < 5; i++)
		CHECK(pthread_create(&t[i], NULL, barrier_runner, (void *)i) == 0);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("barrier: 3 rounds, serial threads %d\n", serials);
	printf("barrier destroy -> %d\n", pthread_barrier_destroy(&bar));
}

static pthread_spinlock_t spin;
static long spin_count;

static void *spinner(void *arg)
{
	for (int i = 0; i < 3; i++) {
		CHECK(pthread_spin_lock(&spin) == 0);
		long v = spin_count;
		usleep(2000); /* holds the spinlock across a sleep */
		spin_count = v + 1;
		CHECK(pthread_spin_unlock(&spin) == 0);
	}
	return arg;
}

static void spinlocks(void)
{
	pthread_t t[4];
	CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, spinner, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("spinlock: count %ld, trylock free -> %d\n", spin_count, pthread_spin_trylock(&spin));
	printf("spinlock trylock held -> %s\n", strerror(pthread_spin_trylock(&spin)));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	semaphores();
	rwlocks();
	barriers();
	spinlocks();
	return 0;
}
