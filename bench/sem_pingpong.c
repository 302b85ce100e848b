/* Semaphore ping-pong: two pthreads pass a turn through two POSIX semaphores (one waits on `ping`
 * and posts `pong`, the other the reverse). ROUNDS rounds make 2 x ROUNDS hand-offs; ns_per_op is
 * per hand-off (one thread's sem_post to the other thread holding the turn), creates and joins
 * included (negligible at these counts). usage: sem_pingpong [ROUNDS]   (default 1,000,000) */
#include <pthread.h>
#include <semaphore.h>
#include "bench.h"

static sem_t ping, pong;
static long rounds, handoffs;

static void *ponger(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		sem_wait(&ping);
		handoffs++;
		sem_post(&pong);
	}
	return arg;
}

static void *pinger(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		sem_post(&ping);
		sem_wait(&pong);
		handoffs++;
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	rounds = arg_or(argc, argv, 1, 1000000);
	if (sem_init(&ping, 0, 0) || sem_init(&pong, 0, 0)) {
		perror("sem_pingpong: sem_init");
		return 1;
	}
	double t0 = now_s();
	if (pthread_create(&a, NULL, ponger, NULL) || pthread_create(&b, NULL, pinger, NULL)) {
		fprintf(stderr, "sem_pingpong: pthread_create failed\n");
		return 1;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	double s = now_s() - t0;
	if (handoffs != 2 * rounds) {
		fprintf(stderr, "sem_pingpong: %ld hand-offs, expected %ld\n", handoffs, 2 * rounds);
		return 1;
	}
	printf("name=sem_pingpong ops=%ld ns_per_op=%.1f rounds=%ld seconds=%.3f\n", handoffs, s * 1e9 / handoffs,
	       rounds, s);
	return 0;
}
