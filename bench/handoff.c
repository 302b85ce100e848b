/* Mutex + condition variable hand-off between two pthreads: each waits for its turn, flips it,
 * signals. ns per hand-off (one thread -> the other). usage: handoff [N] */
#include <pthread.h>
#include "bench.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn;
static long n;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&m);
		while (turn != me)
			pthread_cond_wait(&c, &m);
		turn = !me;
		pthread_cond_signal(&c);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	n = arg_or(argc, argv, 1, 1000000);
	pthread_t a, b;
	double t0 = now_s();
	pthread_create(&a, NULL, player, (void *)0L);
	pthread_create(&b, NULL, player, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	double s = now_s() - t0;
	printf("name=handoff ops=%ld ns_per_op=%.1f\n", 2 * n, s * 1e9 / (2.0 * n));
	return 0;
}
