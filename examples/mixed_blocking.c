/* The API and plain blocking code in one program, under the preload (or linked with -lgreenpatch):
 * THREADS plain pthreads sleep with usleep() and report through a pipe with write(), THREADS green
 * threads of a GreenPool sleep with greenpatch_sleep() and report through a Queue, and a pthread
 * and a green thread hand a counter back and forth with a pthread mutex and condition variable.
 * Everything is green, so all of it overlaps on one OS thread: the whole run takes about one
 * sleep, not THREADS of them.
 *
 *   mixed_blocking [THREADS [SLEEP_MS]]    (prints elapsed_ms= os_threads= handoffs=) */
#include <greenpatch.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static int sleep_ms = 100;
static greenpatch_queue *q;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static int counter; /* even: the pthread's turn, odd: the green thread's */
enum { HANDOFFS = 1000 };

static void *plain_sleeper(void *arg)
{
	usleep((useconds_t)sleep_ms * 1000);
	char c = 1;
	return write(pipefd[1], &c, 1) == 1 ? NULL : (void *)1L;
}

static void *green_sleeper(void *arg)
{
	greenpatch_sleep(sleep_ms / 1000.0);
	greenpatch_queue_put(q, arg, 1, -1);
	return NULL;
}

/* Ping-pong over the condition variable: parity chooses who may go. */
static void *pass(void *parity)
{
	pthread_mutex_lock(&mu);
	while (counter < 2 * HANDOFFS) {
		while (counter < 2 * HANDOFFS && counter % 2 != (long)parity)
			pthread_cond_wait(&turn, &mu);
		if (counter < 2 * HANDOFFS)
			counter++;
		pthread_cond_broadcast(&turn);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int os_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define DIE(what) return fprintf(stderr, "mixed_blocking: %s: %s\n", what, strerror(errno)), 1

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	sleep_ms = argc > 2 ? atoi(argv[2]) : 100;
	if (n < 1 || n > 100000 || sleep_ms < 0) {
		fprintf(stderr, "usage: mixed_blocking [THREADS 1..100000 [SLEEP_MS >= 0]]\n");
		return 2;
	}
	double t0 = now_ms();
	pthread_t *plain = calloc((size_t)n, sizeof(*plain)), pinger;
	greenpatch_pool *pool;
	greenpatch_thread *ponger;
	if (!plain || pipe(pipefd) < 0 || greenpatch_queue_new(&q, -1) < 0 || greenpatch_pool_new(&pool, n) < 0)
		DIE("setup");
	for (int i = 0; i < n; i++) {
		if ((errno = pthread_create(&plain[i], NULL, plain_sleeper, NULL)))
			DIE("pthread_create");
		if (greenpatch_pool_spawn(pool, NULL, green_sleeper, (void *)(long)i) < 0)
			DIE("spawn");
	}
	if ((errno = pthread_create(&pinger, NULL, pass, (void *)0L)) || greenpatch_spawn(&ponger, pass, (void *)1L) < 0)
		DIE("ping-pong");
	int most = os_threads();
	char c;
	void *item;
	for (int i = 0; i < n; i++) /* plain read on the pipe, and the Queue, in the same loop */
		if (read(pipefd[0], &c, 1) != 1 || greenpatch_queue_get(q, &item, 1, -1) < 0)
			DIE("collect");
	for (int i = 0; i < n; i++)
		pthread_join(plain[i], NULL);
	pthread_join(pinger, NULL);
	greenpatch_wait(ponger, NULL);
	greenpatch_pool_waitall(pool);
	int now = os_threads();
	printf("elapsed_ms=%.0f os_threads=%d handoffs=%d\n", now_ms() - t0, most > now ? most : now, counter / 2);
	greenpatch_pool_destroy(pool);
	greenpatch_queue_free(q);
	return 0;
}
