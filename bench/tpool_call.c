/* A round trip through the tpool: a green thread has an empty function run on a pool thread and
 * waits for it, N times (greenpatch_tpool_execute, found with dlsym: the program knows nothing of
 * greenpatch at build time). Natively, the same hand-off to one worker thread with a mutex and a
 * condvar, which is what a thread pool costs without greenpatch.
 * usage: tpool_call N    prints name=tpool_call ops=N ns_per_op=X (and p50/p99 of single calls) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include "bench.h"

static void *empty(void *arg)
{
	return arg;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static void *(*job)(void *);
static int busy, done;

static void *native_worker(void *arg)
{
	pthread_mutex_lock(&m);
	for (;;) {
		while (!busy)
			pthread_cond_wait(&c, &m);
		job(NULL);
		busy = 0;
		done = 1;
		pthread_cond_broadcast(&c);
	}
	return arg;
}

static void native_execute(void *(*fn)(void *))
{
	pthread_mutex_lock(&m);
	job = fn;
	busy = 1;
	done = 0;
	pthread_cond_broadcast(&c);
	while (!done)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	void *(*execute)(void *(*)(void *), void *) =
		(void *(*)(void *(*)(void *), void *))dlsym(RTLD_DEFAULT, "greenpatch_tpool_execute");
	pthread_t t;
	if (!execute)
		pthread_create(&t, NULL, native_worker, NULL);
	double *lat = calloc((size_t)n, sizeof(*lat));
	for (int i = 0; i < 1000; i++) /* warm up: the worker started, caches hot */
		execute ? (void)execute(empty, NULL) : native_execute(empty);
	double t0 = (now_s() * 1e9);
	for (long i = 0; i < n; i++) {
		double s = (now_s() * 1e9);
		if (execute)
			execute(empty, NULL);
		else
			native_execute(empty);
		lat[i] = (now_s() * 1e9) - s;
	}
	double total = (now_s() * 1e9) - t0;
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("name=tpool_call ops=%ld ns_per_op=%.1f p50_ns=%.0f p99_ns=%.0f via=%s\n", n, total / n, lat[n / 2],
	       lat[n * 99 / 100], execute ? "greenpatch_tpool_execute" : "native_worker");
	return 0;
}
