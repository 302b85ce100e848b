/* pthread_create + pthread_join of a thread that returns its argument at once, N times, one at a
 * time (default attributes). ns_per_op is per create+join pair. usage: create_join [N]
 * (default 100,000) */
#include <pthread.h>
#include "bench.h"

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100000), sum = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *r;
		int err = pthread_create(&t, NULL, nothing, (void *)i);
		if (!err)
			err = pthread_join(t, &r);
		if (err) {
			fprintf(stderr, "create_join: thread %ld: %s\n", i, strerror(err));
			return 1;
		}
		sum += (long)r;
	}
	double s = now_s() - t0;
	if (sum != n * (n - 1) / 2) {
		fprintf(stderr, "create_join: wrong values from pthread_join\n");
		return 1;
	}
	printf("name=create_join ops=%ld ns_per_op=%.1f seconds=%.3f\n", n, s * 1e9 / n, s);
	return 0;
}
