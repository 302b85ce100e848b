/* pthread_create + pthread_join of a thread that returns at once. usage: create_join [N] */
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
		if (pthread_create(&t, NULL, nothing, (void *)i) != 0 || pthread_join(t, &r) != 0) {
			perror("pthread");
			return 1;
		}
		sum += (long)r;
	}
	double s = now_s() - t0;
	if (sum != n * (n - 1) / 2)
		return 1;
	printf("name=create_join ops=%ld ns_per_op=%.1f\n", n, s * 1e9 / n);
	return 0;
}
