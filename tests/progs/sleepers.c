/* N threads each sleep MS milliseconds with the named call; prints the OS thread count seen while
 * they sleep and the elapsed time. usage: sleepers N MS usleep|nanosleep|clock_rel|clock_abs|clock_absmono|sleep|select|poll */
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <unistd.h>
#include "common.h"

static int ms;
static const char *how;

static void *sleeper(void *arg)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	if (!strcmp(how, "usleep"))
		CHECK(usleep((useconds_t)ms * 1000) == 0);
	else if (!strcmp(how, "nanosleep"))
		CHECK(nanosleep(&ts, NULL) == 0);
	else if (!strcmp(how, "clock_rel"))
		CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	else if (!strcmp(how, "clock_abs") || !strcmp(how, "clock_absmono")) {
		clockid_t clk = !strcmp(how, "clock_abs") ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		struct timespec abs = in_ms(clk, ms);
		CHECK(clock_nanosleep(clk, TIMER_ABSTIME, &abs, NULL) == 0);
	} else if (!strcmp(how, "sleep"))
		CHECK(sleep((unsigned)(ms / 1000)) == 0);
	else if (!strcmp(how, "select")) {
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
		CHECK(select(0, NULL, NULL, NULL, &tv) == 0);
	} else if (!strcmp(how, "poll"))
		CHECK(poll(NULL, 0, ms) == 0);
	else
		CHECK(!"unknown sleep call");
	return arg;
}

int main(int argc, char **argv)
{
	CHECK(argc == 4);
	int n = atoi(argv[1]);
	ms = atoi(argv[2]), how = argv[3];
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	double t0 = now_ms();
	for (int i = 0; i < n; i++)
		CHECK(pthread_create(&t[i], NULL, sleeper, NULL) == 0);
	long threads = os_threads();
	for (int i = 0; i < n; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("threads=%d os_threads=%ld elapsed_ms=%.0f\n", n, threads, now_ms() - t0);
	return 0;
}
