/* Calls that name a thread, on a green thread: names per thread, pthread_kill(t, 0), attributes,
 * affinity and scheduling queries answer without crashing, and identically to the native run. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include "common.h"

static void *named(void *arg)
{
	char buf[16];
	CHECK(pthread_setname_np(pthread_self(), (const char *)arg) == 0);
	usleep(10000);
	CHECK(pthread_getname_np(pthread_self(), buf, sizeof(buf)) == 0);
	return (void *)(long)(strcmp(buf, (const char *)arg) == 0);
}

/* The stack pthread_getattr_np reports holds this very frame, and is at least what was asked. */
static void *stack_check(void *arg)
{
	pthread_attr_t a;
	void *base;
	size_t size;
	char here;
	CHECK(pthread_getattr_np(pthread_self(), &a) == 0);
	CHECK(pthread_attr_getstack(&a, &base, &size) == 0);
	pthread_attr_destroy(&a);
	return (void *)(long)(&here >= (char *)base && &here < (char *)base + size && size >= 256 * 1024);
}

static void *quick(void *arg)
{
	char buf[16];
	CHECK(pthread_getname_np(pthread_self(), buf, sizeof(buf)) == 0);
	printf("a new thread starts with its creator's name: %s\n", buf);
	return arg;
}

int main(void)
{
	pthread_t a, b, c;
	void *ra, *rb;
	CHECK(pthread_create(&a, NULL, named, "worker-a") == 0);
	CHECK(pthread_create(&b, NULL, named, "worker-b") == 0);
	pthread_join(a, &ra), pthread_join(b, &rb);
	printf("names kept per thread: %d %d\n", (int)(long)ra, (int)(long)rb);
	char buf[16];
	int too_long = pthread_setname_np(pthread_self(), "0123456789abcdefg");
	int small = pthread_getname_np(pthread_self(), buf, 2);
	CHECK(pthread_getname_np(pthread_self(), buf, sizeof(buf)) == 0);
	printf("setname too long -> %d, getname small buffer -> %d, main's name %s\n", too_long, small, buf);
	CHECK(pthread_create(&c, NULL, quick, NULL) == 0);
	usleep(10000);
	printf("pthread_kill(t, 0): running self %d, ended unjoined %d\n", pthread_kill(pthread_self(), 0),
	       pthread_kill(c, 0));
	pthread_join(c, NULL);
	pthread_attr_t big;
	void *ok;
	pthread_attr_init(&big);
	pthread_attr_setstacksize(&big, 512 * 1024);
	CHECK(pthread_create(&c, &big, stack_check, NULL) == 0);
	pthread_join(c, &ok);
	printf("getattr_np of a thread: its stack holds its frames %d\n", (int)(long)ok);
	pthread_attr_t attr;
	cpu_set_t set;
	int policy;
	struct sched_param sp;
	printf("getattr_np %d, getaffinity %d, getschedparam %d\n", pthread_getattr_np(pthread_self(), &attr),
	       pthread_getaffinity_np(pthread_self(), sizeof(set), &set), pthread_getschedparam(pthread_self(), &policy, &sp));
	return 0;
}
