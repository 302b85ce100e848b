/* Mutex semantics of every type, printed for comparison with the native run: relock, unlock by a
 * non-owner, trylock, timed lock, static initializers, destroy while locked, FIFO hand-off. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static pthread_mutex_t stat_normal = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stat_rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t stat_err = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t *target;

static const char *err(int e)
{
	return e ? strerror(e) : "ok";
}

static void *other_unlock(void *arg)
{
	return (void *)(long)pthread_mutex_unlock(target);
}

static void *other_trylock(void *arg)
{
	return (void *)(long)pthread_mutex_trylock(target);
}

static int in_other(void *(*fn)(void *), pthread_mutex_t *m)
{
	pthread_t t;
	void *r;
	target = m;
	CHECK(pthread_create(&t, NULL, fn, NULL) == 0);
	pthread_join(t, &r);
	return (int)(long)r;
}

static void kinds(const char *name, pthread_mutex_t *m)
{
	printf("%s: lock %s", name, err(pthread_mutex_lock(m)));
	printf(", trylock again %s", err(pthread_mutex_trylock(m)));
	if (strcmp(name, "normal") != 0)
		printf(", lock again %s", err(pthread_mutex_lock(m)));
	printf(", other trylock %s", err(in_other(other_trylock, m)));
	printf(", other unlock %s", strcmp(name, "normal") ? err(in_other(other_unlock, m)) : "(undefined)");
	printf(", destroy busy %s", err(pthread_mutex_destroy(m)));
	int unlocks = 0;
	while (pthread_mutex_unlock(m) == 0 && ++unlocks < 5)
		;
	printf(", unlocks until error %d\n", unlocks);
}

static void typed(int type, const char *name)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	CHECK(pthread_mutex_init(&m, &a) == 0);
	kinds(name, &m);
	printf("%s: destroy %s\n", name, err(pthread_mutex_destroy(&m)));
}

static pthread_mutex_t fifo = PTHREAD_MUTEX_INITIALIZER;
static char order[16];
static int pos;

static void *queue_up(void *arg)
{
	pthread_mutex_lock(&fifo);
	order[pos++] = (char)('0' + (long)arg);
	pthread_mutex_unlock(&fifo);
	return NULL;
}

int main(void)
{
	typed(PTHREAD_MUTEX_RECURSIVE, "recursive");
	typed(PTHREAD_MUTEX_ERRORCHECK, "errorcheck");
	kinds("static recursive", &stat_rec);
	kinds("static errorcheck", &stat_err);
	printf("static normal: trylock %s", err(pthread_mutex_trylock(&stat_normal)));
	printf(", trylock again %s", err(pthread_mutex_trylock(&stat_normal)));
	printf(", unlock %s\n", err(pthread_mutex_unlock(&stat_normal)));
	pthread_mutex_lock(&stat_normal);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	target = &stat_normal;
	printf("timedlock held by self, 50 ms: %s\n", err(pthread_mutex_timedlock(&stat_normal, &ts)));
	ts.tv_nsec = -1;
	printf("timedlock bad timespec: %s\n", err(pthread_mutex_timedlock(&stat_normal, &ts)));
	pthread_mutex_unlock(&stat_normal);
	/* waiters queue in arrival order while the main thread holds the mutex */
	pthread_t t[8];
	pthread_mutex_lock(&fifo);
	for (long i = 0; i < 8; i++) {
		CHECK(pthread_create(&t[i], NULL, queue_up, (void *)i) == 0);
		usleep(5000);
	}
	pthread_mutex_unlock(&fifo);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("all 8 waiters got the mutex: %d\n", pos == 8);
	printf("order=%s\n", order); /* arrival order under greenpatch; natively up to the kernel */
	return 0;
}
