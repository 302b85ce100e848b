/* A minimal unit-test harness: TEST(name) defines a test, RUN_TESTS() in main runs them all in
 * order, each check prints file:line and the values on failure, and the run ends with the
 * "N passed, N failed" line. Every binary is bounded by alarm(30). Runtime tests run inside a
 * green thread (gp_spawn) when they need to park, since the OS thread's own context is the hub's
 * main thread. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt.h"

struct unit_test {
	const char *name;
	void (*fn)(void);
};
static struct unit_test unit_tests[128];
static int unit_count, unit_failed_now;

#define TEST(name)                                                              \
	static void test_##name(void);                                          \
	__attribute__((constructor)) static void reg_##name(void)               \
	{                                                                       \
		unit_tests[unit_count++] = (struct unit_test){ #name, test_##name }; \
	}                                                                       \
	static void test_##name(void)

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #c);    \
			unit_failed_now = 1;                                              \
		}                                                                         \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			printf("  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_); \
			unit_failed_now = 1;                                                       \
		}                                                                                  \
	} while (0)

static inline double unit_ms(void)
{
	return gp_now() / 1e6;
}

static int run_tests(void)
{
	int pass = 0, fail = 0;
	alarm(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < unit_count; i++) {
		unit_failed_now = 0;
		unit_tests[i].fn();
		printf("%s %s\n", unit_failed_now ? "FAIL" : "ok  ", unit_tests[i].name);
		unit_failed_now ? fail++ : pass++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
#define RUN_TESTS() int main(void) { return run_tests(); }

/* Spawn a green thread with default attributes; checks success. */
static inline struct gp_gt *spawn(void *(*fn)(void *), void *arg)
{
	struct gp_gt *t = NULL;
	if (gp_spawn(&t, NULL, fn, arg) != 0) {
		printf("  gp_spawn failed\n");
		unit_failed_now = 1;
	}
	return t;
}

#endif
