/* Green threads each waiting on something else for MS milliseconds (a sleep, a pipe read, a mutex
 * main holds, a condition variable, a semaphore, a join, the open of a FIFO nobody has opened for
 * writing), named after what they wait on; main says "ready" and sleeps, then releases them all
 * and joins them. For the dump and the gdb script, which must show each wait. usage: waiters MS
 * FIFO_PATH */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int signalled;
static sem_t s;
static int pipefd[2];
static long ms;
static const char *fifo;
static pthread_t sleeper_t;

__attribute__((noinline)) static void *sleeper(void *arg)
{
	usleep((useconds_t)(ms + 200) * 1000);
	return arg;
}

__attribute__((noinline)) static void *reader(void *arg)
{
	char b;
	CHECK(read(pipefd[0], &b, 1) == 1);
	return arg;
}

__attribute__((noinline)) static void *locker(void *arg)
{
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
	return arg;
}

__attribute__((noinline)) static void *condwaiter(void *arg)
{
	pthread_mutex_lock(&cm);
	while (!signalled)
		pthread_cond_wait(&c, &cm);
	pthread_mutex_unlock(&cm);
	return arg;
}

__attribute__((noinline)) static void *semwaiter(void *arg)
{
	sem_wait(&s);
	return arg;
}

__attribute__((noinline)) static void *joiner(void *arg)
{
	pthread_join(sleeper_t, NULL);
	return arg;
}

__attribute__((noinline)) static void *fifo_opener(void *arg)
{
	int fd = open(fifo, O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	return arg;
}

int main(int argc, char **argv)
{
	CHECK(argc == 3);
	ms = atol(argv[1]);
	fifo = argv[2];
	unlink(fifo);
	CHECK(mkfifo(fifo, 0600) == 0);
	CHECK(pipe(pipefd) == 0);
	sem_init(&s, 0, 0);
	pthread_mutex_lock(&m);
	static const struct {
		const char *name;
		void *(*fn)(void *);
	} who[] = { { "sleeper", sleeper }, { "reader", reader },   { "locker", locker }, { "condwaiter", condwaiter },
		    { "semwaiter", semwaiter }, { "joiner", joiner }, { "fifo", fifo_opener } };
	pthread_t t[7];
	for (int i = 0; i < 7; i++) {
		CHECK(pthread_create(&t[i], NULL, who[i].fn, NULL) == 0);
		pthread_setname_np(t[i], who[i].name);
		if (i == 0)
			sleeper_t = t[0];
	}
	usleep(50000); /* everyone is waiting */
	printf("ready\n");
	fflush(stdout);
	usleep((useconds_t)ms * 1000);
	pthread_mutex_unlock(&m);
	pthread_mutex_lock(&cm);
	signalled = 1;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&cm);
	sem_post(&s);
	CHECK(write(pipefd[1], "x", 1) == 1);
	int fd = open(fifo, O_WRONLY);
	CHECK(fd >= 0);
	close(fd);
	for (int i = 1; i < 7; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	unlink(fifo);
	printf("all released\n");
	return 0;
}
