/* The tpool's C API, found with dlsym (this program is not linked against greenpatch): execute
 * runs a function on a native thread (its tid differs, the caller's errno afterwards is the one
 * the function left), from a pool thread a nested execute runs inline, set_num_threads grows at
 * once and shrinks after killall, and 6 calls of 100 ms on 3 threads take two rounds while a
 * heartbeat green thread ticks. Prints one line per check. */
#include <dlfcn.h>
#include <errno.h>
#include <ffi.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

static void *(*execute)(void *(*)(void *), void *);
static int (*call)(ffi_cif *, void (*)(void), void *, void **);
static int (*set_num)(int);
static int (*num)(void);
static void (*killall)(void);

static void *tid_and_errno(void *arg)
{
	errno = 777;
	return (void *)(long)syscall(SYS_gettid);
}

static void *nested(void *arg)
{
	long outer = syscall(SYS_gettid);
	long inner = (long)execute(tid_and_errno, NULL); /* must not wait for a free pool thread */
	return (void *)(long)(inner == outer);
}

static void *nap(void *arg)
{
	usleep(100000);
	return arg;
}

static void *run_nap(void *arg)
{
	return execute(nap, arg);
}

static long add3(long a, int b, double c)
{
	return a + b + (long)c;
}

static volatile int stop;
static volatile long beats;
static void *beat(void *arg)
{
	while (!stop) {
		usleep(5000);
		beats++;
	}
	return arg;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	execute = (void *(*)(void *(*)(void *), void *))dlsym(RTLD_DEFAULT, "greenpatch_tpool_execute");
	call = (int (*)(ffi_cif *, void (*)(void), void *, void **))dlsym(RTLD_DEFAULT, "greenpatch_tpool_call");
	set_num = (int (*)(int))dlsym(RTLD_DEFAULT, "greenpatch_tpool_set_num_threads");
	num = (int (*)(void))dlsym(RTLD_DEFAULT, "greenpatch_tpool_num_threads");
	killall = (void (*)(void))dlsym(RTLD_DEFAULT, "greenpatch_tpool_killall");
	if (!execute || !call || !set_num || !num || !killall) {
		printf("the greenpatch tpool API is not there (not preloaded)\n");
		return 0;
	}
	errno = 0;
	long tid = (long)execute(tid_and_errno, NULL);
	printf("execute: ran on another thread %d, errno back %d\n", tid != syscall(SYS_gettid), errno);
	printf("execute from a pool thread runs inline: %ld\n", (long)execute(nested, NULL));
	ffi_cif cif;
	ffi_type *args[3] = { &ffi_type_slong, &ffi_type_sint, &ffi_type_double };
	CHECK(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_slong, args) == FFI_OK);
	long a = 40, r = 0;
	int b = 1;
	double c = 1.9;
	void *av[3] = { &a, &b, &c };
	int cr = call(&cif, (void (*)(void))add3, &r, av);
	errno = 0;
	int bad = call(NULL, (void (*)(void))add3, &r, av);
	printf("call through libffi: %d result %ld; NULL cif: %d %s\n", cr, r, bad, strerror(errno));
	errno = 0;
	int neg = set_num(-1);
	printf("set_num_threads(-1): %d %s; size %d\n", neg, strerror(errno), num());
	set_num(3); /* smaller than 20 while threads exist: it takes effect at killall */
	printf("after set_num_threads(3): size %d\n", num());
	killall();
	printf("after killall: size %d\n", num());
	pthread_t hb, t[6];
	CHECK(pthread_create(&hb, NULL, beat, NULL) == 0);
	long b0 = beats;
	double t0 = now_ms();
	for (int i = 0; i < 6; i++)
		CHECK(pthread_create(&t[i], NULL, run_nap, NULL) == 0);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	double took = now_ms() - t0;
	printf("6 calls of 100 ms on 3 threads: two rounds %d, heartbeat ran %d\n", took >= 190 && took < 600,
	       beats - b0 >= 10);
	set_num(8); /* larger: at once */
	printf("after set_num_threads(8): size %d\n", num());
	killall();
	printf("after killall: size %d, os_threads %ld\n", num(), os_threads());
	stop = 1;
	pthread_join(hb, NULL);
	return 0;
}
