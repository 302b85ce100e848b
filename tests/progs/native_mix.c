/* Green threads and a native OS thread (started by a library, tests/libs/libnativethread.c,
 * behind the preload's back) share every kind of sync object: the native thread blocks for real,
 * the green ones park, and wake-ups cross both ways. A heartbeat thread shows the hub keeps
 * running while green threads wait on the native one. usage: native_mix LIBPATH
 * Output is compared with the native run; os_threads is printed apart (1 under the preload once
 * the native thread is gone, as natively). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include "common.h"

static int (*start_native)(pthread_t *, void *(*)(void *), void *);
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t to_native = PTHREAD_COND_INITIALIZER, to_green = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t bar;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sem_t ping, pong;
static long counter, native_turn, green_turn, once_runs;

static void slow_init(void)
{
	usleep(30000);
	once_runs++;
}

static void *green_counter(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&m);
		counter++;
		if (i % 500 == 0)
			usleep(100); /* hold it across a switch: the native thread must wait for real */
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static sem_t native_in, green_in;
static int native_serial;

/* A green reader gets the read lock while the native thread holds it (bounded: 5 s). */
static void *green_reader(void *arg)
{
	pthread_rwlock_rdlock(&rw);
	sem_post(&green_in);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static int wait5(sem_t *s)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 5000);
	return sem_timedwait(s, &ts);
}

static void *native_side(void *arg)
{
	for (int i = 0; i < 20000; i++) { /* mutex contention with two green threads */
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	for (int i = 0; i < 1000; i++) { /* semaphore ping-pong */
		sem_wait(&ping);
		sem_post(&pong);
	}
	for (int i = 0; i < 100; i++) { /* condvar turns, both directions */
		pthread_mutex_lock(&m);
		while (native_turn <= i)
			pthread_cond_wait(&to_native, &m);
		green_turn++;
		pthread_cond_signal(&to_green);
		pthread_mutex_unlock(&m);
	}
	pthread_rwlock_rdlock(&rw); /* a reader sharing the lock with a green one */
	sem_post(&native_in);
	int shared = wait5(&green_in) == 0;
	pthread_rwlock_unlock(&rw);
	native_serial = pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD; /* 3 green parties */
	pthread_once(&once, slow_init);
	usleep(50000); /* the green side waits in join meanwhile */
	return (void *)(42L + !shared);
}

static volatile int hb_stop;
static volatile long beats;
static void *heartbeat(void *arg)
{
	while (!hb_stop) {
		usleep(5000);
		beats++;
	}
	return NULL;
}

static void *at_barrier(void *arg)
{
	return (void *)(long)(pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD);
}

static void *do_once(void *arg)
{
	pthread_once(&once, slow_init);
	return (void *)once_runs;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(argc == 2);
	void *lib = dlopen(argv[1], RTLD_NOW);
	CHECK(lib && (start_native = (int (*)(pthread_t *, void *(*)(void *), void *))dlsym(lib, "lib_start_native_thread")));
	sem_init(&ping, 0, 0), sem_init(&pong, 0, 0), sem_init(&native_in, 0, 0), sem_init(&green_in, 0, 0);
	pthread_barrier_init(&bar, NULL, 4);
	pthread_t hb, n, g[2], r, b[3], o[3];
	CHECK(pthread_create(&hb, NULL, heartbeat, NULL) == 0);
	CHECK(start_native(&n, native_side, NULL) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&g[i], NULL, green_counter, NULL) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(g[i], NULL);
	long beats0 = beats;
	for (int i = 0; i < 1000; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&m);
		native_turn++;
		pthread_cond_signal(&to_native);
		while (green_turn <= i)
			pthread_cond_wait(&to_green, &m);
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_lock(&m);
	printf("mutex: counter %ld (expected 60000)\n", counter);
	pthread_mutex_unlock(&m);
	printf("semaphore ping-pong and 100 condvar turns with the native thread: done\n");
	CHECK(wait5(&native_in) == 0);
	CHECK(pthread_create(&r, NULL, green_reader, NULL) == 0);
	pthread_join(r, NULL);
	printf("rwlock: a green reader got in while the native thread held the read lock\n");
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&b[i], NULL, at_barrier, NULL) == 0);
	long serial = 0;
	for (int i = 0; i < 3; i++) {
		void *v;
		pthread_join(b[i], &v);
		serial += (long)v;
	}

	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&o[i], NULL, do_once, NULL) == 0);
	long seen = 0;
	for (int i = 0; i < 3; i++) {
		void *v;
		pthread_join(o[i], &v);
		seen += (long)v;
	}
	void *ret;
	int jr = pthread_join(n, &ret);
	printf("barrier of 4 (3 green, 1 native): serial threads %ld (expected 1)\n", serial + native_serial);
	printf("once: ran %ld time(s), every caller saw it done %d\n", once_runs, seen == 3);
	printf("join of the native thread: %d, value %ld\n", jr, (long)ret);
	hb_stop = 1;
	pthread_join(hb, NULL);
	printf("heartbeat went on while green threads waited on the native one: %d\n", beats - beats0 >= 5);
	printf("os_threads=%ld\n", os_threads());
	return 0;
}
