/* poll() over 1000 idle pipes plus one active one: each round, a writer thread writes one byte to
 * the active pipe, the main thread's poll returns it (the only ready descriptor, checked), main
 * reads the byte and passes the turn back through a semaphore. ns_per_op is per round (one poll of
 * 1001 descriptors, one wake-up each way). usage: poll_idle [ROUNDS]   (default 5,000) */
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <unistd.h>
#include "bench.h"

#define IDLE 1000

static int act[2];
static long rounds;
static sem_t turn;

static void *writer(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		while (sem_wait(&turn) != 0)
			;
		if (write(act[1], "x", 1) != 1)
			return (void *)1;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = arg_or(argc, argv, 1, 5000);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2100 && rl.rlim_max >= 2100) {
		rl.rlim_cur = 2100;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	static struct pollfd p[IDLE + 1];
	for (int i = 0; i < IDLE; i++) {
		int q[2];
		if (pipe(q) != 0) {
			fprintf(stderr, "poll_idle: pipe failed (ulimit -n too small?)\n");
			return 1;
		}
		p[i] = (struct pollfd){ q[0], POLLIN, 0 };
	}
	if (pipe(act) != 0 || sem_init(&turn, 0, 0) != 0)
		return 1;
	p[IDLE] = (struct pollfd){ act[0], POLLIN, 0 };
	pthread_t w;
	if (pthread_create(&w, NULL, writer, NULL))
		return 1;
	double t0 = now_s();
	for (long i = 0; i < rounds; i++) {
		sem_post(&turn);
		char c;
		if (poll(p, IDLE + 1, 5000) != 1 || p[IDLE].revents != POLLIN || read(act[0], &c, 1) != 1) {
			fprintf(stderr, "poll_idle: round %ld: not exactly the active pipe ready\n", i);
			return 1;
		}
	}
	double s = now_s() - t0;
	void *bad;
	pthread_join(w, &bad);
	if (bad)
		return 1;
	printf("name=poll_idle ops=%ld ns_per_op=%.1f idle=%d seconds=%.3f\n", rounds, s * 1e9 / rounds, IDLE, s);
	return 0;
}
