/* N threads alive at once, each sleeping 5 x 10 ms; main creates them all, then joins them all.
 * Reports elapsed time, creation failures (natively the machine runs out near 32,000 threads), the
 * OS thread count seen while they are all alive, and peak RSS per thread.
 * usage: many_sleepers [N] */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "bench.h"

static void *sleeper(void *arg)
{
	for (int i = 0; i < 5; i++)
		usleep(10000);
	return arg;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100000), created = 0, failed = 0;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	long rss0 = proc_status("VmRSS");
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		if (pthread_create(&t[created], NULL, sleeper, NULL) == 0)
			created++;
		else
			failed++;
	}
	long os_threads = proc_status("Threads");
	for (long i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	double s = now_s() - t0;
	long peak = proc_status("VmHWM");
	printf("name=many_sleepers threads=%ld created=%ld failed=%ld seconds=%.3f os_threads=%ld "
	       "peak_rss_kb=%ld kb_per_thread=%.1f\n",
	       n, created, failed, s, os_threads, peak,
	       created ? (double)(peak - rss0) / created : 0.0);
	return 0;
}
