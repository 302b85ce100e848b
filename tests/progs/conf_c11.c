/* Conformance of C11 <threads.h>, printed for comparison with the native run: thrd_create, join
 * with the int result, thrd_exit from a nested call, detach, current, equal, yield, thrd_sleep
 * (with the remaining time after a signal), mtx_init of every type, mtx_trylock thrd_busy,
 * mtx_timedlock thrd_timedout, cnd_wait/cnd_timedwait/signal/broadcast, tss with destructors at
 * thread exit, call_once with 10 threads. Every wait is bounded. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <threads.h>
#include <unistd.h>
#include "common.h"

static const char *rn(int r)
{
	switch (r) {
	case thrd_success: return "thrd_success";
	case thrd_busy: return "thrd_busy";
	case thrd_error: return "thrd_error";
	case thrd_nomem: return "thrd_nomem";
	case thrd_timedout: return "thrd_timedout";
	}
	static char buf[16];
	snprintf(buf, sizeof(buf), "%d", r);
	return buf;
}

static struct timespec utc_in_ms(int ms)
{
	struct timespec ts;
	timespec_get(&ts, TIME_UTC);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static void sleep_ms(int ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	while (thrd_sleep(&d, &d) == -1)
		;
}

/* ---- threads ---- */

static thrd_t created_id;
static int current_matches;
static volatile int detached_ran;

static volatile int id_ready;

static int returns_42(void *arg)
{
	for (int i = 0; i < 2000 && !id_ready; i++) /* the creator stores the id first */
		usleep(1000);
	current_matches = thrd_equal(thrd_current(), created_id) != 0;
	return 42;
}

static void nested_exit(int v)
{
	thrd_exit(v);
}

static int exits_7(void *arg)
{
	nested_exit(7);
	return 0; /* not reached */
}

static int detached(void *arg)
{
	sleep_ms(10);
	detached_ran = 1;
	return 0;
}

static int yielder(void *arg)
{
	for (int i = 0; i < 100; i++)
		thrd_yield();
	return (int)(long)arg;
}

static void on_alarm(int sig)
{
}

static void threads(void)
{
	thrd_t t;
	int res = -1;
	int r = thrd_create(&t, returns_42, NULL);
	created_id = t;
	id_ready = 1;
	int j = thrd_join(t, &res);
	printf("thrd_create %s, join %s result %d, thrd_current in it equals the created id %d\n", rn(r), rn(j), res,
	       current_matches);
	res = -1;
	r = thrd_create(&t, exits_7, NULL);
	j = thrd_join(t, &res);
	printf("thrd_exit(7) from a nested call: create %s, join %s result %d\n", rn(r), rn(j), res);
	r = thrd_create(&t, yielder, (void *)5L);
	j = thrd_join(t, NULL);
	printf("join with a NULL result: %s\n", rn(j));
	r = thrd_create(&t, detached, NULL);
	printf("thrd_detach %s", rn(thrd_detach(t)));
	for (int i = 0; i < 2000 && !detached_ran; i++)
		usleep(1000);
	printf(", the detached thread ran %d\n", detached_ran);
	thrd_t t2;
	thrd_create(&t, yielder, (void *)1L);
	thrd_create(&t2, yielder, (void *)2L);
	int r1 = -1, r2 = -1;
	thrd_join(t, &r1);
	thrd_join(t2, &r2);
	printf("two yielding threads: results %d %d, equal(current, current) %d, equal(t, t2) %d\n", r1, r2,
	       thrd_equal(thrd_current(), thrd_current()) != 0, thrd_equal(t, t2) != 0);

	struct timespec d = { 0, 50000000L }, rem = { 9, 9 };
	double t0 = now_ms();
	r = thrd_sleep(&d, &rem);
	printf("thrd_sleep 50 ms: %d, waited>=45 %d\n", r, now_ms() - t0 >= 45);
	d.tv_nsec = 1000000000L;
	printf("thrd_sleep tv_nsec=1000000000: %d\n", thrd_sleep(&d, NULL));

	/* only main runs now: the process-directed SIGALRM interrupts its sleep */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL); /* replaces the watchdog for a moment */
	d = (struct timespec){ 1, 0 };
	rem = (struct timespec){ 0, 0 };
	t0 = now_ms();
	r = thrd_sleep(&d, &rem);
	double left = rem.tv_sec + rem.tv_nsec / 1e9;
	printf("thrd_sleep 1 s, SIGALRM after 100 ms: %d, returned before 700 ms %d, remaining 0.5-0.95 s %d\n", r,
	       now_ms() - t0 < 700, left > 0.5 && left < 0.95);
	signal(SIGALRM, SIG_DFL);
	alarm(20);
}

/* ---- mutexes ---- */

static mtx_t *target;

static int other_trylock(void *arg)
{
	int r = mtx_trylock(target);
	if (r == thrd_success)
		mtx_unlock(target);
	return r;
}

static int other_timedlock(void *arg)
{
	struct timespec ts = utc_in_ms(50);
	double t0 = now_ms();
	int r = mtx_timedlock(target, &ts);
	if (r == thrd_success)
		mtx_unlock(target);
	if (r == thrd_timedout && now_ms() - t0 < 45)
		r = 100; /* too early */
	return r;
}

static int in_other(thrd_start_t fn, mtx_t *m)
{
	thrd_t t;
	int res = -1;
	target = m;
	CHECK(thrd_create(&t, fn, NULL) == thrd_success);
	CHECK(thrd_join(t, &res) == thrd_success);
	return res;
}

static void one_type(const char *name, int type, int recursive, int timed)
{
	mtx_t m;
	int r = mtx_init(&m, type);
	printf("mtx_init(%s) %s", name, rn(r));
	if (r != thrd_success) {
		printf("\n");
		return;
	}
	printf(", lock %s", rn(mtx_lock(&m)));
	int held = 1;
	r = mtx_trylock(&m);
	held += r == thrd_success;
	printf(", trylock %s", rn(r));
	if (recursive) {
		r = mtx_lock(&m);
		held += r == thrd_success;
		printf(", lock again %s", rn(r));
	}
	printf(", other trylock %s", rn(in_other(other_trylock, &m)));
	if (timed)
		printf(", other timedlock +50ms %s", rn(in_other(other_timedlock, &m)));
	int unlocks = 0;
	while (unlocks < held && mtx_unlock(&m) == thrd_success)
		unlocks++;
	printf(", unlocks %d, other trylock after %s\n", unlocks, rn(in_other(other_trylock, &m)));
	mtx_destroy(&m);
}

static mtx_t hm;
static volatile int h_locked;

static int hold_30ms(void *arg)
{
	mtx_lock(&hm);
	h_locked = 1;
	sleep_ms(30);
	mtx_unlock(&hm);
	return 0;
}

static void mutexes(void)
{
	one_type("mtx_plain", mtx_plain, 0, 0);
	one_type("mtx_timed", mtx_timed, 0, 1);
	one_type("mtx_plain|mtx_recursive", mtx_plain | mtx_recursive, 1, 0);
	one_type("mtx_timed|mtx_recursive", mtx_timed | mtx_recursive, 1, 1);
	one_type("mtx_recursive", mtx_recursive, 1, 0);
	one_type("99", 99, 0, 0);

	thrd_t t;
	CHECK(mtx_init(&hm, mtx_timed) == thrd_success);
	CHECK(thrd_create(&t, hold_30ms, NULL) == thrd_success);
	for (int i = 0; i < 2000 && !h_locked; i++)
		usleep(1000);
	struct timespec ts = utc_in_ms(3000);
	double t0 = now_ms();
	int r = mtx_timedlock(&hm, &ts);
	printf("mtx_timedlock +3s, held by a thread for 30 ms: %s, quick %d\n", rn(r), now_ms() - t0 < 1500);
	if (r == thrd_success)
		mtx_unlock(&hm);
	thrd_join(t, NULL);
	mtx_destroy(&hm);
}

/* ---- condition variables ---- */

static mtx_t cm;
static cnd_t cv;
static int tokens, waiting, woken, stop;

static int token_waiter(void *arg)
{
	struct timespec ts = utc_in_ms(3000);
	mtx_lock(&cm);
	waiting++;
	int r = thrd_success;
	while (tokens == 0 && !stop && r != thrd_timedout)
		r = cnd_timedwait(&cv, &cm, &ts);
	if (tokens > 0) {
		tokens--;
		woken++;
	}
	waiting--;
	mtx_unlock(&cm);
	return 0;
}

static int plain_waiter(void *arg)
{
	mtx_lock(&cm);
	waiting++;
	while (tokens == 0) /* main always ends this with a token */
		cnd_wait(&cv, &cm);
	tokens--;
	woken++;
	waiting--;
	mtx_unlock(&cm);
	return 0;
}

/* Wait (at most 2 s) until at least n waiters took a token, then 50 ms more so that any extra
 * wakeup would show too. */
static void settle(int n)
{
	for (int i = 0; i < 2000; i++) {
		mtx_lock(&cm);
		int w = woken;
		mtx_unlock(&cm);
		if (w >= n)
			break;
		usleep(1000);
	}
	usleep(50000);
}

static void wait_waiting(int n)
{
	for (int i = 0; i < 2000; i++) {
		mtx_lock(&cm);
		int w = waiting;
		mtx_unlock(&cm);
		if (w == n)
			break;
		usleep(1000);
	}
	usleep(20000);
}

static void condvars(void)
{
	CHECK(mtx_init(&cm, mtx_timed) == thrd_success);
	printf("cnd_init %s", rn(cnd_init(&cv)));
	mtx_lock(&cm);
	struct timespec ts = utc_in_ms(50);
	double t0 = now_ms();
	int r = cnd_timedwait(&cv, &cm, &ts);
	printf(", cnd_timedwait +50ms %s waited>=45 %d, mutex held after (other trylock) %s\n", rn(r), now_ms() - t0 >= 45,
	       rn(in_other(other_trylock, &cm)));
	mtx_unlock(&cm);

	thrd_t t[4];
	CHECK(thrd_create(&t[0], plain_waiter, NULL) == thrd_success);
	wait_waiting(1);
	mtx_lock(&cm);
	tokens = 1;
	cnd_signal(&cv);
	mtx_unlock(&cm);
	int jr = thrd_join(t[0], NULL);
	printf("cnd_wait woken by cnd_signal: join %s, woken %d\n", rn(jr), woken);

	woken = 0;
	for (int i = 0; i < 4; i++)
		CHECK(thrd_create(&t[i], token_waiter, NULL) == thrd_success);
	wait_waiting(4);
	mtx_lock(&cm);
	tokens = 1;
	printf("4 waiters: cnd_signal %s", rn(cnd_signal(&cv)));
	mtx_unlock(&cm);
	settle(1);
	mtx_lock(&cm);
	printf(", woken %d, still waiting %d", woken, waiting);
	tokens = 3;
	printf(", cnd_broadcast %s", rn(cnd_broadcast(&cv)));
	mtx_unlock(&cm);
	settle(4);
	mtx_lock(&cm);
	printf(", woken %d, still waiting %d\n", woken, waiting);
	stop = 1;
	cnd_broadcast(&cv);
	mtx_unlock(&cm);
	for (int i = 0; i < 4; i++)
		thrd_join(t[i], NULL);
	cnd_destroy(&cv);
	mtx_destroy(&cm);
}

/* ---- thread-specific storage ---- */

static tss_t key, key_again;
static mtx_t sm;
static long dtor_calls, dtor_sum, again_calls;

static void dtor(void *v)
{
	mtx_lock(&sm);
	dtor_calls++;
	dtor_sum += (long)v;
	mtx_unlock(&sm);
}

static void dtor_again(void *v)
{
	mtx_lock(&sm);
	again_calls++;
	mtx_unlock(&sm);
	tss_set(key_again, v); /* always again: bounded by TSS_DTOR_ITERATIONS */
}

static int tss_user(void *arg)
{
	long i = (long)arg;
	int ok = tss_get(key) == NULL;
	if (i < 4)
		tss_set(key, (void *)(i + 1));
	sleep_ms(2);
	ok = ok && tss_get(key) == (i < 4 ? (void *)(i + 1) : NULL);
	if (i == 0)
		tss_set(key_again, (void *)1L);
	if (i == 1)
		thrd_exit(ok); /* destructors run for thrd_exit */
	return ok;
}

static void tss(void)
{
	CHECK(mtx_init(&sm, mtx_plain) == thrd_success);
	printf("tss_create %s", rn(tss_create(&key, dtor)));
	printf(", again-setting %s", rn(tss_create(&key_again, dtor_again)));
	printf(", main's tss_get NULL %d", tss_get(key) == NULL);
	printf(", tss_set %s", rn(tss_set(key, (void *)100L)));
	printf(", tss_get %ld\n", (long)tss_get(key));
	thrd_t t[6];
	for (long i = 0; i < 6; i++)
		CHECK(thrd_create(&t[i], tss_user, (void *)i) == thrd_success);
	int oks = 0;
	for (int i = 0; i < 6; i++) {
		int res = 0;
		thrd_join(t[i], &res);
		oks += res;
	}
	printf("6 threads (4 set 1..4, 2 never): values right in %d, destructor calls %ld sum %ld, main's value still %ld\n",
	       oks, dtor_calls, dtor_sum, (long)tss_get(key));
	printf("a destructor that always sets the value again: calls %ld (TSS_DTOR_ITERATIONS %d)\n", again_calls,
	       TSS_DTOR_ITERATIONS);
	tss_delete(key);
	tss_delete(key_again);
}

/* ---- call_once ---- */

static once_flag flag = ONCE_FLAG_INIT;
static int once_runs, once_done, once_early;

static void once_init(void)
{
	__atomic_fetch_add(&once_runs, 1, __ATOMIC_SEQ_CST);
	sleep_ms(100);
	__atomic_store_n(&once_done, 1, __ATOMIC_SEQ_CST);
}

static int once_caller(void *arg)
{
	sleep_ms((int)(long)arg);
	call_once(&flag, once_init);
	if (!__atomic_load_n(&once_done, __ATOMIC_SEQ_CST))
		__atomic_fetch_add(&once_early, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void once(void)
{
	thrd_t t[10];
	for (long i = 0; i < 10; i++)
		CHECK(thrd_create(&t[i], once_caller, (void *)i) == thrd_success);
	for (int i = 0; i < 10; i++)
		thrd_join(t[i], NULL);
	call_once(&flag, once_init);
	printf("call_once, 10 threads, init sleeps 100 ms: runs %d, returned before it finished %d\n", once_runs, once_early);
}

int main(void)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct timespec ts;
	printf("timespec_get TIME_UTC: %d\n", timespec_get(&ts, TIME_UTC) == TIME_UTC);
	threads();
	mutexes();
	condvars();
	tss();
	once();
	return 0;
}
