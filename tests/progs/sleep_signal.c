/* A signal handler (installed without SA_RESTART) cuts sleeps short: each call is interrupted
 * 200 ms into a 2-3 s sleep by SIGALRM and must report EINTR and the time left, as natively. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <threads.h>
#include <unistd.h>
#include "common.h"

static volatile int alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void arm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static int left_ok(const struct timespec *rem, double lo, double hi)
{
	double s = rem->tv_sec + rem->tv_nsec / 1e9;
	return s > lo && s < hi;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct timespec two = { 2, 0 }, rem = { 0, 0 };
	double t0 = now_ms();
	arm();
	int r = nanosleep(&two, &rem);
	int e = errno;
	printf("nanosleep: %d %s, time left about 1.8 s: %d\n", r, strerror(e), left_ok(&rem, 1.5, 1.95));
	arm();
	printf("sleep(3) returns %u\n", sleep(3));
	arm();
	rem = (struct timespec){ 0, 0 };
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &two, &rem);
	printf("clock_nanosleep: %s, time left about 1.8 s: %d\n", strerror(r), left_ok(&rem, 1.5, 1.95));
	arm();
	r = usleep(2000000);
	e = errno;
	printf("usleep: %d %s\n", r, strerror(e));
	arm();
	printf("thrd_sleep: %d\n", thrd_sleep(&two, NULL));
	printf("alarms %d, all within 3 s: %d\n", alarms, now_ms() - t0 < 3000);
	return 0;
}
