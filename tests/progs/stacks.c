/* Stacks: a thread given 8 MiB with pthread_attr_setstacksize recurses 4 MiB deep; a thread given
 * its own stack with pthread_attr_setstack runs on it; a default thread runs a small frame. */
#include <pthread.h>
#include <stdint.h>
#include "common.h"

static char own[256 * 1024] __attribute__((aligned(64)));

static long deep(int n)
{
	volatile char frame[4096];
	frame[0] = (char)(n & 0x7f);
	return n ? deep(n - 1) + frame[0] : 0;
}

static void *recurse(void *arg)
{
	return (void *)deep(1024); /* 1024 frames of 4 KiB: 4 MiB */
}

static void *where(void *arg)
{
	char here;
	uintptr_t p = (uintptr_t)&here;
	return (void *)(long)(p >= (uintptr_t)own && p < (uintptr_t)own + sizeof(own));
}

static void *small(void *arg)
{
	return (void *)deep(8);
}

static long expected(int n)
{
	long s = 0;
	for (int i = 1; i <= n; i++)
		s += i & 0x7f;
	return s;
}

int main(void)
{
	pthread_attr_t a;
	pthread_t t;
	void *r1, *r2, *r3;
	pthread_attr_init(&a);
	CHECK(pthread_attr_setstacksize(&a, 8 << 20) == 0);
	CHECK(pthread_create(&t, &a, recurse, NULL) == 0 && pthread_join(t, &r1) == 0);
	pthread_attr_init(&a);
	CHECK(pthread_attr_setstack(&a, own, sizeof(own)) == 0);
	CHECK(pthread_create(&t, &a, where, NULL) == 0 && pthread_join(t, &r2) == 0);
	CHECK(pthread_create(&t, NULL, small, NULL) == 0 && pthread_join(t, &r3) == 0);
	printf("deep recursion in 8 MiB: %s; own stack used: %s; small default: %s\n",
	       (long)r1 == expected(1024) ? "ok" : "no", r2 ? "yes" : "no", (long)r3 == expected(8) ? "ok" : "no");
	return 0;
}
