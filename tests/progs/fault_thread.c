/* Threads that cannot be made, and threads that end holding mutexes.
 *   stacks: the address space limited (RLIMIT_AS: what is mapped now plus 512 MiB); threads with
 *     64 MiB stacks are made until pthread_create fails: it returns EAGAIN (no crash), the
 *     threads made so far run and are joined, and then pthread_create works again.
 *   default_stack: the same limit (plus 1 GiB), one thread with the default attributes: 0
 *     natively; under greenpatch with GREENPATCH_STACK_SIZE=4g the default stack cannot be
 *     mapped and it is EAGAIN, as natively with `ulimit -s` too large.
 *   owner_dies: a thread locks a normal, an error-checking and a robust mutex and returns holding
 *     them. A thread already blocked on the robust one gets EOWNERDEAD, makes it consistent and
 *     unlocks it, and the next lock is plain; a thread blocked in pthread_mutex_lock on the normal
 *     one waits on (as natively: nobody will unlock it), a timed lock of it times out, trylock
 *     says EBUSY; the error-checking one cannot be unlocked by another thread (EPERM). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include "common.h"

static long mapped_bytes(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

static void limit_address_space(long extra)
{
	struct rlimit rl = { (rlim_t)(mapped_bytes() + extra), RLIM_INFINITY };
	CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
}

static volatile int go;

static void *touch_and_wait(void *arg)
{
	volatile char deep[8192];
	deep[0] = 1;
	while (!go)
		usleep(1000);
	return (void *)(long)deep[0];
}

static void stacks(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	CHECK(pthread_attr_setstacksize(&a, 64 << 20) == 0);
	limit_address_space(512l << 20);
	pthread_t t[64];
	int n = 0, err = 0;
	while (n < 64 && (err = pthread_create(&t[n], &a, touch_and_wait, NULL)) == 0)
		n++;
	printf("threads with 64 MiB stacks made: %s, then pthread_create: %s\n", n > 0 && n < 64 ? "some" : "?",
	       errname(err));
	go = 1;
	long ok = 0;
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(t[i], &r);
		ok += (long)r;
	}
	printf("they ran and were joined: %s\n", ok == n ? "yes" : "NO");
	pthread_t again;
	err = pthread_create(&again, &a, touch_and_wait, NULL);
	printf("pthread_create after the joins: %s\n", errname(err));
	if (!err)
		pthread_join(again, NULL);
}

static void default_stack(void)
{
	limit_address_space(1l << 30);
	go = 1;
	pthread_t t;
	int err = pthread_create(&t, NULL, touch_and_wait, NULL);
	printf("pthread_create with the default stack: %s\n", errname(err));
	if (!err)
		pthread_join(t, NULL);
}

/* ---- an owner that ends holding its mutexes ---- */

static pthread_mutex_t normal = PTHREAD_MUTEX_INITIALIZER, errck = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP, robust;
static volatile int normal_waiter_got;

static void *owner(void *arg)
{
	CHECK(pthread_mutex_lock(&normal) == 0);
	CHECK(pthread_mutex_lock(&errck) == 0);
	CHECK(pthread_mutex_lock(&robust) == 0);
	usleep(100000); /* the others queue up */
	return arg;       /* holding all three */
}

static void *robust_waiter(void *arg)
{
	int r = pthread_mutex_lock(&robust);
	printf("blocked on the robust mutex: %s\n", errname(r));
	if (r == EOWNERDEAD) {
		printf("pthread_mutex_consistent: %s\n", errname(pthread_mutex_consistent(&robust)));
		printf("unlock: %s\n", errname(pthread_mutex_unlock(&robust)));
	}
	return arg;
}

static void *normal_waiter(void *arg)
{
	normal_waiter_got = pthread_mutex_lock(&normal) == 0 ? 1 : -1; /* never, as natively */
	return arg;
}

static void owner_dies(void)
{
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	CHECK(pthread_mutex_init(&robust, &ma) == 0);
	pthread_t o, rw, nw;
	CHECK(pthread_create(&o, NULL, owner, NULL) == 0);
	usleep(20000);
	CHECK(pthread_create(&rw, NULL, robust_waiter, NULL) == 0);
	CHECK(pthread_create(&nw, NULL, normal_waiter, NULL) == 0);
	pthread_join(o, NULL);
	pthread_join(rw, NULL);
	printf("the next lock of the robust mutex: %s\n", errname(pthread_mutex_lock(&robust)));
	pthread_mutex_unlock(&robust);
	struct timespec ts = in_ms(CLOCK_REALTIME, 200);
	printf("timedlock of the normal mutex: %s\n", errname(pthread_mutex_timedlock(&normal, &ts)));
	printf("trylock of the normal mutex: %s\n", errname(pthread_mutex_trylock(&normal)));
	printf("unlock of the error-checking mutex by another thread: %s\n", errname(pthread_mutex_unlock(&errck)));
	usleep(100000);
	printf("the thread blocked on the normal mutex still waits: %s\n", normal_waiter_got == 0 ? "yes" : "NO");
	fflush(stdout);
	_exit(0); /* it would wait for ever: the process ends with it, as natively */
}

int main(int argc, char **argv)
{
	static const struct part parts[] = { { "stacks", stacks }, { "default_stack", default_stack },
					     { "owner_dies", owner_dies } };
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(20);
	return run_part(argc, argv, parts, 3);
}
