/* Conformance of pthread_once and thread-specific data, printed for comparison with the native
 * run: an init that sleeps 100 ms while 10 threads call pthread_once (it runs once, nobody
 * returns before it finished); key destructors at thread exit with the thread's value, NULL
 * values skipped, a destructor that sets the value again getting more rounds (at most
 * PTHREAD_DESTRUCTOR_ITERATIONS), a destructor setting another key, a deleted key (its
 * destructor no longer runs, setspecific EINVAL, a new key reads NULL in every thread), 200
 * keys, key exhaustion, and main's destructors when it calls pthread_exit. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void run_threads(int n, void *(*fn)(void *))
{
	pthread_t t[16];
	for (long i = 0; i < n; i++)
		CHECK(pthread_create(&t[i], NULL, fn, (void *)i) == 0);
	for (int i = 0; i < n; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
}

/* ---- once ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT, once2 = PTHREAD_ONCE_INIT;
static int init_runs, init_done, early, init2_runs;

static void init(void)
{
	__atomic_fetch_add(&init_runs, 1, __ATOMIC_SEQ_CST);
	usleep(100000);
	__atomic_store_n(&init_done, 1, __ATOMIC_SEQ_CST);
}

static void init2(void)
{
	init2_runs++;
}

static void *once_caller(void *arg)
{
	usleep(1000 * (int)(long)arg); /* some arrive while init sleeps */
	int r = pthread_once(&once, init);
	if (r != 0 || !__atomic_load_n(&init_done, __ATOMIC_SEQ_CST))
		__atomic_fetch_add(&early, 1, __ATOMIC_SEQ_CST);
	return arg;
}

static void onces(void)
{
	double t0 = now_ms();
	run_threads(10, once_caller);
	printf("once: 10 threads, init sleeps 100 ms: init ran %d time(s), returned before it finished %d, took>=95ms %d\n",
	       init_runs, early, now_ms() - t0 >= 95);
	printf("once: called again %s, init ran %d time(s)\n", errname(pthread_once(&once, init)), init_runs);
	pthread_once(&once2, init2);
	pthread_once(&once2, init2);
	printf("once: a second control, called twice: init ran %d time(s)\n", init2_runs);
}

/* ---- destructors ---- */

static pthread_key_t k_val, k_again, k_forever, k_a, k_b;
static long val_calls, val_sum, again_calls, forever_calls, b_calls;

static void dtor_val(void *v)
{
	pthread_mutex_lock(&m);
	val_calls++;
	val_sum += (long)v;
	pthread_mutex_unlock(&m);
}

static void dtor_again(void *v) /* sets its value again once */
{
	pthread_mutex_lock(&m);
	again_calls++;
	pthread_mutex_unlock(&m);
	if ((long)v == 1)
		pthread_setspecific(k_again, (void *)2L);
}

static void dtor_forever(void *v) /* sets its value again every time */
{
	pthread_mutex_lock(&m);
	forever_calls++;
	pthread_mutex_unlock(&m);
	pthread_setspecific(k_forever, v);
}

static void dtor_a(void *v) /* sets another key, perhaps already done with */
{
	pthread_setspecific(k_b, (void *)5L);
}

static void dtor_b(void *v)
{
	pthread_mutex_lock(&m);
	b_calls++;
	pthread_mutex_unlock(&m);
}

static void *setter(void *arg)
{
	long i = (long)arg; /* 0..9 */
	if (pthread_getspecific(k_val) != NULL)
		printf("fresh thread sees a value\n");
	if (i < 5)
		CHECK(pthread_setspecific(k_val, (void *)(i + 1)) == 0); /* 1..5: sum 15 */
	else if (i < 8)
		CHECK(pthread_setspecific(k_val, NULL) == 0); /* set to NULL: skipped */
	/* 8, 9: never set */
	usleep(1000);
	CHECK(pthread_getspecific(k_val) == (i < 5 ? (void *)(i + 1) : NULL));
	return arg;
}

static void *again_setter(void *arg)
{
	CHECK(pthread_setspecific(k_again, (void *)1L) == 0);
	return arg;
}

static void *forever_setter(void *arg)
{
	CHECK(pthread_setspecific(k_forever, (void *)1L) == 0);
	return arg;
}

static void *a_setter(void *arg)
{
	CHECK(pthread_setspecific(k_a, (void *)1L) == 0);
	return arg;
}

static void *exit_setter(void *arg)
{
	CHECK(pthread_setspecific(k_val, (void *)100L) == 0);
	pthread_exit(NULL); /* destructors run for pthread_exit too */
}

static void destructors(void)
{
	CHECK(pthread_key_create(&k_val, dtor_val) == 0);
	CHECK(pthread_key_create(&k_again, dtor_again) == 0);
	CHECK(pthread_key_create(&k_forever, dtor_forever) == 0);
	CHECK(pthread_key_create(&k_b, dtor_b) == 0);
	CHECK(pthread_key_create(&k_a, dtor_a) == 0);
	printf("keys: main's getspecific of a new key is NULL %d\n", pthread_getspecific(k_val) == NULL);
	run_threads(10, setter);
	printf("keys: 10 threads (5 values 1..5, 3 NULL, 2 unset): destructor calls %ld, sum %ld\n", val_calls, val_sum);
	run_threads(1, exit_setter);
	printf("keys: a thread ending by pthread_exit: destructor calls %ld, sum %ld\n", val_calls, val_sum);
	run_threads(3, again_setter);
	printf("keys: destructor that sets the value once more, 3 threads: calls %ld\n", again_calls);
	run_threads(2, forever_setter);
	printf("keys: destructor that always sets it again, 2 threads: calls %ld, per thread %ld (PTHREAD_DESTRUCTOR_ITERATIONS %d)\n",
	       forever_calls, forever_calls / 2, PTHREAD_DESTRUCTOR_ITERATIONS);
	run_threads(2, a_setter);
	printf("keys: destructor that sets another key, 2 threads: the other key's destructor calls %ld\n", b_calls);
}

/* ---- delete ---- */

static pthread_key_t k_del, k_new;
static long del_calls;
static volatile int phase;
static int saw_null_new;

static void dtor_del(void *v)
{
	__atomic_fetch_add(&del_calls, 1, __ATOMIC_SEQ_CST);
}

static void *del_worker(void *arg)
{
	CHECK(pthread_setspecific(k_del, (void *)7L) == 0);
	__atomic_fetch_add(&phase, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 3000 && phase < 100; i++) /* main deletes and creates */
		usleep(1000);
	if (pthread_getspecific(k_new) == NULL)
		__atomic_fetch_add(&saw_null_new, 1, __ATOMIC_SEQ_CST);
	return arg;
}

static void deletes(void)
{
	pthread_t t[3];
	CHECK(pthread_key_create(&k_del, dtor_del) == 0);
	CHECK(pthread_setspecific(k_del, (void *)7L) == 0);
	for (long i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, del_worker, (void *)i) == 0);
	for (int i = 0; i < 3000 && phase < 3; i++)
		usleep(1000);
	printf("delete: key with values in 4 threads: delete %s", errname(pthread_key_delete(k_del)));
	printf(", delete again %s", errname(pthread_key_delete(k_del)));
	printf(", setspecific %s", errname(pthread_setspecific(k_del, (void *)8L)));
	printf(", getspecific NULL %d", pthread_getspecific(k_del) == NULL);
	CHECK(pthread_key_create(&k_new, NULL) == 0);
	printf(", new key: main reads NULL %d", pthread_getspecific(k_new) == NULL);
	phase = 100;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf(", the 3 threads read NULL %d, deleted key's destructor calls %ld\n", saw_null_new, del_calls);
	pthread_key_delete(k_new);
	printf("invalid keys: setspecific(100000) %s", errname(pthread_setspecific((pthread_key_t)100000, (void *)1L)));
	printf(", getspecific(100000) NULL %d", pthread_getspecific((pthread_key_t)100000) == NULL);
	printf(", delete(100000) %s\n", errname(pthread_key_delete((pthread_key_t)100000)));
}

/* ---- many keys ---- */

#define MANY 200
static pthread_key_t many[MANY];
static long many_calls, many_sum, many_wrong;

static void dtor_many(void *v)
{
	pthread_mutex_lock(&m);
	many_calls++;
	many_sum += (long)v;
	pthread_mutex_unlock(&m);
}

static void *many_worker(void *arg)
{
	long base = ((long)arg + 1) * 1000;
	for (int i = 0; i < MANY; i++)
		CHECK(pthread_setspecific(many[i], (void *)(base + i)) == 0);
	usleep(2000);
	for (int i = 0; i < MANY; i++)
		if (pthread_getspecific(many[i]) != (void *)(base + i))
			__atomic_fetch_add(&many_wrong, 1, __ATOMIC_SEQ_CST);
	return arg;
}

static void many_keys(void)
{
	int bad = 0;
	for (int i = 0; i < MANY; i++)
		bad += pthread_key_create(&many[i], dtor_many) != 0;
	int distinct = 1;
	for (int i = 0; i < MANY; i++)
		for (int j = 0; j < i; j++)
			if (many[i] == many[j])
				distinct = 0;
	run_threads(3, many_worker);
	long expect = 0;
	for (long t = 0; t < 3; t++)
		for (int i = 0; i < MANY; i++)
			expect += (t + 1) * 1000 + i;
	printf("%d keys: create failures %d, distinct %d, wrong values read %ld, destructor calls %ld, sum right %d\n", MANY,
	       bad, distinct, many_wrong, many_calls, many_sum == expect);
	int del = 0;
	for (int i = 0; i < MANY; i++)
		del += pthread_key_delete(many[i]) == 0;
	printf("%d keys deleted %d\n", MANY, del);

	/* exhaustion */
	static pthread_key_t all[PTHREAD_KEYS_MAX + 1];
	int n = 0, r = 0;
	while (n <= PTHREAD_KEYS_MAX && (r = pthread_key_create(&all[n], NULL)) == 0)
		n++;
	printf("key_create until it fails: %s after at least %d keys %d (PTHREAD_KEYS_MAX %d)\n", errname(r),
	       PTHREAD_KEYS_MAX - 24, n >= PTHREAD_KEYS_MAX - 24, PTHREAD_KEYS_MAX);
	for (int i = 0; i < n; i++)
		pthread_key_delete(all[i]);
	pthread_key_t again;
	r = pthread_key_create(&again, NULL);
	printf("after deleting them all: key_create %s\n", errname(r));
	if (r == 0)
		pthread_key_delete(again);
}

/* ---- main's own destructors, when main calls pthread_exit ---- */

static pthread_key_t k_main;

static void dtor_main(void *v)
{
	printf("main's destructor ran with %ld\n", (long)v);
	fflush(stdout);
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	onces();
	destructors();
	deletes();
	many_keys();
	CHECK(pthread_key_create(&k_main, dtor_main) == 0);
	CHECK(pthread_setspecific(k_main, (void *)42L) == 0);
	printf("main calls pthread_exit\n");
	pthread_exit(NULL);
}
