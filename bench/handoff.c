/* Mutex + condition variable hand-off between two pthreads: one mutex, one condvar, a turn
 * variable; each player waits for its turn, gives it to the other, signals. ROUNDS rounds make
 * 2 x ROUNDS hand-offs (one thread -> the other); ns_per_op is per hand-off and includes the two
 * creates and joins (negligible at these counts). usage: handoff [ROUNDS]   (default 1,000,000) */
#include <pthread.h>
#include "bench.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn;
static long rounds, handoffs;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&m);
		while (turn != me)
			pthread_cond_wait(&c, &m);
		turn = !me;
		handoffs++;
		pthread_cond_signal(&c);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	rounds = arg_or(argc, argv, 1, 1000000);
	double t0 = now_s();
	if (pthread_create(&a, NULL, player, (void *)0L) || pthread_create(&b, NULL, player, (void *)1L)) {
		fprintf(stderr, "handoff: pthread_create failed\n");
		return 1;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	double s = now_s() - t0;
	if (handoffs != 2 * rounds) {
		fprintf(stderr, "handoff: %ld hand-offs, expected %ld\n", handoffs, 2 * rounds);
		return 1;
	}
	printf("name=handoff ops=%ld ns_per_op=%.1f rounds=%ld seconds=%.3f\n", handoffs, s * 1e9 / handoffs,
	       rounds, s);
	return 0;
}
