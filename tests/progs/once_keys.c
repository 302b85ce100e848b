/* pthread_once with an init that sleeps while 20 threads race for it (it must run once, and no
 * caller may return before it finished); thread-specific data per thread; destructors at thread
 * exit, including a destructor that sets the value again (a second round). */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_runs, init_done, early_returns;
static pthread_key_t key, key2;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long dtor_calls, dtor_sum, rounds2;

static void init(void)
{
	init_runs++;
	usleep(50000);
	init_done = 1;
}

static void dtor(void *v)
{
	pthread_mutex_lock(&m);
	dtor_calls++;
	dtor_sum += (long)v;
	pthread_mutex_unlock(&m);
}

static void dtor_again(void *v)
{
	pthread_mutex_lock(&m);
	rounds2++;
	pthread_mutex_unlock(&m);
	if ((long)v == 1)
		pthread_setspecific(key2, (void *)2L); /* asks for another round */
}

static void *worker(void *arg)
{
	pthread_once(&once, init);
	if (!init_done)
		early_returns++;
	pthread_setspecific(key, (void *)((long)arg + 1));
	usleep(1000);
	CHECK(pthread_getspecific(key) == (void *)((long)arg + 1));
	pthread_setspecific(key2, (void *)1L);
	return NULL;
}

int main(void)
{
	CHECK(pthread_key_create(&key, dtor) == 0);
	CHECK(pthread_key_create(&key2, dtor_again) == 0);
	pthread_t t[20];
	for (long i = 0; i < 20; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	for (int i = 0; i < 20; i++)
		pthread_join(t[i], NULL);
	printf("init ran %d time(s), early returns %d\n", init_runs, early_returns);
	printf("destructor calls %ld, sum %ld (expected 20, 210)\n", dtor_calls, dtor_sum);
	printf("second-round destructor calls %ld (expected 40)\n", rounds2);
	printf("main's own value: %p\n", pthread_getspecific(key));
	CHECK(pthread_key_delete(key) == 0);
	printf("delete twice: %d\n", pthread_key_delete(key) != 0);
	return 0;
}
