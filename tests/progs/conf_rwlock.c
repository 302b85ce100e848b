/* Conformance of read-write locks, printed for comparison with the native run: many readers
 * inside at once, writers excluding everyone, try/timed/clock variants and their errors, the
 * caller's own deadlocks (EDEADLK), rwlockattr kinds, and who gets the lock first when a reader
 * arrives while a writer waits: the default (readers first) against
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP (the writer first), arrivals 80 ms apart.
 * Every wait is bounded. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

/* ---- one operation in another thread ---- */

enum op { TRYRD, TRYWR, TIMEDRD, TIMEDWR, CLOCKRD_MONO, CLOCKWR_MONO, CLOCKRD_REAL, CLOCKWR_REAL, CLOCKRD_BAD,
	  CLOCKWR_BAD, TIMEDRD_BADNS, TIMEDWR_BADNS, TIMEDRD_PAST, TIMEDWR_PAST };
struct job {
	pthread_rwlock_t *l;
	enum op op;
	int result;
	double waited;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 50), mono = in_ms(CLOCK_MONOTONIC, 50), bad = ts, past = ts;
	bad.tv_nsec = 1000000000L;
	past.tv_sec -= 10;
	double t0 = now_ms();
	switch (j->op) {
	case TRYRD: j->result = pthread_rwlock_tryrdlock(j->l); break;
	case TRYWR: j->result = pthread_rwlock_trywrlock(j->l); break;
	case TIMEDRD: j->result = pthread_rwlock_timedrdlock(j->l, &ts); break;
	case TIMEDWR: j->result = pthread_rwlock_timedwrlock(j->l, &ts); break;
	case CLOCKRD_MONO: j->result = pthread_rwlock_clockrdlock(j->l, CLOCK_MONOTONIC, &mono); break;
	case CLOCKWR_MONO: j->result = pthread_rwlock_clockwrlock(j->l, CLOCK_MONOTONIC, &mono); break;
	case CLOCKRD_REAL: j->result = pthread_rwlock_clockrdlock(j->l, CLOCK_REALTIME, &ts); break;
	case CLOCKWR_REAL: j->result = pthread_rwlock_clockwrlock(j->l, CLOCK_REALTIME, &ts); break;
	case CLOCKRD_BAD: j->result = pthread_rwlock_clockrdlock(j->l, CLOCK_PROCESS_CPUTIME_ID, &mono); break;
	case CLOCKWR_BAD: j->result = pthread_rwlock_clockwrlock(j->l, CLOCK_PROCESS_CPUTIME_ID, &mono); break;
	case TIMEDRD_BADNS: j->result = pthread_rwlock_timedrdlock(j->l, &bad); break;
	case TIMEDWR_BADNS: j->result = pthread_rwlock_timedwrlock(j->l, &bad); break;
	case TIMEDRD_PAST: j->result = pthread_rwlock_timedrdlock(j->l, &past); break;
	case TIMEDWR_PAST: j->result = pthread_rwlock_timedwrlock(j->l, &past); break;
	}
	j->waited = now_ms() - t0;
	if (j->result == 0)
		pthread_rwlock_unlock(j->l);
	return NULL;
}

static struct job other(pthread_rwlock_t *l, enum op op)
{
	struct job j = { l, op, -1, 0 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, job_run, &j) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	return j;
}

static const char *o(pthread_rwlock_t *l, enum op op)
{
	return errname(other(l, op).result);
}

/* A held lock: the holder is a thread that keeps it until told. */
struct holder {
	pthread_rwlock_t *l;
	int write;
	volatile int held, release;
};

static void *holder_run(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 2000);
	int r = h->write ? pthread_rwlock_timedwrlock(h->l, &ts) : pthread_rwlock_timedrdlock(h->l, &ts);
	h->held = r == 0 ? 1 : -1;
	for (int i = 0; i < 3000 && !h->release; i++)
		usleep(1000);
	if (r == 0)
		pthread_rwlock_unlock(h->l);
	return NULL;
}

static pthread_t hold(struct holder *h)
{
	pthread_t t;
	h->held = h->release = 0;
	CHECK(pthread_create(&t, NULL, holder_run, h) == 0);
	for (int i = 0; i < 2000 && !h->held; i++)
		usleep(1000);
	return t;
}

static void unhold(pthread_t t, struct holder *h)
{
	h->release = 1;
	pthread_join(t, NULL);
}

/* ---- errors ---- */

static void errors(void)
{
	pthread_rwlock_t l;
	struct holder h = { &l, 1, 0, 0 };
	struct job j;
	CHECK(pthread_rwlock_init(&l, NULL) == 0);

	pthread_t t = hold(&h);
	printf("written by another thread: tryrdlock %s, trywrlock %s\n", o(&l, TRYRD), o(&l, TRYWR));
	j = other(&l, TIMEDRD);
	printf("written by another thread: timedrdlock +50ms %s waited>=45 %d", errname(j.result), j.waited >= 45);
	j = other(&l, TIMEDWR);
	printf(", timedwrlock +50ms %s waited>=45 %d\n", errname(j.result), j.waited >= 45);
	j = other(&l, CLOCKRD_MONO);
	printf("written by another thread: clockrdlock MONOTONIC %s waited>=45 %d", errname(j.result), j.waited >= 45);
	j = other(&l, CLOCKWR_MONO);
	printf(", clockwrlock MONOTONIC %s waited>=45 %d", errname(j.result), j.waited >= 45);
	printf(", clockrdlock REALTIME %s", o(&l, CLOCKRD_REAL));
	printf(", clockwrlock REALTIME %s\n", o(&l, CLOCKWR_REAL));
	printf("written by another thread: clock PROCESS_CPUTIME_ID rd %s", o(&l, CLOCKRD_BAD));
	printf(" wr %s", o(&l, CLOCKWR_BAD));
	printf(", tv_nsec=1000000000 rd %s", o(&l, TIMEDRD_BADNS));
	printf(" wr %s", o(&l, TIMEDWR_BADNS));
	printf(", 10 s in the past rd %s", o(&l, TIMEDRD_PAST));
	printf(" wr %s\n", o(&l, TIMEDWR_PAST));
	unhold(t, &h);

	h.write = 0;
	t = hold(&h);
	printf("read by another thread: tryrdlock %s, trywrlock %s", o(&l, TRYRD), o(&l, TRYWR));
	printf(", timedrdlock %s", o(&l, TIMEDRD));
	j = other(&l, TIMEDWR);
	printf(", timedwrlock +50ms %s waited>=45 %d", errname(j.result), j.waited >= 45);
	printf(", clockwrlock MONOTONIC %s\n", o(&l, CLOCKWR_MONO));
	unhold(t, &h);

	printf("free: clock PROCESS_CPUTIME_ID rd %s", o(&l, CLOCKRD_BAD));
	printf(" wr %s", o(&l, CLOCKWR_BAD));
	printf(", tv_nsec=1000000000 rd %s", o(&l, TIMEDRD_BADNS));
	printf(" wr %s", o(&l, TIMEDWR_BADNS));
	printf(", 10 s in the past rd %s", o(&l, TIMEDRD_PAST));
	printf(" wr %s\n", o(&l, TIMEDWR_PAST));

	/* the caller's own deadlocks */
	struct timespec ts;
	CHECK(pthread_rwlock_wrlock(&l) == 0);
	printf("written by self: rdlock %s", errname(pthread_rwlock_rdlock(&l)));
	printf(", wrlock %s", errname(pthread_rwlock_wrlock(&l)));
	printf(", tryrdlock %s", errname(pthread_rwlock_tryrdlock(&l)));
	printf(", trywrlock %s", errname(pthread_rwlock_trywrlock(&l)));
	ts = in_ms(CLOCK_REALTIME, 50);
	printf(", timedrdlock %s", errname(pthread_rwlock_timedrdlock(&l, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	printf(", clockwrlock %s", errname(pthread_rwlock_clockwrlock(&l, CLOCK_MONOTONIC, &ts)));
	printf(", unlock %s", errname(pthread_rwlock_unlock(&l)));
	printf(", other trywrlock after %s\n", o(&l, TRYWR));

	CHECK(pthread_rwlock_rdlock(&l) == 0);
	printf("read by self: rdlock again %s", errname(pthread_rwlock_rdlock(&l)));
	printf(", tryrdlock %s", errname(pthread_rwlock_tryrdlock(&l)));
	printf(", trywrlock %s", errname(pthread_rwlock_trywrlock(&l)));
	ts = in_ms(CLOCK_REALTIME, 50);
	double t0 = now_ms();
	int r = pthread_rwlock_timedwrlock(&l, &ts);
	printf(", timedwrlock +50ms %s waited>=45 %d", errname(r), now_ms() - t0 >= 45);
	int unlocks = 0;
	while (unlocks < 3 && pthread_rwlock_unlock(&l) == 0)
		unlocks++;
	printf(", unlocks %d, other trywrlock after %s\n", unlocks, o(&l, TRYWR));
	printf("destroy %s\n", errname(pthread_rwlock_destroy(&l)));

	pthread_rwlock_t junk = PTHREAD_RWLOCK_INITIALIZER; /* corrupted below: never used again */
	printf("unlock of a lock nobody holds: %s\n", errname(pthread_rwlock_unlock(&junk)));
}

/* ---- attributes ---- */

static void attrs(void)
{
	pthread_rwlockattr_t a;
	int v = -1;
	CHECK(pthread_rwlockattr_init(&a) == 0);
	pthread_rwlockattr_getkind_np(&a, &v);
	printf("rwlockattr defaults: kind PREFER_READER_NP %d", v == PTHREAD_RWLOCK_PREFER_READER_NP);
	v = -1;
	pthread_rwlockattr_getpshared(&a, &v);
	printf(", pshared PRIVATE %d\n", v == PTHREAD_PROCESS_PRIVATE);
	static const struct { int k; const char *name; } kinds[] = {
		{ PTHREAD_RWLOCK_PREFER_WRITER_NP, "PREFER_WRITER_NP" },
		{ PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, "PREFER_WRITER_NONRECURSIVE_NP" },
		{ PTHREAD_RWLOCK_PREFER_READER_NP, "PREFER_READER_NP" },
	};
	printf("rwlockattr setkind_np:");
	for (int i = 0; i < 3; i++) {
		int r = pthread_rwlockattr_setkind_np(&a, kinds[i].k);
		v = -1;
		pthread_rwlockattr_getkind_np(&a, &v);
		printf(" %s %s/%d", kinds[i].name, errname(r), v == kinds[i].k);
	}
	printf(", 99 %s\n", errname(pthread_rwlockattr_setkind_np(&a, 99)));
	int r = pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	v = -1;
	pthread_rwlockattr_getpshared(&a, &v);
	printf("rwlockattr setpshared SHARED %s/%d", errname(r), v == PTHREAD_PROCESS_SHARED);
	printf(", 99 %s\n", errname(pthread_rwlockattr_setpshared(&a, 99)));
	printf("rwlockattr destroy %s\n", errname(pthread_rwlockattr_destroy(&a)));
}

/* ---- readers together, writers alone ---- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int inside, max_inside, timeouts;
static long a_count, b_count, torn;
static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
	if (pthread_rwlock_timedrdlock(&rw, &ts) != 0) {
		__atomic_fetch_add(&timeouts, 1, __ATOMIC_SEQ_CST);
		return arg;
	}
	pthread_mutex_lock(&stats);
	if (++inside > max_inside)
		max_inside = inside;
	pthread_mutex_unlock(&stats);
	usleep(50000);
	pthread_mutex_lock(&stats);
	inside--;
	pthread_mutex_unlock(&stats);
	pthread_rwlock_unlock(&rw);
	return arg;
}

static void *writer(void *arg)
{
	for (int i = 0; i < 200; i++) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
		if (pthread_rwlock_timedwrlock(&rw, &ts) != 0) {
			__atomic_fetch_add(&timeouts, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		long a = a_count;
		if (i % 40 == 0)
			usleep(500); /* sleeps while writing: readers and writers must wait */
		a_count = a + 1;
		b_count++;
		pthread_rwlock_unlock(&rw);
	}
	return arg;
}

static void *checker(void *arg)
{
	for (int i = 0; i < 200; i++) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
		if (pthread_rwlock_timedrdlock(&rw, &ts) != 0) {
			__atomic_fetch_add(&timeouts, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		if (a_count != b_count)
			__atomic_fetch_add(&torn, 1, __ATOMIC_SEQ_CST);
		pthread_rwlock_unlock(&rw);
		if (i % 20 == 0)
			usleep(200);
	}
	return arg;
}

static void together(void)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("8 readers holding it 50 ms each: all inside at once %d, timeouts %d\n", max_inside == 8, timeouts);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, writer, NULL) == 0);
	for (int i = 4; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, checker, NULL) == 0);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("4 writers x 200 and 4 readers: count %ld, readers saw a half-done write %ld, timeouts %d\n", a_count,
	       torn, timeouts);
}

/* ---- preference: R reads for 250 ms; W asks to write at 80 ms; r asks to read at 160 ms ---- */

static pthread_rwlock_t *pl;
static char order[8];
static int npos;
static double start;

struct who {
	char name;
	int write, at_ms, hold_ms;
	int result;
};

static void *arrive(void *arg)
{
	struct who *w = arg;
	double wait = start + w->at_ms - now_ms();
	if (wait > 0)
		usleep((useconds_t)(wait * 1000));
	struct timespec ts = in_ms(CLOCK_REALTIME, 3000);
	w->result = w->write ? pthread_rwlock_timedwrlock(pl, &ts) : pthread_rwlock_timedrdlock(pl, &ts);
	pthread_mutex_lock(&stats);
	order[npos++] = w->result == 0 ? w->name : '?';
	pthread_mutex_unlock(&stats);
	if (w->result == 0) {
		usleep(w->hold_ms * 1000);
		pthread_rwlock_unlock(pl);
	}
	return NULL;
}

static void preference(const char *name, pthread_rwlock_t *l)
{
	struct who who[3] = { { 'R', 0, 0, 250, -1 }, { 'W', 1, 80, 30, -1 }, { 'r', 0, 160, 30, -1 } };
	pthread_t t[3];
	pl = l;
	npos = 0;
	memset(order, 0, sizeof(order));
	start = now_ms();
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, arrive, &who[i]) == 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("%s: reader R holds, writer W waits, reader r arrives: order %s\n", name, order);
}

static void with_kind(const char *name, int kind)
{
	pthread_rwlockattr_t a;
	pthread_rwlock_t l;
	pthread_rwlockattr_init(&a);
	CHECK(pthread_rwlockattr_setkind_np(&a, kind) == 0);
	CHECK(pthread_rwlock_init(&l, &a) == 0);
	pthread_rwlockattr_destroy(&a);
	preference(name, &l);
	pthread_rwlock_destroy(&l);
}

static pthread_rwlock_t static_default = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t static_writer = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

int main(int argc, char **argv)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "errors")) {
		attrs();
		errors();
	} else if (!strcmp(what, "together")) {
		together();
	} else if (!strcmp(what, "preference")) {
		pthread_rwlock_t l;
		CHECK(pthread_rwlock_init(&l, NULL) == 0);
		preference("default (init NULL)", &l);
		pthread_rwlock_destroy(&l);
		preference("PTHREAD_RWLOCK_INITIALIZER", &static_default);
		with_kind("PREFER_READER_NP", PTHREAD_RWLOCK_PREFER_READER_NP);
		with_kind("PREFER_WRITER_NP", PTHREAD_RWLOCK_PREFER_WRITER_NP);
		with_kind("PREFER_WRITER_NONRECURSIVE_NP", PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		preference("PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP", &static_writer);
	} else {
		fprintf(stderr, "usage: conf_rwlock errors|together|preference\n");
		return 2;
	}
	return 0;
}
