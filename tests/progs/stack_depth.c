/* A thread created without a stack size recurses KIB kibibytes deep (1 KiB frames) and says so:
 * whether that fits shows the default stack size of new threads (natively 8 MiB; under greenpatch
 * GREENPATCH_STACK_SIZE). usage: stack_depth KIB */
#include <pthread.h>
#include "common.h"

static long depth(long kib)
{
	volatile char frame[1000];
	frame[0] = (char)kib;
	if (kib <= 1)
		return frame[0];
	return depth(kib - 1) + frame[0] - (char)kib + 1; /* not a tail call */
}

static void *run(void *arg)
{
	return (void *)depth((long)arg);
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	long kib = atol(argv[1]);
	pthread_t t;
	void *r;
	CHECK(pthread_create(&t, NULL, run, (void *)kib) == 0);
	CHECK(pthread_join(t, &r) == 0);
	printf("recursed %ld KiB deep: %s\n", kib, (long)r == kib ? "ok" : "wrong");
	return 0;
}
