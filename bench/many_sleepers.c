/* N threads alive at once, each sleeping 5 x 10 ms (usleep); main creates them all, then joins
 * them all. A failed pthread_create is counted and the run goes on (natively this machine runs out
 * near 32,000 threads: each guarded stack costs two mappings against vm.max_map_count). Reports
 * elapsed time, threads created and failed (with the first error), the most sleepers alive at the
 * same time (natively the first ones may finish before the last start), the most OS threads seen
 * (/proc/self/status Threads:, sampled every 4096 creations, after creating and at the end), the
 * peak RSS (VmHWM) and the peak RSS growth per created thread. Default attributes unless a stack
 * size is given. usage: many_sleepers [N [STACK_BYTES]]   (default 100,000) */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "bench.h"

static long os_threads_max, alive, alive_max;

static void sample_threads(void)
{
	long n = proc_status("Threads");
	if (n > os_threads_max)
		os_threads_max = n;
}

/* alive_max: the most sleepers between their start and their end at the same time. */
static void note_alive(void)
{
	long n = __atomic_add_fetch(&alive, 1, __ATOMIC_RELAXED);
	long max = __atomic_load_n(&alive_max, __ATOMIC_RELAXED);
	while (n > max &&
	       !__atomic_compare_exchange_n(&alive_max, &max, n, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void *sleeper(void *arg)
{
	note_alive();
	for (int i = 0; i < 5; i++)
		usleep(10000);
	__atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
	return arg;
}

static pthread_attr_t *attr_for(int argc, char **argv, pthread_attr_t *attr)
{
	if (argc <= 2)
		return NULL;
	pthread_attr_init(attr);
	int err = pthread_attr_setstacksize(attr, (size_t)arg_or(argc, argv, 2, 0));
	if (err) {
		fprintf(stderr, "many_sleepers: stack size %s: %s\n", argv[2], strerror(err));
		exit(2);
	}
	return attr;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100000), created = 0, failed = 0;
	int first_err = 0;
	pthread_attr_t storage, *attr = attr_for(argc, argv, &storage);
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	long rss0 = proc_status("VmRSS");
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&t[created], attr, sleeper, NULL);
		if (!err)
			created++;
		else if (!failed++)
			first_err = err;
		if (i % 4096 == 4095)
			sample_threads();
	}
	sample_threads();
	double t_created = now_s() - t0;
	for (long i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	double s = now_s() - t0;
	sample_threads();
	long peak = proc_status("VmHWM");
	printf("name=many_sleepers ops=%ld ns_per_op=%.1f threads=%ld created=%ld failed=%ld first_error=%s "
	       "seconds=%.3f create_seconds=%.3f alive_max=%ld os_threads_max=%ld peak_rss_kib=%ld kib_per_thread=%.1f\n",
	       created, created ? s * 1e9 / created : 0.0, n, created, failed,
	       failed ? strerrorname_np(first_err) : "none", s, t_created, alive_max, os_threads_max, peak,
	       created ? (double)(peak - rss0) / created : 0.0);
	return 0;
}
