/* Two threads that take two mutexes in opposite order, and main joining one of them: natively
 * the process hangs for good. usage: deadlock [sem] ("sem": main waits on a semaphore nobody
 * posts instead of joining). The test runs it bounded by `timeout`. */
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include "common.h"

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void *first(void *arg)
{
	pthread_mutex_lock(&a);
	usleep(20000);
	pthread_mutex_lock(&b);
	return arg;
}

static void *second(void *arg)
{
	pthread_mutex_lock(&b);
	usleep(20000);
	pthread_mutex_lock(&a);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t x, y;
	CHECK(pthread_create(&x, NULL, first, NULL) == 0);
	CHECK(pthread_create(&y, NULL, second, NULL) == 0);
	pthread_setname_np(x, "first");
	pthread_setname_np(y, "second");
	printf("started\n");
	fflush(stdout);
	if (argc > 1) {
		sem_t s;
		sem_init(&s, 0, 0);
		sem_wait(&s);
	}
	pthread_join(x, NULL);
	return 0;
}
