/* 20 threads, created in order, sleep until 300, 285, ... 15 ms after one start with four different
 * calls (usleep, nanosleep, clock_nanosleep relative and absolute): they must wake earliest deadline
 * first, whatever the call. Prints the wake order (thread ids) and the OS thread count. */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

#define N 20
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int order[N], woke;
static double start;

static void *sleeper(void *arg)
{
	long id = (long)arg;
	double wake_at = start + (N - (int)id) * 15; /* from one start, whenever this thread runs */
	long us = (long)((wake_at - now_ms()) * 1000);
	us = us > 0 ? us : 0;
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };
	struct timespec abs = in_ms(CLOCK_MONOTONIC, (int)(us / 1000));
	switch (id % 4) {
	case 0: CHECK(usleep((useconds_t)us) == 0); break;
	case 1: CHECK(nanosleep(&ts, NULL) == 0); break;
	case 2: CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0); break;
	default: CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0); break;
	}
	pthread_mutex_lock(&m);
	order[woke++] = (int)id;
	pthread_mutex_unlock(&m);
	return NULL;
}

int main(void)
{
	pthread_t t[N];
	start = now_ms();
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&t[i], NULL, sleeper, (void *)i) == 0);
	long threads = os_threads();
	for (int i = 0; i < N; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("woke:");
	for (int i = 0; i < N; i++)
		printf(" %d", order[i]);
	printf("\nos_threads=%ld\n", threads);
	return 0;
}
