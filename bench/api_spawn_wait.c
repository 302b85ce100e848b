/* The API's spawn + wait: N green threads started with greenpatch_spawn and waited for with
 * greenpatch_wait, one at a time, each returning its argument (eventlet's spawn(f).wait()).
 * ns_per_op is per pair. Linked with -lgreenpatch. usage: api_spawn_wait [N] (default 200,000) */
#include <greenpatch.h>
#include <errno.h>
#include "bench.h"

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 200000), sum = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		greenpatch_thread *t;
		void *r;
		if (greenpatch_spawn(&t, nothing, (void *)i) < 0 || greenpatch_wait(t, &r) < 0) {
			fprintf(stderr, "api_spawn_wait: thread %ld: %s\n", i, strerror(errno));
			return 1;
		}
		sum += (long)r;
	}
	double s = now_s() - t0;
	if (sum != n * (n - 1) / 2) {
		fprintf(stderr, "api_spawn_wait: wrong results from greenpatch_wait\n");
		return 1;
	}
	printf("name=api_spawn_wait ops=%ld ns_per_op=%.1f seconds=%.3f\n", n, s * 1e9 / n, s);
	return 0;
}
