/* Conformance of pthread mutexes, printed for comparison with the native run: every type (via
 * attributes and via the static initializers), trylock, relock, unlock by a non-owner, destroy
 * while locked, recursion depth, timed and clock locks with every error, and the mutex
 * attributes (type, pshared, robust, protocol, priority ceiling).
 * Usage: conf_mutex types|timed|attr */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "common.h"

/* An error number's name ("EBUSY"), "0" for success. */
/* Run one operation on a mutex in a new thread and return its result. */
enum op { OP_TRYLOCK, OP_UNLOCK, OP_TIMED, OP_CLOCK_MONO, OP_CLOCK_REAL, OP_CLOCK_BAD,
	  OP_TIMED_BAD_NSEC, OP_TIMED_NEG_NSEC, OP_TIMED_PAST, OP_TIMED_NEG_SEC };
struct job {
	pthread_mutex_t *m;
	enum op op;
	int ms; /* the deadline, from now */
	int result;
	double waited;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct timespec ts;
	double t0 = now_ms();
	switch (j->op) {
	case OP_TRYLOCK:
		j->result = pthread_mutex_trylock(j->m);
		break;
	case OP_UNLOCK:
		j->result = pthread_mutex_unlock(j->m);
		break;
	case OP_TIMED:
		ts = in_ms(CLOCK_REALTIME, j->ms);
		j->result = pthread_mutex_timedlock(j->m, &ts);
		break;
	case OP_CLOCK_MONO:
		ts = in_ms(CLOCK_MONOTONIC, j->ms);
		j->result = pthread_mutex_clocklock(j->m, CLOCK_MONOTONIC, &ts);
		break;
	case OP_CLOCK_REAL:
		ts = in_ms(CLOCK_REALTIME, j->ms);
		j->result = pthread_mutex_clocklock(j->m, CLOCK_REALTIME, &ts);
		break;
	case OP_CLOCK_BAD:
		ts = in_ms(CLOCK_MONOTONIC, j->ms);
		j->result = pthread_mutex_clocklock(j->m, CLOCK_PROCESS_CPUTIME_ID, &ts);
		break;
	case OP_TIMED_BAD_NSEC:
		ts = in_ms(CLOCK_REALTIME, j->ms);
		ts.tv_nsec = 1000000000L;
		j->result = pthread_mutex_timedlock(j->m, &ts);
		break;
	case OP_TIMED_NEG_NSEC:
		ts = in_ms(CLOCK_REALTIME, j->ms);
		ts.tv_nsec = -1;
		j->result = pthread_mutex_timedlock(j->m, &ts);
		break;
	case OP_TIMED_PAST:
		ts = in_ms(CLOCK_REALTIME, 0);
		ts.tv_sec -= 10;
		j->result = pthread_mutex_timedlock(j->m, &ts);
		break;
	case OP_TIMED_NEG_SEC:
		ts = (struct timespec){ -1, 0 };
		j->result = pthread_mutex_timedlock(j->m, &ts);
		break;
	}
	j->waited = now_ms() - t0;
	if (j->result == 0 && j->op != OP_UNLOCK)
		pthread_mutex_unlock(j->m); /* it got the mutex: leave it as it was */
	return NULL;
}

static struct job in_other(pthread_mutex_t *m, enum op op, int ms)
{
	struct job j = { m, op, ms, -1, 0 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, job_run, &j) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	return j;
}

/* ---- types ---- */

enum kind { K_NORMAL, K_RECURSIVE, K_ERRORCHECK };

static void exercise(const char *name, pthread_mutex_t *m, enum kind k)
{
	if (name)
		printf("%s: ", name);
	printf("lock %s", errname(pthread_mutex_lock(m)));
	printf(", trylock %s", errname(pthread_mutex_trylock(m)));
	int held = 1 + (k == K_RECURSIVE);
	if (k != K_NORMAL) { /* relocking a normal mutex deadlocks */
		int r = pthread_mutex_lock(m);
		held += (r == 0);
		printf(", relock %s", errname(r));
	}
	printf(", other trylock %s", errname(in_other(m, OP_TRYLOCK, 0).result));
	if (k != K_NORMAL) /* undefined for a normal mutex */
		printf(", other unlock %s", errname(in_other(m, OP_UNLOCK, 0).result));
	printf(", destroy locked %s", errname(pthread_mutex_destroy(m)));
	int unlocks = 0, r = 0;
	while (unlocks < held && (r = pthread_mutex_unlock(m)) == 0)
		unlocks++;
	printf(", unlocks %d", unlocks);
	if (k != K_NORMAL) /* undefined for a normal mutex */
		printf(", unlock unlocked %s", errname(pthread_mutex_unlock(m)));
	printf(", other trylock after %s", errname(in_other(m, OP_TRYLOCK, 0).result));
	printf(", destroy %s\n", errname(pthread_mutex_destroy(m)));
}

static void with_type(const char *name, int type, enum kind k)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	int got = -1;
	CHECK(pthread_mutexattr_init(&a) == 0);
	int r = pthread_mutexattr_settype(&a, type);
	pthread_mutexattr_gettype(&a, &got);
	CHECK(pthread_mutex_init(&m, &a) == 0);
	pthread_mutexattr_destroy(&a);
	printf("%s: settype %s, gettype same %d, ", name, errname(r), got == type);
	exercise(NULL, &m, k);
}

static pthread_mutex_t s_normal = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t s_rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t s_err = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t s_adapt = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

static pthread_mutex_t shared_m;
static long shared_count;

static void *incrementer(void *arg)
{
	for (int i = 0; i < 500; i++) {
		CHECK(pthread_mutex_lock(&shared_m) == 0);
		long v = shared_count;
		if (i % 50 == 0)
			usleep(100); /* sleep while holding: the others must wait */
		else if (i % 7 == 0)
			sched_yield();
		shared_count = v + 1;
		CHECK(pthread_mutex_unlock(&shared_m) == 0);
	}
	return arg;
}

static void contended(const char *name, int type)
{
	pthread_mutexattr_t a;
	pthread_t t[4];
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	CHECK(pthread_mutex_init(&shared_m, &a) == 0);
	shared_count = 0;
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, incrementer, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("contended %s: 4 threads x 500 increments -> %ld\n", name, shared_count);
	pthread_mutex_destroy(&shared_m);
}

static void types(void)
{
	with_type("attr normal", PTHREAD_MUTEX_NORMAL, K_NORMAL);
	with_type("attr default", PTHREAD_MUTEX_DEFAULT, K_NORMAL);
	with_type("attr recursive", PTHREAD_MUTEX_RECURSIVE, K_RECURSIVE);
	with_type("attr errorcheck", PTHREAD_MUTEX_ERRORCHECK, K_ERRORCHECK);
	with_type("attr adaptive", PTHREAD_MUTEX_ADAPTIVE_NP, K_NORMAL);
	pthread_mutex_t m;
	CHECK(pthread_mutex_init(&m, NULL) == 0);
	exercise("init NULL attr", &m, K_NORMAL);
	exercise("static normal", &s_normal, K_NORMAL);
	exercise("static recursive", &s_rec, K_RECURSIVE);
	exercise("static errorcheck", &s_err, K_ERRORCHECK);
	exercise("static adaptive", &s_adapt, K_NORMAL);

	/* recursion depth */
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	CHECK(pthread_mutex_init(&m, &a) == 0);
	int bad_lock = 0, bad_unlock = 0;
	for (int i = 0; i < 1000; i++)
		bad_lock += pthread_mutex_lock(&m) != 0;
	int other_mid = in_other(&m, OP_TRYLOCK, 0).result;
	for (int i = 0; i < 999; i++)
		bad_unlock += pthread_mutex_unlock(&m) != 0;
	int other_last = in_other(&m, OP_TRYLOCK, 0).result;
	bad_unlock += pthread_mutex_unlock(&m) != 0;
	int extra = pthread_mutex_unlock(&m);
	int other_after = in_other(&m, OP_TRYLOCK, 0).result;
	printf("recursive depth 1000: failed locks %d, failed unlocks %d, other trylock at 1000 %s, at 1 %s, after %s, extra unlock %s\n",
	       bad_lock, bad_unlock, errname(other_mid), errname(other_last), errname(other_after), errname(extra));
	pthread_mutex_destroy(&m);

	/* never-locked unlocks */
	CHECK(pthread_mutex_init(&m, &a) == 0);
	printf("recursive never locked: unlock %s", errname(pthread_mutex_unlock(&m)));
	pthread_mutex_destroy(&m);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	CHECK(pthread_mutex_init(&m, &a) == 0);
	printf("; errorcheck never locked: unlock %s\n", errname(pthread_mutex_unlock(&m)));
	pthread_mutex_destroy(&m);
	pthread_mutexattr_destroy(&a);

	contended("normal", PTHREAD_MUTEX_NORMAL);
	contended("recursive", PTHREAD_MUTEX_RECURSIVE);
	contended("errorcheck", PTHREAD_MUTEX_ERRORCHECK);
	contended("adaptive", PTHREAD_MUTEX_ADAPTIVE_NP);
}

/* ---- timed ---- */

static void show(const char *what, struct job j)
{
	printf("%s -> %s, waited>=45 %d\n", what, errname(j.result), j.waited >= 45);
}

struct holder {
	pthread_mutex_t *m;
	int ms;
	volatile int locked;
};

/* Lock the mutex, say so, hold it for ms milliseconds, unlock it. */
static void *hold_for(void *arg)
{
	struct holder *h = arg;
	CHECK(pthread_mutex_lock(h->m) == 0);
	h->locked = 1;
	usleep(h->ms * 1000);
	CHECK(pthread_mutex_unlock(h->m) == 0);
	return NULL;
}

static void start_holder(pthread_t *t, struct holder *h)
{
	h->locked = 0;
	CHECK(pthread_create(t, NULL, hold_for, h) == 0);
	for (int i = 0; i < 2000 && !h->locked; i++) /* at most 2 s */
		usleep(1000);
}

static int typed_init(pthread_mutex_t *m, int type)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	int r = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return r;
}

static void timed(void)
{
	pthread_mutex_t m;
	struct timespec ts;
	CHECK(pthread_mutex_init(&m, NULL) == 0);

	/* held by main, tried by another thread */
	CHECK(pthread_mutex_lock(&m) == 0);
	show("held: timedlock realtime +50ms", in_other(&m, OP_TIMED, 50));
	show("held: clocklock monotonic +50ms", in_other(&m, OP_CLOCK_MONO, 50));
	show("held: clocklock realtime +50ms", in_other(&m, OP_CLOCK_REAL, 50));
	printf("held: clocklock CLOCK_PROCESS_CPUTIME_ID -> %s\n", errname(in_other(&m, OP_CLOCK_BAD, 50).result));
	printf("held: timedlock tv_nsec=1000000000 -> %s", errname(in_other(&m, OP_TIMED_BAD_NSEC, 50).result));
	printf(", tv_nsec=-1 -> %s\n", errname(in_other(&m, OP_TIMED_NEG_NSEC, 50).result));
	printf("held: timedlock 10 s in the past -> %s", errname(in_other(&m, OP_TIMED_PAST, 0).result));
	printf(", tv_sec=-1 -> %s\n", errname(in_other(&m, OP_TIMED_NEG_SEC, 0).result));
	CHECK(pthread_mutex_unlock(&m) == 0);

	/* free: the lock is taken at once whatever the deadline, except for a bad clock */
	printf("free: clocklock CLOCK_PROCESS_CPUTIME_ID -> %s\n", errname(in_other(&m, OP_CLOCK_BAD, 50).result));
	printf("free: timedlock tv_nsec=1000000000 -> %s", errname(in_other(&m, OP_TIMED_BAD_NSEC, 50).result));
	printf(", tv_nsec=-1 -> %s\n", errname(in_other(&m, OP_TIMED_NEG_NSEC, 50).result));
	printf("free: timedlock 10 s in the past -> %s", errname(in_other(&m, OP_TIMED_PAST, 0).result));
	printf(", tv_sec=-1 -> %s\n", errname(in_other(&m, OP_TIMED_NEG_SEC, 0).result));
	printf("free: clocklock monotonic +50ms -> %s", errname(in_other(&m, OP_CLOCK_MONO, 50).result));
	printf(", realtime +50ms -> %s\n", errname(in_other(&m, OP_CLOCK_REAL, 50).result));

	/* held by another thread that unlocks 30 ms later, while a 3 s timed lock waits */
	pthread_t t;
	struct holder h = { &m, 30, 0 };
	start_holder(&t, &h);
	ts = in_ms(CLOCK_REALTIME, 3000);
	double t0 = now_ms();
	int r = pthread_mutex_timedlock(&m, &ts);
	printf("held by a thread for 30 ms: timedlock +3s -> %s, waited<1500 %d\n", errname(r), now_ms() - t0 < 1500);
	if (r == 0)
		pthread_mutex_unlock(&m);
	pthread_join(t, NULL);
	start_holder(&t, &h);
	ts = in_ms(CLOCK_MONOTONIC, 3000);
	t0 = now_ms();
	r = pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts);
	printf("held by a thread for 30 ms: clocklock monotonic +3s -> %s, waited<1500 %d\n", errname(r), now_ms() - t0 < 1500);
	if (r == 0)
		pthread_mutex_unlock(&m);
	pthread_join(t, NULL);

	/* held by the caller itself */
	CHECK(pthread_mutex_lock(&m) == 0);
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	r = pthread_mutex_timedlock(&m, &ts);
	printf("normal held by self: timedlock +50ms -> %s, waited>=45 %d\n", errname(r), now_ms() - t0 >= 45);
	CHECK(pthread_mutex_unlock(&m) == 0);
	pthread_mutex_destroy(&m);

	CHECK(typed_init(&m, PTHREAD_MUTEX_ERRORCHECK) == 0);
	CHECK(pthread_mutex_lock(&m) == 0);
	ts = in_ms(CLOCK_REALTIME, 50);
	int r1 = pthread_mutex_timedlock(&m, &ts);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	int r2 = pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts);
	printf("errorcheck held by self: timedlock -> %s, clocklock monotonic -> %s\n", errname(r1), errname(r2));
	show("errorcheck held: other timedlock +50ms", in_other(&m, OP_TIMED, 50));
	CHECK(pthread_mutex_unlock(&m) == 0);
	pthread_mutex_destroy(&m);

	CHECK(typed_init(&m, PTHREAD_MUTEX_RECURSIVE) == 0);
	CHECK(pthread_mutex_lock(&m) == 0);
	ts = in_ms(CLOCK_REALTIME, 50);
	r1 = pthread_mutex_timedlock(&m, &ts);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r2 = pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts);
	ts.tv_nsec = 1000000000L;
	int r3 = pthread_mutex_timedlock(&m, &ts);
	int unlocks = 0;
	while (unlocks < 5 && pthread_mutex_unlock(&m) == 0)
		unlocks++;
	printf("recursive held by self: timedlock -> %s, clocklock -> %s, timedlock bad tv_nsec -> %s, unlocks until error %d\n",
	       errname(r1), errname(r2), errname(r3), unlocks);
	CHECK(pthread_mutex_lock(&m) == 0);
	show("recursive held: other clocklock monotonic +50ms", in_other(&m, OP_CLOCK_MONO, 50));
	CHECK(pthread_mutex_unlock(&m) == 0);
	pthread_mutex_destroy(&m);
}

/* ---- attr ---- */

static void attr(void)
{
	pthread_mutexattr_t a;
	int v = -1, r;
	CHECK(pthread_mutexattr_init(&a) == 0);
	pthread_mutexattr_gettype(&a, &v);
	printf("attr defaults: type is DEFAULT %d", v == PTHREAD_MUTEX_DEFAULT);
	pthread_mutexattr_getpshared(&a, &v);
	printf(", pshared is PRIVATE %d", v == PTHREAD_PROCESS_PRIVATE);
	pthread_mutexattr_getrobust(&a, &v);
	printf(", robust is STALLED %d", v == PTHREAD_MUTEX_STALLED);
	pthread_mutexattr_getprotocol(&a, &v);
	printf(", protocol is NONE %d", v == PTHREAD_PRIO_NONE);
	v = -1;
	r = pthread_mutexattr_getprioceiling(&a, &v);
	printf(", getprioceiling %s value %d\n", errname(r), v);

	static const struct { int type; const char *name; } types[] = {
		{ PTHREAD_MUTEX_NORMAL, "NORMAL" }, { PTHREAD_MUTEX_RECURSIVE, "RECURSIVE" },
		{ PTHREAD_MUTEX_ERRORCHECK, "ERRORCHECK" }, { PTHREAD_MUTEX_DEFAULT, "DEFAULT" },
		{ PTHREAD_MUTEX_ADAPTIVE_NP, "ADAPTIVE_NP" },
	};
	printf("attr settype:");
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		r = pthread_mutexattr_settype(&a, types[i].type);
		v = -1;
		pthread_mutexattr_gettype(&a, &v);
		printf(" %s %s/%d", types[i].name, errname(r), v == types[i].type);
	}
	printf(", 99 %s, -1 %s\n", errname(pthread_mutexattr_settype(&a, 99)), errname(pthread_mutexattr_settype(&a, -1)));
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_DEFAULT);

	r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_getpshared(&a, &v);
	printf("attr setpshared SHARED %s/%d", errname(r), v == PTHREAD_PROCESS_SHARED);
	printf(", 99 %s", errname(pthread_mutexattr_setpshared(&a, 99)));
	r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_PRIVATE);
	pthread_mutexattr_getpshared(&a, &v);
	printf(", PRIVATE %s/%d\n", errname(r), v == PTHREAD_PROCESS_PRIVATE);

	r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_getrobust(&a, &v);
	printf("attr setrobust ROBUST %s/%d", errname(r), v == PTHREAD_MUTEX_ROBUST);
	printf(", 99 %s", errname(pthread_mutexattr_setrobust(&a, 99)));
	r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_STALLED);
	pthread_mutexattr_getrobust(&a, &v);
	printf(", STALLED %s/%d\n", errname(r), v == PTHREAD_MUTEX_STALLED);

	printf("attr setprotocol:");
	static const struct { int p; const char *name; } protos[] = {
		{ PTHREAD_PRIO_INHERIT, "INHERIT" }, { PTHREAD_PRIO_PROTECT, "PROTECT" }, { PTHREAD_PRIO_NONE, "NONE" },
	};
	for (unsigned i = 0; i < 3; i++) {
		r = pthread_mutexattr_setprotocol(&a, protos[i].p);
		pthread_mutexattr_getprotocol(&a, &v);
		printf(" %s %s/%d", protos[i].name, errname(r), v == protos[i].p);
	}
	printf(", 99 %s\n", errname(pthread_mutexattr_setprotocol(&a, 99)));

	int lo = sched_get_priority_min(SCHED_FIFO), hi = sched_get_priority_max(SCHED_FIFO);
	printf("attr setprioceiling: min-1 %s", errname(pthread_mutexattr_setprioceiling(&a, lo - 1)));
	printf(", max+1 %s", errname(pthread_mutexattr_setprioceiling(&a, hi + 1)));
	r = pthread_mutexattr_setprioceiling(&a, 10);
	v = -1;
	pthread_mutexattr_getprioceiling(&a, &v);
	printf(", 10 %s, get %d\n", errname(r), v);

	/* a PTHREAD_PRIO_PROTECT mutex */
	pthread_mutex_t m;
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT);
	printf("prio protect: init %s", errname(pthread_mutex_init(&m, &a)));
	v = -1;
	r = pthread_mutex_getprioceiling(&m, &v);
	printf(", getprioceiling %s %d", errname(r), v);
	int old = -1;
	r = pthread_mutex_setprioceiling(&m, 20, &old);
	v = -1;
	pthread_mutex_getprioceiling(&m, &v);
	printf(", setprioceiling 20 %s old %d now %d", errname(r), old, v);
	printf(", setprioceiling max+1 %s\n", errname(pthread_mutex_setprioceiling(&m, hi + 1, &old)));
	/* locking raises the caller to the ceiling, which fails for a SCHED_OTHER thread; glibc 2.36
	 * records the ceiling before the failing sched_setscheduler, so later locks succeed */
	r = pthread_mutex_lock(&m);
	printf("prio protect, SCHED_OTHER caller: first lock %s", errname(r));
	if (r == 0)
		pthread_mutex_unlock(&m);
	r = pthread_mutex_trylock(&m);
	printf(", then trylock %s", errname(r));
	if (r == 0)
		pthread_mutex_unlock(&m);
	printf(", destroy %s\n", errname(pthread_mutex_destroy(&m)));

	CHECK(pthread_mutex_init(&m, NULL) == 0);
	printf("normal mutex: getprioceiling %s", errname(pthread_mutex_getprioceiling(&m, &v)));
	printf(", setprioceiling %s\n", errname(pthread_mutex_setprioceiling(&m, 10, &old)));
	pthread_mutex_destroy(&m);

	/* priority inheritance mutexes of each type */
	static const struct { int type; const char *name; } pi[] = {
		{ PTHREAD_MUTEX_NORMAL, "normal" }, { PTHREAD_MUTEX_RECURSIVE, "recursive" },
		{ PTHREAD_MUTEX_ERRORCHECK, "errorcheck" },
	};
	for (unsigned i = 0; i < 3; i++) {
		pthread_mutexattr_t b;
		pthread_mutexattr_init(&b);
		pthread_mutexattr_settype(&b, pi[i].type);
		pthread_mutexattr_setprotocol(&b, PTHREAD_PRIO_INHERIT);
		printf("prio inherit %s: init %s", pi[i].name, errname(pthread_mutex_init(&m, &b)));
		pthread_mutexattr_destroy(&b);
		int held = 0;
		r = pthread_mutex_lock(&m);
		held += r == 0;
		printf(", lock %s", errname(r));
		r = pthread_mutex_trylock(&m);
		held += r == 0;
		printf(", trylock %s", errname(r));
		if (pi[i].type != PTHREAD_MUTEX_NORMAL) {
			r = pthread_mutex_lock(&m);
			held += r == 0;
			printf(", relock %s", errname(r));
			printf(", other unlock %s", errname(in_other(&m, OP_UNLOCK, 0).result));
		}
		printf(", other trylock %s", errname(in_other(&m, OP_TRYLOCK, 0).result));
		printf(", other timedlock %s", errname(in_other(&m, OP_TIMED, 50).result));
		int unlocks = 0;
		while (unlocks < held && pthread_mutex_unlock(&m) == 0)
			unlocks++;
		printf(", unlocks %d, other trylock after %s", unlocks, errname(in_other(&m, OP_TRYLOCK, 0).result));
		printf(", destroy %s\n", errname(pthread_mutex_destroy(&m)));
	}

	/* a process-shared mutex used between threads of one process */
	pthread_mutexattr_t b;
	pthread_mutexattr_init(&b);
	pthread_mutexattr_setpshared(&b, PTHREAD_PROCESS_SHARED);
	CHECK(pthread_mutex_init(&m, &b) == 0);
	pthread_mutexattr_destroy(&b);
	printf("pshared in one process: lock %s", errname(pthread_mutex_lock(&m)));
	printf(", other trylock %s", errname(in_other(&m, OP_TRYLOCK, 0).result));
	printf(", other timedlock %s", errname(in_other(&m, OP_TIMED, 50).result));
	printf(", unlock %s", errname(pthread_mutex_unlock(&m)));
	printf(", other trylock %s", errname(in_other(&m, OP_TRYLOCK, 0).result));
	printf(", destroy %s\n", errname(pthread_mutex_destroy(&m)));
	printf("attr destroy %s\n", errname(pthread_mutexattr_destroy(&a)));
}

int main(int argc, char **argv)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const struct part parts[] = { { "types", types }, { "timed", timed }, { "attr", attr } };
	return run_part(argc, argv, parts, (int)(sizeof(parts) / sizeof(parts[0])));
}
