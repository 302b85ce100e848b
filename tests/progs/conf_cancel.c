/* Conformance of thread cancellation, printed for comparison with the native run, one line per
 * case: deferred cancellation at each cancellation point a thread can block in (the joined value
 * is PTHREAD_CANCELED, the cleanup handler ran), pthread_mutex_lock not being one, cleanup
 * handlers in LIFO order with their arguments and pthread_cleanup_pop(1)/pop(0), the mutex held
 * again in the handler after a cancelled pthread_cond_wait (and only once the canceller lets it
 * go), PTHREAD_CANCEL_DISABLE deferring a cancel, PTHREAD_CANCEL_ASYNCHRONOUS on a sched_yield
 * loop, self-cancellation, a cancelled pthread_once init, key destructors of a cancelled thread,
 * cancel of a thread that ended, and the old state/type returned by the setters.
 * Every wait is bounded: a case whose thread is not cancelled within 2 s says so. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

/* ---- one blocking cancellation point per case ---- */

struct ccase;
typedef void (*block_fn)(struct ccase *);
struct ccase {
	const char *name;
	block_fn block;
	int fds[2];
	pthread_mutex_t *m;
	pthread_cond_t *cv;
	sem_t *sem;
	pthread_t joinee;
	volatile int ready, ended, returned;
	int cleanup_ran, unlock_in_cleanup;
};

static void set_timeout(int fd, int sec)
{
	struct timeval tv = { sec, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void b_cond_wait(struct ccase *c)
{
	CHECK(pthread_mutex_lock(c->m) == 0);
	c->ready = 1;
	for (int i = 0; i < 100; i++) /* a predicate that never becomes true */
		pthread_cond_wait(c->cv, c->m);
	pthread_mutex_unlock(c->m);
}

static void b_cond_timedwait(struct ccase *c)
{
	CHECK(pthread_mutex_lock(c->m) == 0);
	c->ready = 1;
	struct timespec ts = in_ms(CLOCK_REALTIME, 5000);
	while (pthread_cond_timedwait(c->cv, c->m, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(c->m);
}

static void b_cond_clockwait(struct ccase *c)
{
	CHECK(pthread_mutex_lock(c->m) == 0);
	c->ready = 1;
	struct timespec ts = in_ms(CLOCK_MONOTONIC, 5000);
	while (pthread_cond_clockwait(c->cv, c->m, CLOCK_MONOTONIC, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(c->m);
}

static void b_sleep(struct ccase *c)
{
	c->ready = 1;
	sleep(5);
}

static void b_usleep(struct ccase *c)
{
	c->ready = 1;
	for (int i = 0; i < 6; i++)
		usleep(900000);
}

static void b_nanosleep(struct ccase *c)
{
	c->ready = 1;
	struct timespec ts = { 5, 0 };
	nanosleep(&ts, NULL);
}

static void b_clock_nanosleep(struct ccase *c)
{
	c->ready = 1;
	struct timespec ts = { 5, 0 };
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static void b_read(struct ccase *c)
{
	char b;
	c->ready = 1;
	if (read(c->fds[0], &b, 1) < 0)
		c->returned = -errno;
}

static void b_recv(struct ccase *c)
{
	char b;
	c->ready = 1;
	if (recv(c->fds[0], &b, 1, 0) < 0)
		c->returned = -errno;
}

static void b_accept(struct ccase *c)
{
	c->ready = 1;
	int fd = accept(c->fds[0], NULL, NULL);
	if (fd >= 0)
		close(fd);
}

static void b_poll(struct ccase *c)
{
	struct pollfd p = { c->fds[0], POLLIN, 0 };
	c->ready = 1;
	poll(&p, 1, 5000);
}

static void b_select(struct ccase *c)
{
	fd_set r;
	FD_ZERO(&r);
	FD_SET(c->fds[0], &r);
	struct timeval tv = { 5, 0 };
	c->ready = 1;
	select(c->fds[0] + 1, &r, NULL, NULL, &tv);
}

static void close_fd(void *arg)
{
	close((int)(long)arg);
}

static void b_epoll_wait(struct ccase *c)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fds[0], &ev);
	pthread_cleanup_push(close_fd, (void *)(long)ep);
	c->ready = 1;
	epoll_wait(ep, &out, 1, 5000);
	pthread_cleanup_pop(1);
}

static void b_sem_wait(struct ccase *c)
{
	c->ready = 1;
	sem_wait(c->sem);
}

static void b_sem_timedwait(struct ccase *c)
{
	struct timespec ts = in_ms(CLOCK_REALTIME, 5000);
	c->ready = 1;
	sem_timedwait(c->sem, &ts);
}

static void b_join(struct ccase *c)
{
	c->ready = 1;
	pthread_join(c->joinee, NULL);
}

static void b_testcancel(struct ccase *c)
{
	double end = now_ms() + 5000;
	c->ready = 1;
	while (now_ms() < end) {
		pthread_testcancel();
		sched_yield(); /* not a cancellation point */
	}
}

static void b_async_yield(struct ccase *c)
{
	int old = -1;
	CHECK(pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old) == 0);
	double end = now_ms() + 5000;
	c->ready = 1;
	while (now_ms() < end)
		sched_yield(); /* not a cancellation point: only async cancellation ends this */
	pthread_setcanceltype(old, NULL);
}

static void b_deferred_yield(struct ccase *c)
{
	double end = now_ms() + 500; /* deferred: the cancel waits for a cancellation point */
	c->ready = 1;
	while (now_ms() < end)
		sched_yield();
	c->returned = 2; /* reached: not cancelled inside the loop */
	pthread_testcancel();
}

static void cleanup_mark(void *arg)
{
	struct ccase *c = arg;
	c->cleanup_ran = 1;
	if (c->m)
		c->unlock_in_cleanup = pthread_mutex_unlock(c->m); /* 0 only if it holds the mutex */
	c->ended = 1;
}

static void *case_thread(void *arg)
{
	struct ccase *c = arg;
	pthread_cleanup_push(cleanup_mark, c);
	c->block(c);
	if (c->returned == 0)
		c->returned = 1;
	pthread_cleanup_pop(0);
	c->ended = 1;
	return (void *)1L;
}

static int wait_flag(volatile int *flag, int ms)
{
	for (int i = 0; i < ms && !*flag; i++)
		usleep(1000);
	return *flag;
}

/* Bounded join: wait (at most ms) for the thread to say it ended, then join it. */
static int join_ended(pthread_t t, volatile int *ended, int ms, void **value)
{
	if (!wait_flag(ended, ms))
		return 0;
	CHECK(pthread_join(t, value) == 0);
	return 1;
}

/* Everything a case's thread uses lives here, on the heap: it is freed only when the thread
 * ended, so a thread left blocked by a broken library never sees reused memory. */
struct box {
	struct ccase c, joinee;
	pthread_mutex_t m;
	pthread_cond_t cv;
	sem_t sem;
};

static void run_case(const char *name, block_fn block)
{
	struct box *bx = calloc(1, sizeof(*bx));
	struct ccase *c = &bx->c;
	pthread_mutexattr_t ma;
	pthread_t t;
	CHECK(bx != NULL);
	c->name = name;
	c->block = block;
	c->fds[0] = c->fds[1] = -1;
	if (block == b_cond_wait || block == b_cond_timedwait || block == b_cond_clockwait) {
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
		CHECK(pthread_mutex_init(&bx->m, &ma) == 0);
		pthread_mutexattr_destroy(&ma);
		CHECK(pthread_cond_init(&bx->cv, NULL) == 0);
		c->m = &bx->m;
		c->cv = &bx->cv;
	}
	if (block == b_read || block == b_recv || block == b_poll || block == b_select || block == b_epoll_wait) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, c->fds) == 0);
		set_timeout(c->fds[0], 5);
	}
	if (block == b_accept) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		c->fds[0] = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(c->fds[0] >= 0 && bind(c->fds[0], (struct sockaddr *)&a, sizeof(a)) == 0 && listen(c->fds[0], 4) == 0);
		set_timeout(c->fds[0], 5);
	}
	if (block == b_sem_wait || block == b_sem_timedwait) {
		CHECK(sem_init(&bx->sem, 0, 0) == 0);
		c->sem = &bx->sem;
	}
	if (block == b_join) {
		bx->joinee.block = b_deferred_yield; /* any thread that stays alive a while */
		CHECK(pthread_create(&c->joinee, NULL, case_thread, &bx->joinee) == 0);
	}
	CHECK(pthread_create(&t, NULL, case_thread, c) == 0);
	wait_flag(&c->ready, 2000);
	usleep(30000); /* now blocked in the call */
	int r = pthread_cancel(t);
	void *value = NULL;
	if (!join_ended(t, &c->ended, 2000, &value)) {
		printf("cancel in %s: cancel %s, still not ended after 2 s\n", name, errname(r));
		return; /* bx stays allocated: the thread may still use it */
	}
	printf("cancel in %s: cancel %s, joined PTHREAD_CANCELED %d, cleanup ran %d", name, errname(r), value == PTHREAD_CANCELED,
	       c->cleanup_ran);
	if (block == b_deferred_yield)
		printf(", the loop ran to its end first %d", c->returned == 2);
	else
		printf(", returned from the call %d", c->returned);
	if (c->m) {
		printf(", handler's unlock %s", errname(c->unlock_in_cleanup));
		printf(", other trylock after %s", errname(pthread_mutex_trylock(c->m)));
	}
	if (block == b_join) {
		void *jv = NULL;
		int ok = join_ended(c->joinee, &bx->joinee.ended, 2000, &jv);
		printf(", the joinee is still joinable %d value %ld", ok, (long)jv);
		if (!ok) {
			printf("\n");
			return;
		}
	}
	printf("\n");
	if (c->fds[0] >= 0)
		close(c->fds[0]);
	if (c->fds[1] >= 0)
		close(c->fds[1]);
	free(bx);
}

/* ---- cleanup handlers ---- */

static char order[16];
static int opos;

static void record(void *arg)
{
	order[opos++] = (char)(long)arg;
}

static volatile int lifo_ready, lifo_ended;

static void end_mark(void *arg)
{
	lifo_ended = 1;
}

static void *lifo_thread(void *arg)
{
	pthread_cleanup_push(end_mark, NULL);
	pthread_cleanup_push(record, (void *)'a');
	pthread_cleanup_push(record, (void *)'b');
	pthread_cleanup_push(record, (void *)'c');
	lifo_ready = 1;
	sleep(5);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	lifo_ended = 1;
	return NULL;
}

static void *pop_thread(void *arg)
{
	pthread_cleanup_push(record, (void *)'a');
	pthread_cleanup_push(record, (void *)'b');
	pthread_cleanup_pop(1); /* runs b */
	pthread_cleanup_push(record, (void *)'c');
	pthread_cleanup_pop(0); /* c does not run */
	record((void *)'-');
	pthread_exit((void *)7L); /* runs a */
	pthread_cleanup_pop(0);
	return NULL;
}

static void cleanups(void)
{
	pthread_t t;
	void *v = NULL;
	opos = 0;
	memset(order, 0, sizeof(order));
	CHECK(pthread_create(&t, NULL, lifo_thread, NULL) == 0);
	wait_flag(&lifo_ready, 2000);
	usleep(20000);
	pthread_cancel(t);
	if (join_ended(t, &lifo_ended, 2000, &v))
		printf("cleanup handlers a, b, c pushed, cancelled in sleep: run order %s, canceled %d\n", order,
		       v == PTHREAD_CANCELED);
	else
		printf("cleanup handlers a, b, c pushed, cancelled in sleep: still not ended after 2 s\n");
	opos = 0;
	memset(order, 0, sizeof(order));
	CHECK(pthread_create(&t, NULL, pop_thread, NULL) == 0);
	CHECK(pthread_join(t, &v) == 0);
	printf("push a, push b, pop(1), push c, pop(0), pthread_exit: run order %s, value %ld\n", order, (long)v);
}

/* ---- cond_wait cancelled while the canceller holds the mutex ---- */

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ccv = PTHREAD_COND_INITIALIZER;
static volatile int cw_ready, cw_handler, cw_ended;

static void cw_cleanup(void *arg)
{
	cw_handler = 1;
	pthread_mutex_unlock(&cm);
	cw_ended = 1;
}

static void *cw_thread(void *arg)
{
	pthread_mutex_lock(&cm);
	pthread_cleanup_push(cw_cleanup, NULL);
	cw_ready = 1;
	for (int i = 0; i < 100; i++)
		pthread_cond_wait(&ccv, &cm);
	pthread_cleanup_pop(1);
	return NULL;
}

static void cond_mutex_held(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, cw_thread, NULL) == 0);
	wait_flag(&cw_ready, 2000);
	usleep(20000);
	struct timespec ts = in_ms(CLOCK_REALTIME, 2000);
	int lr = pthread_mutex_timedlock(&cm, &ts); /* the waiter released it in the wait */
	pthread_cancel(t);
	usleep(50000);
	int before = cw_handler; /* the handler needs the mutex first */
	if (lr == 0)
		pthread_mutex_unlock(&cm);
	if (join_ended(t, &cw_ended, 2000, NULL))
		printf("cond_wait cancelled while the canceller holds the mutex: canceller locked it %s, handler ran before the unlock %d, after %d\n",
		       errname(lr), before, cw_handler);
	else
		printf("cond_wait cancelled while the canceller holds the mutex: canceller locked it %s, still not ended after 2 s\n",
		       errname(lr));
}

/* ---- pthread_mutex_lock is not a cancellation point ---- */

static pthread_mutex_t lm = PTHREAD_MUTEX_INITIALIZER;
static volatile int ml_ready, ml_got, ml_ended;

static void ml_cleanup(void *arg)
{
	pthread_mutex_unlock(&lm);
	ml_ended = 1;
}

static void *ml_thread(void *arg)
{
	ml_ready = 1;
	pthread_mutex_lock(&lm);
	ml_got = 1;
	pthread_cleanup_push(ml_cleanup, NULL);
	pthread_testcancel();
	pthread_cleanup_pop(1);
	ml_got = 2; /* not reached when cancelled */
	return NULL;
}

static void mutex_not_a_point(void)
{
	pthread_t t;
	void *v = NULL;
	pthread_mutex_lock(&lm);
	CHECK(pthread_create(&t, NULL, ml_thread, NULL) == 0);
	wait_flag(&ml_ready, 2000);
	usleep(20000);
	pthread_cancel(t);
	usleep(100000);
	int still = ml_got == 0 && !ml_ended;
	pthread_mutex_unlock(&lm);
	if (join_ended(t, &ml_ended, 2000, &v))
		printf("cancel while blocked in pthread_mutex_lock: still blocked after 100 ms %d, got the mutex %d, cancelled at the next testcancel %d\n",
		       still, ml_got >= 1, v == PTHREAD_CANCELED && ml_got == 1);
	else
		printf("cancel while blocked in pthread_mutex_lock: still blocked after 100 ms %d, not ended after 2 s\n", still);
}

/* ---- cancel state and type ---- */

static volatile int ds_ready, ds_cancelled_sent, ds_slept, ds_after_enable, ds_ended;
static int ds_old_state = -1, ds_old_state2 = -1;

static void ds_cleanup(void *arg)
{
	ds_ended = 1;
}

static void *ds_thread(void *arg)
{
	pthread_cleanup_push(ds_cleanup, NULL);
	CHECK(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &ds_old_state) == 0);
	ds_ready = 1;
	wait_flag(&ds_cancelled_sent, 2000);
	usleep(100000); /* a cancellation point, with cancellation disabled */
	ds_slept = 1;
	CHECK(pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &ds_old_state2) == 0);
	ds_after_enable = 1; /* deferred: enabling is not a cancellation point */
	pthread_testcancel();
	ds_after_enable = 2; /* not reached */
	pthread_cleanup_pop(0);
	ds_ended = 1;
	return NULL;
}

static void disabled(void)
{
	pthread_t t;
	void *v = NULL;
	CHECK(pthread_create(&t, NULL, ds_thread, NULL) == 0);
	wait_flag(&ds_ready, 2000);
	int r = pthread_cancel(t);
	ds_cancelled_sent = 1;
	if (join_ended(t, &ds_ended, 3000, &v))
		printf("cancel while DISABLE: cancel %s, old state ENABLE %d, the sleep finished %d, went on after ENABLE %d (old DISABLE %d), cancelled at testcancel %d\n",
		       errname(r), ds_old_state == PTHREAD_CANCEL_ENABLE, ds_slept, ds_after_enable >= 1,
		       ds_old_state2 == PTHREAD_CANCEL_DISABLE, v == PTHREAD_CANCELED && ds_after_enable == 1);
	else
		printf("cancel while DISABLE: cancel %s, not ended after 3 s\n", errname(r));
}

static void *setters_thread(void *arg)
{
	int old = -1, r;
	r = pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	printf("setcancelstate: DISABLE %s old ENABLE %d", errname(r), old == PTHREAD_CANCEL_ENABLE);
	r = pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	printf(", ENABLE %s old DISABLE %d", errname(r), old == PTHREAD_CANCEL_DISABLE);
	printf(", 99 %s", errname(pthread_setcancelstate(99, &old)));
	printf(", NULL old %s\n", errname(pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL)));
	r = pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	printf("setcanceltype: ASYNCHRONOUS %s old DEFERRED %d", errname(r), old == PTHREAD_CANCEL_DEFERRED);
	r = pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
	printf(", DEFERRED %s old ASYNCHRONOUS %d", errname(r), old == PTHREAD_CANCEL_ASYNCHRONOUS);
	printf(", 99 %s", errname(pthread_setcanceltype(99, &old)));
	printf(", NULL old %s\n", errname(pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, NULL)));
	return NULL;
}

/* ---- self-cancel, once, keys, an ended thread ---- */

static volatile int self_after, self_ended;

static void self_cleanup(void *arg)
{
	self_ended = 1;
}

static void *self_thread(void *arg)
{
	pthread_cleanup_push(self_cleanup, NULL);
	int r = pthread_cancel(pthread_self());
	self_after = r == 0 ? 1 : -1; /* deferred: goes on until a cancellation point */
	pthread_testcancel();
	self_after = 2;
	pthread_cleanup_pop(0);
	self_ended = 1;
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int once_runs, once_in_init, once_ended;

static void once_init(void)
{
	if (__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST) == 1) {
		once_in_init = 1;
		sleep(5); /* the first run is cancelled here */
	}
}

static void once_cleanup(void *arg)
{
	once_ended = 1;
}

static void *once_thread(void *arg)
{
	pthread_cleanup_push(once_cleanup, NULL);
	pthread_once(&once, once_init);
	pthread_cleanup_pop(0);
	once_ended = 1;
	return NULL;
}

static pthread_key_t key;
static volatile long key_dtor_value;
static volatile int key_ready, key_ended;

static void key_dtor(void *v)
{
	key_dtor_value = (long)v;
	key_ended = 1;
}

static void *key_thread(void *arg)
{
	pthread_setspecific(key, (void *)33L);
	key_ready = 1;
	sleep(5);
	return NULL;
}

static void *quick(void *arg)
{
	return (void *)9L;
}

static void others(void)
{
	pthread_t t;
	void *v = NULL;
	CHECK(pthread_create(&t, NULL, self_thread, NULL) == 0);
	if (join_ended(t, &self_ended, 2000, &v))
		printf("self-cancel: went on after pthread_cancel(self) %d, cancelled at testcancel %d\n", self_after == 1,
		       v == PTHREAD_CANCELED);
	else
		printf("self-cancel: not ended after 2 s\n");

	CHECK(pthread_create(&t, NULL, once_thread, NULL) == 0);
	wait_flag(&once_in_init, 2000);
	usleep(20000);
	pthread_cancel(t);
	if (join_ended(t, &once_ended, 2000, &v)) {
		int cancelled = v == PTHREAD_CANCELED;
		CHECK(pthread_create(&t, NULL, once_thread, NULL) == 0);
		once_ended = 0;
		int second = join_ended(t, &once_ended, 2000, NULL);
		printf("pthread_once init cancelled: canceled %d, the next caller ran init again %d (runs %d)\n", cancelled,
		       second, once_runs);
	} else {
		printf("pthread_once init cancelled: not ended after 2 s\n");
	}

	CHECK(pthread_key_create(&key, key_dtor) == 0);
	CHECK(pthread_create(&t, NULL, key_thread, NULL) == 0);
	wait_flag(&key_ready, 2000);
	usleep(20000);
	pthread_cancel(t);
	if (join_ended(t, &key_ended, 2000, &v))
		printf("a cancelled thread's key destructor ran with %ld, canceled %d\n", key_dtor_value, v == PTHREAD_CANCELED);
	else
		printf("a cancelled thread's key destructor: not run after 2 s\n");

	CHECK(pthread_create(&t, NULL, quick, NULL) == 0);
	usleep(50000); /* it has returned, not joined yet */
	int r = pthread_cancel(t);
	CHECK(pthread_join(t, &v) == 0);
	printf("cancel of an ended, unjoined thread: %s, joined value %ld\n", errname(r), (long)v);
}

int main(int argc, char **argv)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "points")) {
		run_case("pthread_cond_wait", b_cond_wait);
		run_case("pthread_cond_timedwait", b_cond_timedwait);
		run_case("pthread_cond_clockwait", b_cond_clockwait);
		run_case("sleep", b_sleep);
		run_case("usleep", b_usleep);
		run_case("nanosleep", b_nanosleep);
		run_case("clock_nanosleep", b_clock_nanosleep);
		run_case("read (socketpair)", b_read);
		run_case("recv (socketpair)", b_recv);
		run_case("accept", b_accept);
		run_case("poll", b_poll);
		run_case("select", b_select);
		run_case("epoll_wait", b_epoll_wait);
		run_case("sem_wait", b_sem_wait);
		run_case("sem_timedwait", b_sem_timedwait);
		run_case("pthread_join", b_join);
		run_case("a pthread_testcancel loop", b_testcancel);
		run_case("a sched_yield loop, ASYNCHRONOUS", b_async_yield);
		run_case("a sched_yield loop, DEFERRED", b_deferred_yield);
	} else if (!strcmp(what, "handlers")) {
		cleanups();
		cond_mutex_held();
		mutex_not_a_point();
	} else if (!strcmp(what, "state")) {
		pthread_t t;
		CHECK(pthread_create(&t, NULL, setters_thread, NULL) == 0);
		CHECK(pthread_join(t, NULL) == 0);
		disabled();
		others();
	} else {
		fprintf(stderr, "usage: conf_cancel points|handlers|state\n");
		return 2;
	}
	return 0;
}
