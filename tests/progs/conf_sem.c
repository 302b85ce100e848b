/* Conformance of unnamed POSIX semaphores, printed for comparison with the native run:
 * sem_init (value limits), wait, trywait (EAGAIN), timedwait (ETIMEDOUT, EINVAL for a bad
 * tv_nsec only when it would block), clockwait on both clocks (EINVAL for a bad clock), post
 * (EOVERFLOW at SEM_VALUE_MAX), getvalue, destroy; a timed wait woken by a post; N posts waking
 * exactly N of 5 waiters; 10,000 units between 2 producers and 2 consumers; sem_post from a
 * SIGALRM handler waking a thread blocked in sem_wait. Every wait is bounded. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

/* "0" or "-1 ERRNO" for a call returning -1 with errno. */
static const char *rs(int r)
{
	static char buf[8][24];
	static int n;
	if (r == 0)
		return "0";
	n = (n + 1) % 8;
	snprintf(buf[n], sizeof(buf[n]), "%d %s", r, errname(errno));
	return buf[n];
}

static int value(sem_t *s)
{
	int v = -12345;
	sem_getvalue(s, &v);
	return v;
}

static void basics(void)
{
	sem_t s;
	struct timespec ts;
	double t0;
	int r;
	errno = 0;
	printf("sem_init: value 0 %s", rs(sem_init(&s, 0, 0)));
	sem_destroy(&s);
	printf(", SEM_VALUE_MAX %s", rs(sem_init(&s, 0, SEM_VALUE_MAX)));
	printf(" (getvalue is SEM_VALUE_MAX %d)", value(&s) == SEM_VALUE_MAX);
	errno = 0;
	r = sem_post(&s);
	printf(", post at SEM_VALUE_MAX %s (still max %d)", rs(r), value(&s) == SEM_VALUE_MAX);
	sem_destroy(&s);
	errno = 0;
	r = sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1);
	printf(", SEM_VALUE_MAX+1 %s\n", rs(r));

	CHECK(sem_init(&s, 0, 2) == 0);
	printf("value 2: getvalue %d", value(&s));
	printf(", wait %s", rs(sem_wait(&s)));
	printf(", trywait %s", rs(sem_trywait(&s)));
	errno = 0;
	r = sem_trywait(&s);
	printf(", trywait at 0 %s", rs(r));
	printf(", getvalue %d\n", value(&s));

	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	errno = 0;
	r = sem_timedwait(&s, &ts);
	printf("at 0: timedwait +50ms %s waited>=45 %d", rs(r), now_ms() - t0 >= 45);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	t0 = now_ms();
	errno = 0;
	r = sem_clockwait(&s, CLOCK_MONOTONIC, &ts);
	printf(", clockwait MONOTONIC +50ms %s waited>=45 %d", rs(r), now_ms() - t0 >= 45);
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	errno = 0;
	r = sem_clockwait(&s, CLOCK_REALTIME, &ts);
	printf(", clockwait REALTIME +50ms %s waited>=45 %d\n", rs(r), now_ms() - t0 >= 45);

	ts = in_ms(CLOCK_MONOTONIC, 50);
	errno = 0;
	r = sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &ts);
	printf("at 0: clockwait PROCESS_CPUTIME_ID %s", rs(r));
	ts = in_ms(CLOCK_REALTIME, 50);
	ts.tv_nsec = 1000000000L;
	errno = 0;
	r = sem_timedwait(&s, &ts);
	printf(", timedwait tv_nsec=1000000000 %s", rs(r));
	ts.tv_nsec = -1;
	errno = 0;
	r = sem_timedwait(&s, &ts);
	printf(", tv_nsec=-1 %s", rs(r));
	ts = in_ms(CLOCK_REALTIME, 0);
	ts.tv_sec -= 10;
	errno = 0;
	r = sem_timedwait(&s, &ts);
	printf(", 10 s in the past %s", rs(r));
	ts = (struct timespec){ -1, 0 };
	errno = 0;
	r = sem_timedwait(&s, &ts);
	printf(", tv_sec=-1 %s\n", rs(r));

	/* available: the timespec is not looked at, except the clock */
	sem_post(&s);
	ts = in_ms(CLOCK_REALTIME, 0);
	ts.tv_nsec = 1000000000L;
	printf("at 1: timedwait tv_nsec=1000000000 %s", rs(sem_timedwait(&s, &ts)));
	sem_post(&s);
	ts = in_ms(CLOCK_REALTIME, 0);
	ts.tv_sec -= 10;
	printf(", 10 s in the past %s", rs(sem_timedwait(&s, &ts)));
	sem_post(&s);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	errno = 0;
	r = sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &ts);
	printf(", clockwait PROCESS_CPUTIME_ID %s", rs(r));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	errno = 0;
	r = sem_clockwait(&s, CLOCK_MONOTONIC, &ts);
	printf(", clockwait MONOTONIC %s, getvalue %d\n", rs(r), value(&s));
	if (value(&s) > 0)
		sem_trywait(&s);
	printf("post %s", rs(sem_post(&s)));
	printf(", post %s", rs(sem_post(&s)));
	printf(", getvalue %d", value(&s));
	printf(", destroy %s\n", rs(sem_destroy(&s)));
}

/* ---- waking ---- */

static sem_t ws;
static int got, timed_out;
static volatile int in_wait;

static void *timed_waiter(void *arg)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, (int)(long)arg);
	__atomic_fetch_add(&in_wait, 1, __ATOMIC_SEQ_CST);
	int r;
	while ((r = sem_timedwait(&ws, &ts)) == -1 && errno == EINTR)
		;
	if (r == 0)
		__atomic_fetch_add(&got, 1, __ATOMIC_SEQ_CST);
	else if (errno == ETIMEDOUT)
		__atomic_fetch_add(&timed_out, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void waking(void)
{
	pthread_t t[5];
	CHECK(sem_init(&ws, 0, 0) == 0);
	double t0 = now_ms();
	CHECK(pthread_create(&t[0], NULL, timed_waiter, (void *)3000L) == 0);
	usleep(30000);
	sem_post(&ws);
	pthread_join(t[0], NULL);
	printf("timedwait +3s, posted after 30 ms: got %d, quick %d\n", got, now_ms() - t0 < 1500);

	got = timed_out = in_wait = 0;
	for (int i = 0; i < 5; i++)
		CHECK(pthread_create(&t[i], NULL, timed_waiter, (void *)400L) == 0);
	for (int i = 0; i < 2000 && in_wait < 5; i++)
		usleep(1000);
	usleep(30000);
	printf("5 waiters: getvalue %d", value(&ws));
	for (int i = 0; i < 3; i++)
		sem_post(&ws);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf(", 3 posts: got %d, timed out %d, getvalue after %d\n", got, timed_out, value(&ws));
	sem_destroy(&ws);
}

/* ---- producers and consumers ---- */

#define UNITS 10000
#define CAP 16
static sem_t items, slots;
static pthread_mutex_t ring_m = PTHREAD_MUTEX_INITIALIZER;
static int ring[CAP], rhead, rcount;
static long consumed_sum, consumed_n;
static int pc_timeouts;

static int wait_3s(sem_t *s)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
	int r;
	while ((r = sem_timedwait(s, &ts)) == -1 && errno == EINTR)
		;
	if (r != 0)
		__atomic_fetch_add(&pc_timeouts, 1, __ATOMIC_SEQ_CST);
	return r;
}

static void *producer(void *arg)
{
	long base = (long)arg; /* 0 or UNITS/2 */
	for (int i = 1; i <= UNITS / 2; i++) {
		if (wait_3s(&slots) != 0)
			return NULL;
		pthread_mutex_lock(&ring_m);
		ring[(rhead + rcount++) % CAP] = (int)(base + i);
		pthread_mutex_unlock(&ring_m);
		sem_post(&items);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	for (int i = 0; i < UNITS / 2; i++) {
		if (wait_3s(&items) != 0)
			return NULL;
		pthread_mutex_lock(&ring_m);
		consumed_sum += ring[rhead];
		consumed_n++;
		rhead = (rhead + 1) % CAP;
		rcount--;
		pthread_mutex_unlock(&ring_m);
		sem_post(&slots);
	}
	return NULL;
}

static void producers_consumers(void)
{
	pthread_t t[4];
	CHECK(sem_init(&items, 0, 0) == 0 && sem_init(&slots, 0, CAP) == 0);
	CHECK(pthread_create(&t[0], NULL, consumer, NULL) == 0);
	CHECK(pthread_create(&t[1], NULL, consumer, NULL) == 0);
	CHECK(pthread_create(&t[2], NULL, producer, (void *)0L) == 0);
	CHECK(pthread_create(&t[3], NULL, producer, (void *)(long)(UNITS / 2)) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("2 producers, 2 consumers, %d units through %d slots: consumed %ld, sum %ld (expected %ld), timeouts %d, slots %d, items %d\n",
	       UNITS, CAP, consumed_n, consumed_sum, (long)UNITS * (UNITS + 1) / 2, pc_timeouts, value(&slots), value(&items));
	sem_destroy(&items);
	sem_destroy(&slots);
}

/* ---- sem_post from a signal handler ---- */

static sem_t sig_sem;
static volatile sig_atomic_t handler_ran;
static volatile int sig_waiting, sig_done, fallback;

static void on_alarm(int sig)
{
	handler_ran = 1;
	sem_post(&sig_sem); /* async-signal-safe */
}

static void *sig_waiter(void *arg)
{
	sig_waiting = 1;
	int r;
	while ((r = sem_wait(&sig_sem)) == -1 && errno == EINTR) /* the handler may run in this thread */
		;
	sig_done = r == 0 ? 1 : -1;
	return NULL;
}

static void *late_poster(void *arg)
{
	for (int i = 0; i < 2000 && !sig_done; i++) /* ends the wait after 2 s if nothing else did */
		usleep(1000);
	if (!sig_done) {
		fallback = 1;
		sem_post(&sig_sem);
	}
	return NULL;
}

static void from_handler(void)
{
	pthread_t w, l;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(sem_init(&sig_sem, 0, 0) == 0);
	CHECK(pthread_create(&w, NULL, sig_waiter, NULL) == 0);
	CHECK(pthread_create(&l, NULL, late_poster, NULL) == 0);
	for (int i = 0; i < 2000 && !sig_waiting; i++)
		usleep(1000);
	usleep(20000); /* blocked in sem_wait */
	struct itimerval it = { { 0, 0 }, { 0, 100000 } }; /* once, in 100 ms (replaces the watchdog) */
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	for (int i = 0; i < 3000 && !sig_done; i++)
		usleep(1000);
	pthread_join(l, NULL);
	if (sig_done)
		pthread_join(w, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(20); /* the watchdog again */
	printf("sem_post from a SIGALRM handler: handler ran %d, the blocked sem_wait returned 0 %d, needed the late post %d, getvalue %d\n",
	       handler_ran, sig_done == 1, fallback, value(&sig_sem));
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	basics();
	waking();
	producers_consumers();
	from_handler();
	return 0;
}
