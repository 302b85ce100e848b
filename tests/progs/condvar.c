/* Condition variables: a bounded producer/consumer over one mutex and two condvars, timed waits
 * that time out (ETIMEDOUT, mutex held again) on both clocks, broadcast waking every waiter, and
 * signal waking one. Deterministic output, compared with the native run. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

#define CAP 4
#define ITEMS 10000

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static int buf[CAP], count, head;
static long woken, waiting;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int open_gate;

static void *producer(void *arg)
{
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (count == CAP)
			pthread_cond_wait(&not_full, &m);
		buf[(head + count++) % CAP] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&m);
	}
	return arg;
}

static void *consumer(void *arg)
{
	long sum = 0;
	for (int i = 0; i < ITEMS / 2; i++) {
		pthread_mutex_lock(&m);
		while (count == 0)
			pthread_cond_wait(&not_empty, &m);
		sum += buf[head];
		head = (head + 1) % CAP;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&m);
	}
	return (void *)sum;
}

static void *gate_waiter(void *arg)
{
	pthread_mutex_lock(&m);
	waiting++;
	while (!open_gate)
		pthread_cond_wait(&gate, &m);
	woken++;
	pthread_mutex_unlock(&m);
	return arg;
}

static void timed(void)
{
	pthread_condattr_t a;
	pthread_cond_t mono;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	CHECK(pthread_cond_init(&mono, &a) == 0);
	pthread_mutex_lock(&m);
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	double t0 = now_ms();
	int r = pthread_cond_timedwait(&gate, &m, &ts);
	printf("timedwait realtime 50 ms: %s, waited>=45 %d", strerror(r), now_ms() - t0 >= 45);
	printf(", mutex held after: %d\n", pthread_mutex_trylock(&m) == EBUSY);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r = pthread_cond_timedwait(&mono, &m, &ts);
	printf("timedwait monotonic condattr 50 ms: %s\n", strerror(r));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r = pthread_cond_clockwait(&gate, &m, CLOCK_MONOTONIC, &ts);
	printf("clockwait monotonic 50 ms: %s\n", strerror(r));
	ts.tv_nsec = 2000000000L;
	r = pthread_cond_timedwait(&gate, &m, &ts);
	printf("timedwait bad timespec: %s\n", strerror(r));
	ts = (struct timespec){ 0, 0 };
	r = pthread_cond_timedwait(&gate, &m, &ts);
	printf("timedwait in the past: %s\n", strerror(r));
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&mono);
}

int main(void)
{
	pthread_t p, c1, c2, g[10];
	void *s1, *s2;
	CHECK(pthread_create(&c1, NULL, consumer, NULL) == 0);
	CHECK(pthread_create(&c2, NULL, consumer, NULL) == 0);
	CHECK(pthread_create(&p, NULL, producer, NULL) == 0);
	pthread_join(p, NULL);
	pthread_join(c1, &s1);
	pthread_join(c2, &s2);
	printf("producer/consumer sum %ld (expected %ld)\n", (long)s1 + (long)s2, (long)ITEMS * (ITEMS + 1) / 2);
	timed();
	for (int i = 0; i < 10; i++)
		CHECK(pthread_create(&g[i], NULL, gate_waiter, NULL) == 0);
	for (int tries = 0; tries < 500; tries++) {
		pthread_mutex_lock(&m);
		long w = waiting;
		pthread_mutex_unlock(&m);
		if (w == 10)
			break;
		usleep(2000);
	}
	pthread_mutex_lock(&m);
	open_gate = 1;
	pthread_cond_signal(&gate);
	pthread_mutex_unlock(&m);
	usleep(50000);
	pthread_mutex_lock(&m);
	printf("after one signal: %ld woken\n", woken);
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 10; i++)
		pthread_join(g[i], NULL);
	printf("after broadcast: %ld woken\n", woken);
	return 0;
}
