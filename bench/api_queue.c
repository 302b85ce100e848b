/* The API's Queue hand-off: a producer green thread puts N items into a Queue(0) (a rendezvous
 * channel: every put waits for a get) and the main green thread gets them, so that every item
 * passes from one green thread to the other through a switch. ns_per_op is per item.
 * Linked with -lgreenpatch. usage: api_queue [N] (default 1,000,000) */
#include <greenpatch.h>
#include <errno.h>
#include "bench.h"

static greenpatch_queue *q;

static void *produce(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++)
		if (greenpatch_queue_put(q, (void *)i, 1, -1) < 0)
			return (void *)(long)errno;
	return NULL;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 1000000), sum = 0;
	greenpatch_thread *p;
	if (greenpatch_queue_new(&q, 0) < 0 || greenpatch_spawn(&p, produce, (void *)n) < 0)
		return perror("api_queue"), 1;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		void *item;
		if (greenpatch_queue_get(q, &item, 1, -1) < 0)
			return perror("api_queue: get"), 1;
		sum += (long)item;
	}
	double s = now_s() - t0;
	void *err;
	greenpatch_wait(p, &err);
	if (err || sum != n * (n - 1) / 2) {
		fprintf(stderr, "api_queue: lost or wrong items (%s)\n", strerror((int)(long)err));
		return 1;
	}
	printf("name=api_queue ops=%ld ns_per_op=%.1f seconds=%.3f\n", n, s * 1e9 / n, s);
	return 0;
}
