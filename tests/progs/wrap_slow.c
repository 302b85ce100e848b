/* 8 threads each call a blocking library function (tests/libs/libslow.c: a raw nanosleep of
 * 200 ms) while a heartbeat thread ticks every 5 ms. Natively the 8 calls overlap (about 200 ms).
 * Under the preload with GREENPATCH_TPOOL_WRAP=slow_call:i(i) they run on the tpool, as many at a
 * time as it has threads; without the wrap each blocks the whole hub. How the call is made:
 * usage: wrap_slow plt|dlsym|dlopen|scale LIBDIR
 *   plt: through this program's PLT (linked against libslow); dlsym: a pointer from dlsym;
 *   dlopen: through the PLT of libslowuser.so, loaded with dlopen; scale: slow_scale, d(dp). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

int slow_call(int ms);
double slow_scale(double x, const int *ms);

#define N 8
static int (*call)(int);
static const char *mode;
static long results_ok, errno_ok;

static void *worker(void *arg)
{
	int ms = 200, ok;
	errno = 0;
	if (!strcmp(mode, "scale"))
		ok = slow_scale(2.0, &ms) == 3.0;
	else
		ok = call(ms) == (strcmp(mode, "dlopen") ? 400 : 401);
	__sync_fetch_and_add(&results_ok, ok);
	__sync_fetch_and_add(&errno_ok, errno == 4242);
	return arg;
}

int main(int argc, char **argv)
{
	CHECK(argc == 3);
	mode = argv[1];
	call = slow_call;
	if (!strcmp(mode, "dlsym"))
		CHECK((call = (int (*)(int))dlsym(RTLD_DEFAULT, "slow_call")) != NULL);
	if (!strcmp(mode, "dlopen")) {
		char path[512];
		snprintf(path, sizeof(path), "%s/libslowuser.so", argv[2]);
		void *h = dlopen(path, RTLD_NOW);
		CHECK(h && (call = (int (*)(int))dlsym(h, "slow_user")) != NULL);
	}
	pthread_t t[N];
	hb_tick_ms = 5;
	hb_begin();
	hb_mark();
	double t0 = now_ms();
	for (int i = 0; i < N; i++)
		CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	double took = now_ms() - t0;
	double gap = hb_gap();
	hb_end();
	printf("calls=%d results_ok=%ld errno_ok=%ld took_ms=%.0f max_gap_ms=%.0f\n", N, results_ok, errno_ok, took, gap);
	return 0;
}
