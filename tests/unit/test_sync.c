/* sync.c (with sem.c and rwlock.c): mutex types and their error codes, FIFO hand-off without
 * barging, timed locks, condition variables (signal, broadcast, timeouts that re-acquire the
 * mutex, recursive mutexes), once with a sleeping init; semaphores, read-write locks, barriers. */
#include "unit.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static struct gp_mutex m;

static void reset_mutex(int kind)
{
	m = (struct gp_mutex){ .kind = kind };
}

static void *lock_unlock_other(void *arg)
{
	return (void *)(long)gp_mutex_unlock(&m);
}

static void *trylock_other(void *arg)
{
	return (void *)(long)gp_mutex_trylock(&m);
}

TEST(normal_mutex)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK(m.owner == gp_self());
	CHECK_EQ(gp_mutex_trylock(&m), -EBUSY); /* trylock by the owner: busy, not a relock */
	CHECK_EQ(join(spawn(trylock_other, NULL)), -EBUSY);
	double t0 = unit_ms();
	CHECK_EQ(gp_mutex_lock(&m, gp_deadline_in(30 * MS)), -ETIMEDOUT); /* self-deadlock, timed */
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	CHECK(m.owner == gp_self()); /* still ours */
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK(m.owner == NULL);
	CHECK_EQ(gp_mutex_trylock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	/* the adaptive type behaves as normal */
	reset_mutex(PTHREAD_MUTEX_ADAPTIVE_NP);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_trylock(&m), -EBUSY);
	CHECK_EQ(gp_mutex_lock(&m, gp_deadline_in(5 * MS)), -ETIMEDOUT);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
}

TEST(recursive_mutex)
{
	reset_mutex(PTHREAD_MUTEX_RECURSIVE);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_trylock(&m), 0);
	CHECK_EQ(m.count, 2);
	CHECK_EQ(join(spawn(trylock_other, NULL)), -EBUSY);
	CHECK_EQ(join(spawn(lock_unlock_other, NULL)), -EPERM); /* not the owner */
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK(m.owner == gp_self());
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK(m.owner == NULL);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM); /* not locked */
	/* the recursion counter's limit */
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	m.count = UINT32_MAX;
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), -EAGAIN);
	CHECK_EQ(gp_mutex_trylock(&m), -EAGAIN);
	m.count = 0;
	CHECK_EQ(gp_mutex_unlock(&m), 0);
}

TEST(errorcheck_mutex)
{
	reset_mutex(PTHREAD_MUTEX_ERRORCHECK);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM); /* not locked */
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), -EDEADLK);
	CHECK_EQ(gp_mutex_lock(&m, gp_deadline_in(5 * MS)), -EDEADLK);
	CHECK_EQ(gp_mutex_trylock(&m), -EBUSY);
	CHECK_EQ(join(spawn(lock_unlock_other, NULL)), -EPERM); /* not the owner */
	CHECK(m.owner == gp_self());
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM);
}

static char order[32];
static int pos;

static void *take(void *arg)
{
	int r = gp_mutex_lock(&m, GP_NEVER);
	order[pos++] = (char)('a' + (long)arg);
	order[pos] = 0;
	gp_yield(); /* holding it: nobody else may get in */
	gp_yield();
	gp_mutex_unlock(&m);
	return (void *)(long)r;
}

TEST(fifo_hand_off_among_ten_waiters)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	pos = 0;
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	struct gp_gt *t[10];
	for (long i = 0; i < 10; i++)
		t[i] = spawn(take, (void *)i);
	gp_yield(); /* all ten queue up, in spawn order */
	CHECK_EQ(pos, 0);
	int queued = 0;
	for (struct gp_waiter *w = m.wq.head; w; w = w->next)
		queued++;
	CHECK_EQ(queued, 10);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	/* the first waiter is woken and takes it when it runs; a running thread may take the free
	 * mutex first (as with glibc), and the woken one then keeps its place at the head */
	CHECK(m.owner == NULL);
	CHECK_EQ(gp_mutex_trylock(&m), 0);
	gp_yield(); /* t[0] runs, finds it held, queues again, first */
	CHECK(m.wq.head && m.wq.head->gt == t[0]);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(join(t[i]), 0);
	CHECK_STR(order, "abcdefghij");
	CHECK(m.owner == NULL && m.wq.head == NULL);
}

static void *timed_take(void *arg)
{
	int r = gp_mutex_lock(&m, gp_deadline_in((uint64_t)(long)arg * MS));
	if (r == 0) {
		order[pos++] = 'T';
		order[pos] = 0;
		gp_mutex_unlock(&m);
	}
	return (void *)(long)r;
}

TEST(timed_lock_times_out_and_leaves_the_queue)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	pos = 0;
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	double t0 = unit_ms();
	CHECK_EQ(join(spawn(timed_take, (void *)30L)), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	CHECK(m.wq.head == NULL);
	/* a timed waiter in the middle of the queue leaves it; the others keep their order */
	struct gp_gt *a = spawn(take, (void *)0L), *b = spawn(timed_take, (void *)20L),
		     *c = spawn(take, (void *)2L);
	sleep_ms(60);
	CHECK_EQ(b->state, GP_DONE);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(join(a), 0);
	CHECK_EQ(join(b), -ETIMEDOUT);
	CHECK_EQ(join(c), 0);
	CHECK_STR(order, "ac");
	CHECK(m.owner == NULL && m.wq.head == NULL);
	/* a timed lock that gets the mutex in time */
	pos = 0;
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	b = spawn(timed_take, (void *)2000L);
	sleep_ms(10);
	gp_mutex_unlock(&m);
	CHECK_EQ(join(b), 0);
	CHECK_STR(order, "T");
}

static struct gp_cond c;
static int ready, woke;

static void *cond_waiter(void *arg)
{
	gp_mutex_lock(&m, GP_NEVER);
	while (!ready)
		gp_cond_wait(&c, &m, GP_NEVER);
	ready--;
	woke++;
	order[pos++] = (char)('a' + (long)arg);
	order[pos] = 0;
	int owned = m.owner == gp_self();
	gp_mutex_unlock(&m);
	return (void *)(long)owned;
}

TEST(cond_signal_wakes_one_in_order)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	c = (struct gp_cond){ 0 };
	ready = woke = pos = 0;
	gp_cond_signal(&c); /* nobody waits: not remembered */
	struct gp_gt *t[4];
	for (long i = 0; i < 4; i++)
		t[i] = spawn(cond_waiter, (void *)i);
	gp_yield();
	CHECK_EQ(woke, 0);
	CHECK(m.owner == NULL); /* every waiter released it */
	for (int k = 1; k <= 4; k++) {
		gp_mutex_lock(&m, GP_NEVER);
		ready++;
		gp_cond_signal(&c);
		gp_mutex_unlock(&m);
		gp_yield();
		CHECK_EQ(woke, k); /* exactly one per signal */
	}
	CHECK_STR(order, "abcd");
	for (int i = 0; i < 4; i++)
		CHECK_EQ(join(t[i]), 1); /* each woke holding the mutex */
}

TEST(cond_broadcast_wakes_all)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	c = (struct gp_cond){ 0 };
	ready = woke = pos = 0;
	struct gp_gt *t[6];
	for (long i = 0; i < 6; i++)
		t[i] = spawn(cond_waiter, (void *)i);
	gp_yield();
	gp_mutex_lock(&m, GP_NEVER);
	ready = 6;
	gp_cond_broadcast(&c);
	CHECK(c.wq.head == NULL);
	gp_yield();
	CHECK_EQ(woke, 0); /* they queue on the mutex we hold */
	gp_mutex_unlock(&m);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(join(t[i]), 1);
	CHECK_EQ(woke, 6);
	CHECK_STR(order, "abcdef");
	gp_cond_broadcast(&c); /* nobody: harmless */
}

static void *hold_mutex_then_release(void *arg)
{
	gp_mutex_lock(&m, GP_NEVER);
	sleep_ms((unsigned)(long)arg); /* past the waiter's deadline */
	order[pos++] = 'u';
	order[pos] = 0;
	gp_mutex_unlock(&m);
	return NULL;
}

TEST(timed_cond_wait_times_out_and_reacquires)
{
	reset_mutex(PTHREAD_MUTEX_NORMAL);
	c = (struct gp_cond){ 0 };
	pos = 0;
	gp_mutex_lock(&m, GP_NEVER);
	double t0 = unit_ms();
	CHECK_EQ(gp_cond_wait(&c, &m, gp_deadline_in(30 * MS)), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	CHECK(m.owner == gp_self());
	CHECK(c.wq.head == NULL);
	/* the mutex is held by another thread when the deadline passes: the wait returns only once it
	 * is ours again */
	struct gp_gt *h = spawn(hold_mutex_then_release, (void *)60L);
	t0 = unit_ms();
	CHECK_EQ(gp_cond_wait(&c, &m, gp_deadline_in(20 * MS)), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 59, 3000);
	CHECK_STR(order, "u");
	CHECK(m.owner == gp_self());
	gp_mutex_unlock(&m);
	join(h);
	/* an errorcheck mutex not held: EPERM, no wait */
	struct gp_mutex e = { .kind = PTHREAD_MUTEX_ERRORCHECK };
	CHECK_EQ(gp_cond_wait(&c, &e, GP_NEVER), -EPERM);
	struct gp_mutex r = { .kind = PTHREAD_MUTEX_RECURSIVE };
	CHECK_EQ(gp_cond_wait(&c, &r, GP_NEVER), -EPERM);
}

static void *lock_while_waiting(void *arg)
{
	int r = gp_mutex_trylock(&m);
	if (r == 0)
		gp_mutex_unlock(&m);
	return (void *)(long)r;
}

/* As glibc: a wait lets go of one level of a recursive mutex. Locked once, it is free during the
 * wait; locked three times, it stays held (twice) and the depth is back after. */
TEST(cond_wait_with_a_recursive_mutex)
{
	reset_mutex(PTHREAD_MUTEX_RECURSIVE);
	c = (struct gp_cond){ 0 };
	gp_mutex_lock(&m, GP_NEVER);
	struct gp_gt *t = spawn(lock_while_waiting, NULL);
	CHECK_EQ(gp_cond_wait(&c, &m, gp_deadline_in(20 * MS)), -ETIMEDOUT);
	CHECK_EQ(join(t), 0); /* it got the mutex while we waited */
	CHECK(m.owner == gp_self());
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	reset_mutex(PTHREAD_MUTEX_RECURSIVE);
	gp_mutex_lock(&m, GP_NEVER);
	gp_mutex_lock(&m, GP_NEVER);
	gp_mutex_lock(&m, GP_NEVER);
	t = spawn(lock_while_waiting, NULL);
	CHECK_EQ(gp_cond_wait(&c, &m, gp_deadline_in(20 * MS)), -ETIMEDOUT);
	CHECK_EQ(join(t), -EBUSY);
	CHECK(m.owner == gp_self());
	CHECK_EQ(m.count, 2); /* the depth is back */
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM);
}

static int once, once2, init_runs, init2_runs;

static void slow_init(void)
{
	init_runs++;
	sleep_ms(30);
}

static void *call_once(void *arg)
{
	int r = gp_once(&once, slow_init);
	/* nobody returns before the init has finished */
	return (void *)(long)(r == 0 && once == 2 && init_runs == 1 ? 1 : -1);
}

static void quick_init(void)
{
	init2_runs++;
}

TEST(once_runs_once_while_others_wait)
{
	struct gp_gt *t[6];
	for (int i = 0; i < 6; i++)
		t[i] = spawn(call_once, NULL);
	gp_yield();
	CHECK_EQ(once, 1); /* running, in the first thread's sleep */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(join(t[i]), 1);
	CHECK_EQ(init_runs, 1);
	CHECK_EQ(gp_once(&once, slow_init), 0);
	CHECK_EQ(init_runs, 1);
	CHECK_EQ(gp_hub()->rq_head == NULL, 1); /* nobody left waiting for it */
	/* another once variable is independent; an already-done value (glibc's 2) is respected */
	CHECK_EQ(gp_once(&once2, quick_init), 0);
	CHECK_EQ(gp_once(&once2, quick_init), 0);
	CHECK_EQ(init2_runs, 1);
	int done = 2;
	CHECK_EQ(gp_once(&done, quick_init), 0);
	CHECK_EQ(init2_runs, 1);
}

/* ---- semaphores ---- */

static struct gp_sem sem;

static void *sem_take(void *arg)
{
	int r = gp_sem_wait(&sem, (uint64_t)(uintptr_t)arg);
	if (r == 0) {
		order[pos++] = 's';
		order[pos] = 0;
	}
	return (void *)(long)r;
}

TEST(semaphore_hands_units_in_order)
{
	gp_sem_init(&sem, 1);
	CHECK_EQ(sem.green, GP_SEM_GREEN);
	CHECK_EQ(gp_sem_trywait(&sem), 0);
	CHECK_EQ(gp_sem_trywait(&sem), -EAGAIN);
	pos = 0;
	struct gp_gt *a = spawn(sem_take, (void *)(uintptr_t)GP_NEVER),
		     *b = spawn(sem_take, (void *)(uintptr_t)gp_deadline_in(30 * MS));
	gp_yield();
	CHECK_EQ(gp_sem_post(&sem), 0); /* goes to a, the first waiter */
	CHECK_EQ(sem.value, 0);         /* handed over, not added */
	CHECK_EQ(gp_sem_trywait(&sem), -EAGAIN);
	CHECK_EQ(join(a), 0);
	CHECK_EQ(join(b), -ETIMEDOUT);
	CHECK_EQ(sem.value, 0);
	CHECK(sem.wq.head == NULL);
	CHECK_EQ(gp_sem_post(&sem), 0);
	CHECK_EQ(gp_sem_post(&sem), 0);
	CHECK_EQ(sem.value, 2);
	CHECK_EQ(gp_sem_wait(&sem, GP_NEVER), 0);
	CHECK_EQ(sem.value, 1);
	sem.value = SEM_VALUE_MAX;
	CHECK_EQ(gp_sem_post(&sem), -EOVERFLOW);
}

/* ---- read-write locks ---- */

static struct gp_rwlock rw;

static void *rw_write(void *arg)
{
	int r = gp_rwlock_wrlock(&rw, (uint64_t)(uintptr_t)arg);
	if (r == 0) {
		order[pos++] = 'W';
		order[pos] = 0;
		gp_yield();
		gp_rwlock_unlock(&rw);
	}
	return (void *)(long)r;
}

static void *rw_read(void *arg)
{
	int r = gp_rwlock_rdlock(&rw, (uint64_t)(uintptr_t)arg);
	if (r == 0) {
		order[pos++] = 'R';
		order[pos] = 0;
		gp_yield();
		gp_rwlock_unlock(&rw);
	}
	return (void *)(long)r;
}

TEST(rwlock_readers_share_writers_exclude)
{
	rw = (struct gp_rwlock){ 0 };
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), 0);
	CHECK_EQ(gp_rwlock_tryrdlock(&rw), 0);
	CHECK_EQ(rw.readers, 2);
	CHECK_EQ(gp_rwlock_trywrlock(&rw), -EBUSY);
	CHECK_EQ(join(spawn(rw_write, (void *)(uintptr_t)gp_deadline_in(20 * MS))), -ETIMEDOUT);
	pos = 0;
	struct gp_gt *w = spawn(rw_write, (void *)(uintptr_t)GP_NEVER);
	gp_yield();
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	gp_yield();
	CHECK_EQ(pos, 0); /* one reader still in */
	CHECK_EQ(gp_rwlock_unlock(&rw), 0); /* last reader out: the writer gets in */
	CHECK_EQ(join(w), 0);
	CHECK_STR(order, "W");
	CHECK_EQ(gp_rwlock_unlock(&rw), 0); /* held by nobody: undefined, 0 as glibc */
	CHECK_EQ(gp_rwlock_wrlock(&rw, GP_NEVER), 0);
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), -EDEADLK);
	CHECK_EQ(gp_rwlock_wrlock(&rw, GP_NEVER), -EDEADLK);
	CHECK_EQ(gp_rwlock_tryrdlock(&rw), -EBUSY);
	CHECK_EQ(gp_rwlock_trywrlock(&rw), -EBUSY);
	/* readers queued behind the writer all get in together when it leaves */
	pos = 0;
	struct gp_gt *r[3];
	for (int i = 0; i < 3; i++)
		r[i] = spawn(rw_read, (void *)(uintptr_t)GP_NEVER);
	gp_yield();
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(join(r[i]), 0);
	CHECK_STR(order, "RRR");
	CHECK(rw.readers == 0 && rw.writer == NULL && rw.wq.head == NULL);
}

TEST(rwlock_writer_preference)
{
	rw = (struct gp_rwlock){ .flags = PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP };
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), 0);
	pos = 0;
	struct gp_gt *w = spawn(rw_write, (void *)(uintptr_t)GP_NEVER);
	gp_yield(); /* a writer waits: new readers wait behind it */
	CHECK_EQ(gp_rwlock_tryrdlock(&rw), -EBUSY);
	struct gp_gt *r = spawn(rw_read, (void *)(uintptr_t)GP_NEVER);
	gp_yield();
	CHECK_EQ(pos, 0);
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	CHECK_EQ(join(w), 0);
	CHECK_EQ(join(r), 0);
	CHECK_STR(order, "WR");
	/* default preference: readers get in while a writer waits */
	rw = (struct gp_rwlock){ 0 };
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), 0);
	w = spawn(rw_write, (void *)(uintptr_t)GP_NEVER);
	gp_yield();
	CHECK_EQ(gp_rwlock_tryrdlock(&rw), 0);
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	CHECK_EQ(join(w), 0);
}

/* ---- barriers ---- */

static struct gp_barrier bar;

static void *cross(void *arg)
{
	return (void *)(long)gp_barrier_wait(&bar);
}

TEST(barrier_one_serial_per_round)
{
	bar = (struct gp_barrier){ .count = 3 };
	for (int round = 0; round < 3; round++) {
		struct gp_gt *t[3];
		long serial = 0;
		for (int i = 0; i < 3; i++)
			t[i] = spawn(cross, NULL);
		for (int i = 0; i < 3; i++)
			serial += join(t[i]) == PTHREAD_BARRIER_SERIAL_THREAD;
		CHECK_EQ(serial, 1);
	}
	CHECK_EQ(bar.lock, 0);
	CHECK_EQ(bar.arrived, 0);
}

RUN_TESTS()
