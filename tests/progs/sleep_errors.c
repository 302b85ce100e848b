/* Error cases of the sleep calls, printed so the native and preloaded runs can be compared. */
#include <errno.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static void show(const char *what, long r, int err)
{
	printf("%s -> %ld %s\n", what, r, r < 0 ? strerror(err) : "");
}

int main(void)
{
	struct timespec bad_ns = { 0, 1000000000L }, neg = { -1, 0 }, zero = { 0, 0 };
	long r; /* each result is taken before errno is read: argument order is unspecified */
	errno = 0;
	r = nanosleep(&bad_ns, NULL);
	show("nanosleep(nsec=1e9)", r, errno);
	r = nanosleep(&neg, NULL);
	show("nanosleep(sec=-1)", r, errno);
	r = nanosleep(&zero, NULL);
	show("nanosleep(0)", r, errno);
	printf("clock_nanosleep(nsec=1e9) -> %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_ns, NULL));
	printf("clock_nanosleep(sec=-1) -> %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &neg, NULL));
	printf("clock_nanosleep(abs past) -> %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &zero, NULL));
	printf("clock_nanosleep(bad clock) -> %d\n", clock_nanosleep(12345, 0, &zero, NULL));
	printf("clock_nanosleep(thread cputime) -> %d\n",
	       clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &zero, NULL));
	printf("thrd_sleep(nsec=1e9) -> %d\n", thrd_sleep(&bad_ns, NULL));
	printf("thrd_sleep(0) -> %d\n", thrd_sleep(&zero, NULL));
	printf("usleep(0) -> %d\n", usleep(0));
	printf("sleep(0) -> %u\n", sleep(0));
	return 0;
}
