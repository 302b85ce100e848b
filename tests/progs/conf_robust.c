/* Conformance of robust mutexes, printed for comparison with the native run: an owner thread
 * that exits holding one (by returning, by pthread_exit) makes the next lock, trylock or timed
 * lock return EOWNERDEAD with the mutex owned; pthread_mutex_consistent makes it normal again,
 * unlocking without it makes it ENOTRECOVERABLE; a waiter blocked while the owner exits gets
 * EOWNERDEAD too; robust errorcheck, recursive and priority-inheritance variants; unlock by a
 * non-owner; consistent on a mutex that is not inconsistent. Every wait is bounded. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static void robust_init(pthread_mutex_t *m, int type, int protocol)
{
	pthread_mutexattr_t a;
	CHECK(pthread_mutexattr_init(&a) == 0);
	CHECK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
	CHECK(pthread_mutexattr_settype(&a, type) == 0);
	CHECK(pthread_mutexattr_setprotocol(&a, protocol) == 0);
	CHECK(pthread_mutex_init(m, &a) == 0);
	pthread_mutexattr_destroy(&a);
}

/* A thread that locks m `times` times, maybe sleeps, then ends without unlocking. */
struct owner {
	pthread_mutex_t *m;
	int times, sleep_ms, use_exit;
	int lock_result;
	volatile int locked;
};

static void *owner_run(void *arg)
{
	struct owner *o = arg;
	for (int i = 0; i < o->times; i++) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 500); /* bounded: an earlier bug may leave it locked */
		o->lock_result |= pthread_mutex_timedlock(o->m, &ts);
	}
	o->locked = 1;
	if (o->sleep_ms)
		usleep(o->sleep_ms * 1000);
	if (o->use_exit)
		pthread_exit(NULL);
	return NULL;
}

/* Start an owner and wait (at most 2 s) until it holds the mutex. */
static pthread_t start_owner(struct owner *o)
{
	pthread_t t;
	o->locked = 0;
	o->lock_result = 0;
	CHECK(pthread_create(&t, NULL, owner_run, o) == 0);
	for (int i = 0; i < 2000 && !o->locked; i++)
		usleep(1000);
	return t;
}

/* An owner that ends holding the mutex, joined. */
static void owner_dies(pthread_mutex_t *m, int times, int use_exit)
{
	struct owner o = { m, times, 0, use_exit, 0, 0 };
	pthread_t t = start_owner(&o);
	CHECK(pthread_join(t, NULL) == 0);
	if (o.lock_result != 0)
		printf("(owner could not lock: %s) ", errname(o.lock_result));
}

/* One operation in another thread. */
enum op { OP_TRYLOCK, OP_UNLOCK, OP_LOCK_CONSISTENT_UNLOCK };
struct job {
	pthread_mutex_t *m;
	enum op op;
	int result, result2;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	if (j->op == OP_UNLOCK) {
		j->result = pthread_mutex_unlock(j->m);
	} else if (j->op == OP_TRYLOCK) {
		j->result = pthread_mutex_trylock(j->m);
		if (j->result == 0)
			pthread_mutex_unlock(j->m);
	} else {
		struct timespec ts = in_ms(CLOCK_REALTIME, 500);
		j->result = pthread_mutex_timedlock(j->m, &ts);
		j->result2 = j->result == EOWNERDEAD ? pthread_mutex_consistent(j->m) : -1;
		if (j->result == 0 || j->result == EOWNERDEAD)
			pthread_mutex_unlock(j->m);
	}
	return NULL;
}

static int in_other(pthread_mutex_t *m, enum op op)
{
	struct job j = { m, op, -1, -1 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, job_run, &j) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	return j.result;
}

static struct timespec deadline(int ms)
{
	return in_ms(CLOCK_REALTIME, ms);
}

static void recover(const char *name, int use_exit)
{
	pthread_mutex_t m;
	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	owner_dies(&m, 1, use_exit);
	struct timespec ts = deadline(500);
	int r = pthread_mutex_timedlock(&m, &ts);
	printf("%s: lock %s", name, errname(r));
	printf(", other trylock %s", errname(in_other(&m, OP_TRYLOCK)));
	printf(", consistent %s", errname(pthread_mutex_consistent(&m)));
	printf(", consistent again %s", errname(pthread_mutex_consistent(&m)));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	ts = deadline(500);
	printf(", lock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	printf(", other trylock %s\n", errname(in_other(&m, OP_TRYLOCK)));
	pthread_mutex_destroy(&m);
}

static void not_recoverable(void)
{
	pthread_mutex_t m;
	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	owner_dies(&m, 1, 0);
	struct timespec ts = deadline(500);
	printf("no consistent: lock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	ts = deadline(500);
	printf(", lock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", other lock %s", errname(in_other(&m, OP_LOCK_CONSISTENT_UNLOCK)));
	printf(", consistent %s", errname(pthread_mutex_consistent(&m)));
	/* last: glibc 2.36's trylock of a not-recoverable mutex leaves its lock word set */
	printf(", trylock %s", errname(pthread_mutex_trylock(&m)));
	printf(", destroy %s\n", errname(pthread_mutex_destroy(&m)));
}

static void other_calls(void)
{
	pthread_mutex_t m;
	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	owner_dies(&m, 1, 0);
	int r = pthread_mutex_trylock(&m);
	printf("owner died: trylock %s", errname(r));
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(&m);
		pthread_mutex_unlock(&m);
	}
	owner_dies(&m, 1, 0);
	struct timespec ts = in_ms(CLOCK_MONOTONIC, 500);
	r = pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts);
	printf(", clocklock %s", errname(r));
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(&m);
		pthread_mutex_unlock(&m);
	}
	/* the new owner itself dies without making it consistent: still EOWNERDEAD for the next */
	owner_dies(&m, 1, 0);
	struct owner o = { &m, 1, 0, 0, 0, 0 };
	pthread_t t = start_owner(&o);
	pthread_join(t, NULL);
	printf(", second owner got %s and died too", errname(o.lock_result));
	ts = deadline(500);
	r = pthread_mutex_timedlock(&m, &ts);
	printf(", then lock %s", errname(r));
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(&m);
		pthread_mutex_unlock(&m);
	}
	printf("\n");
	pthread_mutex_destroy(&m);
}

/* Threads blocked in lock while the owner dies: one of them gets EOWNERDEAD, makes it
 * consistent and unlocks; the other then gets it normally. */
struct waiter {
	pthread_mutex_t *m;
	int timed;
	int result, consistent;
	volatile int done;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;
	if (w->timed) {
		struct timespec ts = deadline(3000);
		w->result = pthread_mutex_timedlock(w->m, &ts);
	} else {
		w->result = pthread_mutex_lock(w->m);
	}
	w->consistent = w->result == EOWNERDEAD ? pthread_mutex_consistent(w->m) : -1;
	usleep(20000); /* holds it a while: the other waiter must wait */
	if (w->result == 0 || w->result == EOWNERDEAD)
		pthread_mutex_unlock(w->m);
	w->done = 1;
	return NULL;
}

static void blocked_waiters(void)
{
	pthread_mutex_t m;
	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	struct owner o = { &m, 1, 150, 0, 0, 0 };
	pthread_t ot = start_owner(&o);
	struct waiter w[2] = { { &m, 0, -1, -1, 0 }, { &m, 1, -1, -1, 0 } };
	pthread_t wt[2];
	CHECK(pthread_create(&wt[0], NULL, waiter_run, &w[0]) == 0);
	CHECK(pthread_create(&wt[1], NULL, waiter_run, &w[1]) == 0);
	pthread_join(ot, NULL);
	for (int i = 0; i < 3000 && !(w[0].done && w[1].done); i++) /* at most 3 s */
		usleep(1000);
	int done = w[0].done && w[1].done;
	int dead = (w[0].result == EOWNERDEAD) + (w[1].result == EOWNERDEAD);
	int ok = (w[0].result == 0) + (w[1].result == 0);
	int cons = (w[0].consistent == 0) + (w[1].consistent == 0);
	printf("2 waiters blocked while the owner exits: both done %d, EOWNERDEAD %d, 0 %d, consistent ok %d\n",
	       done, dead, ok, cons);
	if (done) {
		pthread_join(wt[0], NULL);
		pthread_join(wt[1], NULL);
		printf("after them: trylock %s", errname(pthread_mutex_trylock(&m)));
		printf(", unlock %s\n", errname(pthread_mutex_unlock(&m)));
	} else {
		printf("after them: (waiters still blocked)\n");
	}
}

static void variants(void)
{
	pthread_mutex_t m;
	struct timespec ts;
	int r;

	robust_init(&m, PTHREAD_MUTEX_ERRORCHECK, PTHREAD_PRIO_NONE);
	owner_dies(&m, 1, 0);
	ts = deadline(500);
	printf("robust errorcheck: lock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	ts = deadline(50);
	printf(", relock before consistent %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", consistent %s", errname(pthread_mutex_consistent(&m)));
	ts = deadline(50);
	printf(", relock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", trylock %s", errname(pthread_mutex_trylock(&m)));
	printf(", other unlock %s", errname(in_other(&m, OP_UNLOCK)));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	printf(", unlock again %s\n", errname(pthread_mutex_unlock(&m)));
	pthread_mutex_destroy(&m);

	robust_init(&m, PTHREAD_MUTEX_RECURSIVE, PTHREAD_PRIO_NONE);
	owner_dies(&m, 3, 0); /* held 3 levels deep */
	ts = deadline(500);
	printf("robust recursive (owner held 3 levels): lock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", consistent %s", errname(pthread_mutex_consistent(&m)));
	ts = deadline(50);
	printf(", relock %s", errname(pthread_mutex_timedlock(&m, &ts)));
	printf(", trylock %s", errname(pthread_mutex_trylock(&m)));
	printf(", other unlock %s", errname(in_other(&m, OP_UNLOCK)));
	int unlocks = 0;
	while (unlocks < 6 && pthread_mutex_unlock(&m) == 0)
		unlocks++;
	printf(", unlocks until error %d", unlocks);
	printf(", other trylock %s\n", errname(in_other(&m, OP_TRYLOCK)));
	pthread_mutex_destroy(&m);

	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_INHERIT);
	owner_dies(&m, 1, 0);
	ts = deadline(500);
	r = pthread_mutex_timedlock(&m, &ts);
	printf("robust prio inherit: lock %s", errname(r));
	printf(", consistent %s", errname(pthread_mutex_consistent(&m)));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	printf(", other lock %s\n", errname(in_other(&m, OP_LOCK_CONSISTENT_UNLOCK)));
	pthread_mutex_destroy(&m);

	/* a robust normal mutex checks its owner */
	robust_init(&m, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	printf("robust normal: unlock unlocked %s", errname(pthread_mutex_unlock(&m)));
	CHECK(pthread_mutex_lock(&m) == 0);
	printf(", other unlock %s", errname(in_other(&m, OP_UNLOCK)));
	printf(", trylock self %s", errname(pthread_mutex_trylock(&m)));
	ts = deadline(50);
	double t0 = now_ms();
	r = pthread_mutex_timedlock(&m, &ts);
	printf(", timedlock self %s waited>=45 %d", errname(r), now_ms() - t0 >= 45);
	printf(", consistent while fine %s", errname(pthread_mutex_consistent(&m)));
	printf(", unlock %s\n", errname(pthread_mutex_unlock(&m)));
	pthread_mutex_destroy(&m);

	/* consistent on a mutex that is not robust */
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&plain);
	printf("not robust: consistent %s\n", errname(pthread_mutex_consistent(&plain)));
	pthread_mutex_unlock(&plain);
}

/* One thread dies holding 6 of 8 robust mutexes (it unlocked two of them, out of order): the
 * 6 report EOWNERDEAD, the 2 are fine. */
static pthread_mutex_t eight[8];

static void *lock_eight(void *arg)
{
	for (int i = 0; i < 8; i++)
		CHECK(pthread_mutex_lock(&eight[i]) == 0);
	CHECK(pthread_mutex_unlock(&eight[5]) == 0);
	CHECK(pthread_mutex_unlock(&eight[2]) == 0);
	return arg;
}

static pthread_mutex_t destroyed;
static volatile int destroyed_locked, destroyed_go;

static void *hold_destroyed(void *arg)
{
	CHECK(pthread_mutex_lock(&destroyed) == 0);
	destroyed_locked = 1;
	for (int i = 0; i < 2000 && !destroyed_go; i++)
		usleep(1000);
	return arg; /* ends holding it */
}

static void many(void)
{
	pthread_t t;
	for (int i = 0; i < 8; i++)
		robust_init(&eight[i], PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	CHECK(pthread_create(&t, NULL, lock_eight, NULL) == 0);
	pthread_join(t, NULL);
	int dead = 0, fine = 0;
	char which[9] = "";
	for (int i = 0; i < 8; i++) {
		int r = pthread_mutex_trylock(&eight[i]);
		which[i] = r == EOWNERDEAD ? 'D' : r == 0 ? '0' : '?';
		dead += r == EOWNERDEAD;
		fine += r == 0;
		if (r == EOWNERDEAD)
			pthread_mutex_consistent(&eight[i]);
		if (r == 0 || r == EOWNERDEAD)
			pthread_mutex_unlock(&eight[i]);
	}
	printf("owner died holding 6 of 8: EOWNERDEAD %d, 0 %d, per mutex %s\n", dead, fine, which);

	/* destroying a robust mutex another thread holds */
	robust_init(&destroyed, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
	CHECK(pthread_create(&t, NULL, hold_destroyed, NULL) == 0);
	for (int i = 0; i < 2000 && !destroyed_locked; i++)
		usleep(1000);
	printf("robust held by another thread: destroy %s\n", errname(pthread_mutex_destroy(&destroyed)));
	destroyed_go = 1;
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	recover("owner returned holding it", 0);
	recover("owner called pthread_exit holding it", 1);
	not_recoverable();
	other_calls();
	blocked_waiters();
	variants();
	many();
	return 0;
}
