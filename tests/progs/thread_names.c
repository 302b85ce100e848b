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
	pthread_attr_t attr;
	cpu_set_t set;
	int policy;
	struct sched_param sp;
	printf("getattr_np %d, getaffinity %d, getschedparam %d\n", pthread_getattr_np(pthread_self(), &attr),
	       pthread_getaffinity_np(pthread_self(), sizeof(set), &set), pthread_getschedparam(pthread_self(), &policy, &sp));
	return 0;
}
