/* How a threaded process ends. usage: exit_paths main-pthread-exit | thread-exit | main-return | return-value
 * main-pthread-exit: main calls pthread_exit while 3 threads still sleep; they finish, and the
 *   process exits with status 0 after the last one.
 * thread-exit: a thread calls exit(3) while others sleep: status 3 at once.
 * main-return: main returns 5 while 3 threads still sleep: status 5 at once, they print nothing.
 * return-value: pthread_exit's value and a returned value reach join; detached threads run. */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static void *late(void *arg)
{
	usleep(50000 * (1 + (long)arg));
	printf("thread %ld done\n", (long)arg);
	fflush(stdout);
	return NULL;
}

static void *exiter(void *arg)
{
	usleep(20000);
	exit(3);
}

static void *by_exit(void *arg)
{
	pthread_exit((void *)42L);
}

static void *by_return(void *arg)
{
	return (void *)43L;
}

static volatile int detached_ran;
static void *detached(void *arg)
{
	detached_ran = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[3];
	if (argc > 1 && !strcmp(argv[1], "main-pthread-exit")) {
		for (long i = 0; i < 3; i++)
			CHECK(pthread_create(&t[i], NULL, late, (void *)i) == 0);
		printf("main leaves\n");
		fflush(stdout);
		pthread_exit(NULL);
	}
	if (argc > 1 && !strcmp(argv[1], "main-return")) {
		for (long i = 0; i < 3; i++)
			CHECK(pthread_create(&t[i], NULL, late, (void *)(i + 10)) == 0);
		usleep(20000);
		printf("main returns\n");
		return 5;
	}
	if (argc > 1 && !strcmp(argv[1], "thread-exit")) {
		CHECK(pthread_create(&t[0], NULL, exiter, NULL) == 0);
		CHECK(pthread_create(&t[1], NULL, late, (void *)20L) == 0);
		pthread_join(t[1], NULL);
		printf("not reached\n");
		return 0;
	}
	void *a, *b;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	CHECK(pthread_create(&t[0], NULL, by_exit, NULL) == 0);
	CHECK(pthread_create(&t[1], NULL, by_return, NULL) == 0);
	CHECK(pthread_create(&t[2], &attr, detached, NULL) == 0);
	pthread_join(t[0], &a);
	pthread_join(t[1], &b);
	usleep(20000);
	printf("join values %ld %ld, detached ran %d, self equal %d, join self %s\n", (long)a, (long)b,
	       detached_ran, pthread_equal(pthread_self(), pthread_self()), strerror(pthread_join(pthread_self(), NULL)));
	return 0;
}
