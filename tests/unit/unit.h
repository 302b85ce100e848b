/* A minimal unit-test harness for the runtime, no framework.
 *
 *   TEST(name) { ... }                  a test; tests run in the order they appear in the file
 *   CHECK(c), CHECK_EQ(a, b), CHECK_NE, CHECK_STR(a, b), CHECK_RANGE(x, lo, hi)
 *                                       print file:line, the expression and the values on
 *                                       failure, and go on
 *   REQUIRE(c)                          CHECK, then leave the test function on failure (only in
 *                                       the body of a TEST, which returns void)
 *   RUN_TESTS()                         main(): runs the tests, prints "ok name" / "FAIL name"
 *                                       per test and "N passed, N failed" last; exit 1 on failure
 *
 * Each test runs in a forked child (a fresh process: no hub, fd table, stack pool or timer left
 * behind by an earlier test, and a crash or a hang fails that test only). The binary as a whole is
 * bounded by alarm(30); each child by an alarm of 10 s or what is left of the 30, whichever is
 * less, and a child killed by it is reported as a time-limit failure.
 * `UNIT_NOFORK=1` runs everything in one process (for gdb); arguments name the tests to run.
 * Under a slower runner (make valgrind): `UNIT_TIME_SCALE=N` multiplies both time limits, and
 * `UNIT_SKIP="name ..."` skips the named tests (those whose assertions are about timing).
 *
 * The OS thread's own context is the hub's main green thread: a test body may park (join, sleep,
 * lock) and the green threads it spawned run meanwhile. */
#ifndef UNIT_H
#define UNIT_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "rt.h"

#define UNIT_MAX_TESTS 128
#define UNIT_BINARY_SECONDS 30
#define UNIT_TEST_SECONDS 10 /* one test at most, so a hang leaves time for the rest */
#define UNIT_PASS_STATUS 100 /* a child's exit status; anything else is a failure */
#define UNIT_FAIL_STATUS 101

struct unit_test {
	const char *name;
	void (*fn)(void);
	int line;
};
static struct unit_test unit_tests[UNIT_MAX_TESTS];
static int unit_count;
static volatile int unit_failed_now;

static inline void unit_register(const char *name, void (*fn)(void), int line)
{
	if (unit_count == UNIT_MAX_TESTS) {
		fprintf(stderr, "unit.h: more than %d tests\n", UNIT_MAX_TESTS);
		abort();
	}
	unit_tests[unit_count++] = (struct unit_test){ name, fn, line };
}

#define TEST(name)                                                              \
	static void test_##name(void);                                          \
	__attribute__((constructor)) static void unit_reg_##name(void)          \
	{                                                                       \
		unit_register(#name, test_##name, __LINE__);                    \
	}                                                                       \
	static void test_##name(void)

#define UNIT_FAILED(...)                                                        \
	do {                                                                    \
		printf("  %s:%d: ", __FILE__, __LINE__);                        \
		printf(__VA_ARGS__);                                            \
		printf("\n");                                                   \
		unit_failed_now = 1;                                            \
	} while (0)

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			UNIT_FAILED("check failed: %s", #c);                    \
	} while (0)

#define REQUIRE(c)                                                              \
	do {                                                                    \
		if (!(c)) {                                                     \
			UNIT_FAILED("requirement failed: %s (test abandoned)", #c); \
			return;                                                 \
		}                                                               \
	} while (0)

/* Values are compared as 64-bit integers (pointers and GP_NEVER included) and printed both signed
 * and in hex. */
#define UNIT_CMP(a, b, op, sa, sb)                                              \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (!(a_ op b_))                                                \
			UNIT_FAILED("%s %s %s failed: %lld (0x%llx) vs %lld (0x%llx)", sa, #op, sb, \
				    a_, (unsigned long long)a_, b_, (unsigned long long)b_); \
	} while (0)
#define CHECK_EQ(a, b) UNIT_CMP(a, b, ==, #a, #b)
#define CHECK_NE(a, b) UNIT_CMP(a, b, !=, #a, #b)

#define CHECK_STR(a, b)                                                         \
	do {                                                                    \
		const char *a_ = (a), *b_ = (b);                                \
		if (!a_ || !b_ || strcmp(a_, b_))                               \
			UNIT_FAILED("%s == %s failed: \"%s\" vs \"%s\"", #a, #b, \
				    a_ ? a_ : "(null)", b_ ? b_ : "(null)");    \
	} while (0)

/* lo <= x <= hi, as doubles (for timings in ms). */
#define CHECK_RANGE(x, lo, hi)                                                  \
	do {                                                                    \
		double x_ = (double)(x), lo_ = (double)(lo), hi_ = (double)(hi); \
		if (!(x_ >= lo_ && x_ <= hi_))                                  \
			UNIT_FAILED("%s = %g, not in [%g, %g]", #x, x_, lo_, hi_); \
	} while (0)

/* ---- helpers for runtime tests ---- */

#define MS 1000000ull /* ns */

static inline double unit_ms(void)
{
	return gp_now() / 1e6;
}

/* Park the calling green thread for ms milliseconds. */
static inline void sleep_ms(unsigned ms)
{
	gp_sleep_until(gp_deadline_in(ms * MS));
}

/* Spawn a green thread with default attributes; a failure is a test failure (and NULL). */
static inline struct gp_gt *spawn(void *(*fn)(void *), void *arg)
{
	struct gp_gt *t = NULL;
	int r = gp_spawn(&t, NULL, fn, arg);
	if (r != 0) {
		printf("  gp_spawn failed: %d\n", r);
		unit_failed_now = 1;
		return NULL;
	}
	return t;
}

/* Join t and return its result as a long; a join error is a test failure (and LONG_MIN). */
static inline long join(struct gp_gt *t)
{
	void *ret = NULL;
	int r = t ? gp_join(t, &ret, GP_NEVER) : -ESRCH;
	if (r != 0) {
		printf("  gp_join failed: %d\n", r);
		unit_failed_now = 1;
		return LONG_MIN;
	}
	return (long)ret;
}

/* ---- the runner ---- */

static pid_t unit_child;
static const char *unit_running;
static int unit_pass, unit_fail;

static int unit_scale(void)
{
	const char *s = getenv("UNIT_TIME_SCALE");
	int n = s ? atoi(s) : 1;
	return n > 0 ? n : 1;
}

/* Named in UNIT_SKIP (space-separated)? */
static int unit_skipped(const char *name)
{
	const char *s = getenv("UNIT_SKIP");
	size_t n = strlen(name);
	for (const char *p = s ? strstr(s, name) : NULL; p; p = strstr(p + 1, name))
		if ((p == s || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return 1;
	return 0;
}

static void unit_on_alarm(int sig)
{
	(void)sig;
	if (unit_child > 0)
		kill(unit_child, SIGKILL);
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "FAIL %s (the binary's %d s time limit ran out)\n%d passed, %d failed\n",
			 unit_running ? unit_running : "?", UNIT_BINARY_SECONDS * unit_scale(), unit_pass,
			 unit_fail + 1);
	(void)!write(1, buf, (size_t)n);
	_exit(1);
}

static int unit_by_line(const void *a, const void *b)
{
	return ((const struct unit_test *)a)->line - ((const struct unit_test *)b)->line;
}

static int unit_selected(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

/* Run one test; 1 if it passed. */
static int unit_run_one(const struct unit_test *t, int nofork, time_t end, char *why, size_t whylen)
{
	unit_failed_now = 0;
	why[0] = 0;
	if (nofork) {
		t->fn();
		return !unit_failed_now;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, " (fork: %s)", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL); /* the child dies of its alarm; the parent reports it */
		long left = (long)(end - time(NULL)) - 1, most = UNIT_TEST_SECONDS * unit_scale();
		alarm(left > most ? (unsigned)most : left > 1 ? (unsigned)left : 1);
		t->fn();
		fflush(stdout);
		fflush(stderr);
		_exit(unit_failed_now ? UNIT_FAIL_STATUS : UNIT_PASS_STATUS);
	}
	unit_child = pid;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	unit_child = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == UNIT_PASS_STATUS)
		return 1;
	if (WIFSIGNALED(st))
		snprintf(why, whylen, " (killed by signal %d, %s%s)", WTERMSIG(st), strsignal(WTERMSIG(st)),
			 WTERMSIG(st) == SIGALRM ? ": time limit" : "");
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != UNIT_FAIL_STATUS)
		snprintf(why, whylen, " (exited with status %d before the test ended)", WEXITSTATUS(st));
	return 0;
}

static int run_tests(int argc, char **argv)
{
	int nofork = getenv("UNIT_NOFORK") && *getenv("UNIT_NOFORK") == '1';
	time_t end = time(NULL) + UNIT_BINARY_SECONDS * unit_scale();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, unit_on_alarm);
	alarm((unsigned)(UNIT_BINARY_SECONDS * unit_scale()));
	qsort(unit_tests, (size_t)unit_count, sizeof(unit_tests[0]), unit_by_line);
	for (int i = 0; i < unit_count; i++) {
		const struct unit_test *t = &unit_tests[i];
		if (!unit_selected(argc, argv, t->name))
			continue;
		if (unit_skipped(t->name)) {
			printf("skip %s (UNIT_SKIP)\n", t->name);
			continue;
		}
		char why[160];
		unit_running = t->name;
		int ok = unit_run_one(t, nofork, end, why, sizeof(why));
		if (ok) {
			unit_pass++;
			printf("ok %s\n", t->name);
		} else {
			unit_fail++;
			printf("FAIL %s%s\n", t->name, why);
		}
	}
	printf("%d passed, %d failed\n", unit_pass, unit_fail);
	return unit_fail != 0;
}

#define RUN_TESTS() \
	int main(int argc, char **argv) { return run_tests(argc, argv); }

#endif
