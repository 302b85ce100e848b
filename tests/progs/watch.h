/* Shared by the select/os/disk/signal programs (sel_*, osfd_*, disk_*, sig_*): a watchdog, a
 * heartbeat that measures windows, and result strings. Nothing here knows about greenpatch.
 *
 * watchdog(secs): stdout becomes line-buffered (every line printed survives) and a POSIX timer
 * sends SIGKILL after secs seconds, so a wait that never ends (a library that blocks the only
 * OS thread) shows as exit status 137 after the lines printed so far, instead of a hang. SIGKILL
 * cannot be caught or blocked, so it works whatever the program does with its signals.
 *
 * beat_start() starts a heartbeat thread (every catchable signal blocked in it, so it never takes
 * a signal meant for the program's own threads) that sleeps 10 ms per tick. beat_begin() opens a
 * window, beat_end(label) closes it and prints one line
 *   hb: LABEL ticks=N max_gap_ms=X os_threads=N
 * with the ticks counted in the window, the longest time the heartbeat went without a tick (the
 * gap still open when the window closes included) and the most OS threads seen during it. Those
 * figures differ natively (more OS threads, scheduler noise): tests leave the "hb:" lines out of
 * the comparison with the native run and check them on their own. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include "common.h"

__attribute__((unused)) static void watchdog(int secs)
{
	static timer_t t;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL };
	struct itimerspec its = { { 0, 0 }, { secs, 0 } };
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
	CHECK(timer_settime(t, 0, &its, NULL) == 0);
}

static volatile int beat_stop, beat_on;
static volatile long beat_ticks, beat_threads;
static volatile double beat_last, beat_gap;
static pthread_t beat_thread;

static void *beat_run(void *arg)
{
	while (!beat_stop) {
		usleep(10000);
		double t = now_ms();
		if (beat_on) {
			if (t - beat_last > beat_gap)
				beat_gap = t - beat_last;
			beat_ticks = beat_ticks + 1;
			long n = os_threads();
			if (n > beat_threads)
				beat_threads = n;
		}
		beat_last = t;
	}
	return arg;
}

/* pthread_create with every catchable signal blocked in the new thread from its first instruction
 * (the creator's mask is kept). */
__attribute__((unused)) static void start_masked(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	CHECK(pthread_sigmask(SIG_BLOCK, &all, &old) == 0);
	CHECK(pthread_create(t, NULL, fn, arg) == 0);
	CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

__attribute__((unused)) static void beat_start(void)
{
	beat_last = now_ms();
	start_masked(&beat_thread, beat_run, NULL);
	usleep(30000); /* let it start ticking */
}

__attribute__((unused)) static void beat_begin(void)
{
	beat_gap = 0;
	beat_ticks = 0;
	beat_threads = os_threads();
	beat_last = now_ms();
	beat_on = 1;
}

__attribute__((unused)) static void beat_end(const char *label)
{
	double t = now_ms();
	long n = os_threads();
	beat_on = 0;
	if (t - beat_last > beat_gap)
		beat_gap = t - beat_last;
	if (n > beat_threads)
		beat_threads = n;
	printf("hb: %s ticks=%ld max_gap_ms=%.0f os_threads=%ld\n", label, beat_ticks, beat_gap, beat_threads);
}

__attribute__((unused)) static void beat_finish(void)
{
	beat_stop = 1;
	pthread_join(beat_thread, NULL);
}

/* A call's result for output compared with the native run: "N" when it did not fail, "-1 ENAME"
 * when it returned -1 (errno is read at once: call it right after the call). */
__attribute__((unused)) static const char *res(long r)
{
	static char buf[16][32];
	static int n;
	int e = errno;
	n = (n + 1) % 16;
	if (r == -1)
		snprintf(buf[n], sizeof(buf[n]), "-1 %s", errname(e));
	else
		snprintf(buf[n], sizeof(buf[n]), "%ld", r);
	return buf[n];
}

/* later_start(acts, n): a helper thread (every signal blocked in it) that runs each action
 * at its time, in milliseconds from the start, in order: a signal, a byte written, a post. Until
 * later_stop() cancels the rest, joins it and returns how many actions ran. One at a time. */
struct later {
	int at_ms;
	void (*fn)(long);
	long arg;
};
static struct later later_acts[8];
static int later_n, later_cancelled;
static double later_t0;
static pthread_mutex_t later_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t later_c;
static pthread_t later_thread;

static void *later_run(void *arg)
{
	long ran = 0;
	CHECK(pthread_mutex_lock(&later_m) == 0);
	for (int i = 0; i < later_n && !later_cancelled; i++) {
		double at = later_t0 + later_acts[i].at_ms;
		while (!later_cancelled && now_ms() < at) {
			struct timespec ts = in_ms(CLOCK_MONOTONIC, (int)(at - now_ms()) + 1);
			pthread_cond_timedwait(&later_c, &later_m, &ts);
		}
		if (later_cancelled)
			break;
		CHECK(pthread_mutex_unlock(&later_m) == 0);
		later_acts[i].fn(later_acts[i].arg);
		ran++;
		CHECK(pthread_mutex_lock(&later_m) == 0);
	}
	CHECK(pthread_mutex_unlock(&later_m) == 0);
	return (void *)ran;
}

__attribute__((unused)) static void later_start(const struct later *acts, int n)
{
	static int inited;
	if (!inited) {
		pthread_condattr_t a;
		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		CHECK(pthread_cond_init(&later_c, &a) == 0);
		inited = 1;
	}
	CHECK(n <= 8);
	memcpy(later_acts, acts, n * sizeof(*acts));
	later_n = n;
	later_cancelled = 0;
	later_t0 = now_ms();
	start_masked(&later_thread, later_run, NULL);
}

__attribute__((unused)) static long later_stop(void)
{
	void *ran;
	CHECK(pthread_mutex_lock(&later_m) == 0);
	later_cancelled = 1;
	CHECK(pthread_cond_broadcast(&later_c) == 0);
	CHECK(pthread_mutex_unlock(&later_m) == 0);
	CHECK(pthread_join(later_thread, &ran) == 0);
	return (long)ran;
}

/* in_thread(label, fn, acts, n): fn runs in a thread of its own (to block in the call under
 * test) while the helper runs acts (the events that end its wait); main waits in pthread_join.
 * A heartbeat window labelled label covers it all (beat_start first). */
__attribute__((unused)) static void in_thread(const char *label, void *(*fn)(void *), const struct later *acts,
					      int n)
{
	pthread_t t;
	later_start(acts, n);
	beat_begin();
	CHECK(pthread_create(&t, NULL, fn, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	beat_end(label);
	later_stop();
}

/* Actions for later_start. */
__attribute__((unused)) static void act_write(long fd)
{
	CHECK(write((int)fd, "x", 1) == 1);
}
