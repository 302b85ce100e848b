/* Per-thread state and mutual exclusion across blocking calls, compared with the native run: errno
 * belongs to each thread even when threads switch inside sleeps, reads and lock waits; a mutex held
 * across a sleep still excludes; every thread has its own pthread_self; join and detach of a
 * detached thread (still running) fail with EINVAL; a condvar wait on an errorcheck mutex not held
 * fails with EPERM; a key destructor that sets its value again runs PTHREAD_DESTRUCTOR_ITERATIONS
 * times, after a return and after pthread_exit. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

#define N 100
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long counter, inside, overlap;
static int sv[2];
static pthread_t selves[N];

static void *worker(void *arg)
{
	long id = (long)arg, kept = 1;
	selves[id] = pthread_self();
	errno = (int)(1000 + id);
	usleep(1000 + (useconds_t)(id % 7) * 1000); /* switches to the other threads */
	kept &= errno == 1000 + id;
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(&m);
		if (inside++)
			overlap++;
		long v = counter;
		if (i == 0)
			usleep(100); /* a sleep inside the critical section: the others must wait */
		else
			sched_yield();
		counter = v + 1;
		inside--;
		pthread_mutex_unlock(&m);
	}
	kept &= errno == 1000 + id;
	char c;
	errno = (int)(2000 + id);
	CHECK(read(sv[0], &c, 1) == 1); /* each thread waits for its byte */
	kept &= errno == 2000 + id;
	return (void *)kept;
}

static void *quick(void *arg)
{
	return arg;
}

static void *nap(void *arg)
{
	usleep(100000);
	return arg;
}

static pthread_key_t again_key;
static int again_calls;
static void set_again(void *v)
{
	again_calls++;
	pthread_setspecific(again_key, v); /* asks for one more round, every time */
}

static void *set_key(void *arg)
{
	pthread_setspecific(again_key, (void *)1L);
	if (arg)
		pthread_exit(NULL);
	return NULL;
}

static void edge_cases(void)
{
	pthread_mutexattr_t ma;
	pthread_mutex_t em;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	CHECK(pthread_mutex_init(&em, &ma) == 0);
	struct timespec ts = in_ms(CLOCK_REALTIME, 1000);
	printf("cond_timedwait, errorcheck mutex not held: %s\n", strerror(pthread_cond_timedwait(&cv, &em, &ts)));
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	CHECK(pthread_create(&t, &a, nap, NULL) == 0);
	printf("join a detached thread: %s\n", strerror(pthread_join(t, NULL)));
	printf("detach a detached thread: %s\n", strerror(pthread_detach(t)));
	CHECK(pthread_key_create(&again_key, set_again) == 0);
	CHECK(pthread_create(&t, NULL, set_key, NULL) == 0);
	pthread_join(t, NULL);
	int after_return = again_calls;
	again_calls = 0;
	CHECK(pthread_create(&t, NULL, set_key, (void *)1L) == 0);
	pthread_join(t, NULL);
	printf("destructor rounds after return %d, after pthread_exit %d (PTHREAD_DESTRUCTOR_ITERATIONS %d)\n",
	       after_return, again_calls, PTHREAD_DESTRUCTOR_ITERATIONS);
	usleep(150000); /* the detached thread ends */
}

int main(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t t[N];
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	errno = 7;
	usleep(50000);
	int main_kept = errno == 7;
	for (int i = 0; i < N; i++) {
		CHECK(write(sv[1], "b", 1) == 1);
		if (i % 10 == 0)
			usleep(1000);
	}
	long kept = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		CHECK(pthread_join(t[i], &r) == 0);
		kept += (long)r;
	}
	int distinct = 1;
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			distinct &= !pthread_equal(selves[i], selves[j]);
	printf("errno kept by %ld of %d threads, and by main %d\n", kept, N, main_kept);
	printf("counter %ld (expected %d), overlapping critical sections %ld\n", counter, N * 10, overlap);
	printf("pthread_self distinct %d, main is none of them %d\n", distinct, !pthread_equal(pthread_self(), selves[0]));
	pthread_t d;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int ds;
	pthread_attr_getdetachstate(&a, &ds);
	CHECK(pthread_create(&d, &a, quick, NULL) == 0);
	printf("attr detach state detached %d\n", ds == PTHREAD_CREATE_DETACHED);
	pthread_t j;
	CHECK(pthread_create(&j, NULL, quick, (void *)5L) == 0);
	printf("detach a running joinable thread: %s\n", strerror(pthread_detach(j)));
	usleep(10000);
	edge_cases();
	return 0;
}
