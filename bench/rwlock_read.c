/* Read-mostly read-write lock: THREADS threads (4) share one pthread_rwlock_t; each does N
 * operations, every one a rdlock/unlock (reading a shared counter) but every 1000th, which is a
 * wrlock/unlock (incrementing it). ns_per_op is per lock/unlock pair, over all threads' operations
 * together (wall clock). Natively the threads contend on the lock's cache line across cores; green
 * threads of one hub do not switch inside this loop, so the figure is the uncontended green cost.
 * usage: rwlock_read [N] [THREADS]   (default 1,000,000 per thread, 4 threads) */
#include <pthread.h>
#include "bench.h"

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile long shared;
static long per_thread;

static void *worker(void *arg)
{
	long seen = 0;
	for (long i = 1; i <= per_thread; i++) {
		if (i % 1000 == 0) {
			pthread_rwlock_wrlock(&rw);
			shared++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			seen += shared;
			pthread_rwlock_unlock(&rw);
		}
	}
	return (void *)seen;
}

int main(int argc, char **argv)
{
	per_thread = arg_or(argc, argv, 1, 1000000);
	long nt = arg_or(argc, argv, 2, 4);
	pthread_t t[64];
	if (nt > 64) {
		fprintf(stderr, "rwlock_read: at most 64 threads\n");
		return 2;
	}
	double t0 = now_s();
	for (long i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, worker, NULL)) {
			fprintf(stderr, "rwlock_read: pthread_create failed\n");
			return 1;
		}
	for (long i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	double s = now_s() - t0;
	long ops = nt * per_thread, writes = nt * (per_thread / 1000);
	if (shared != writes) {
		fprintf(stderr, "rwlock_read: %ld writes counted, expected %ld\n", shared, writes);
		return 1;
	}
	printf("name=rwlock_read ops=%ld ns_per_op=%.1f threads=%ld writes=%ld seconds=%.3f\n", ops, s * 1e9 / ops,
	       nt, writes, s);
	return 0;
}
