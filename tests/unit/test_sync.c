/* sync.c: mutex types and errors, FIFO hand-off, timed lock, condition variables, once. */
#include "unit.h"
#include <pthread.h>

static struct gp_mutex m;

TEST(mutex_types)
{
	m = (struct gp_mutex){ .kind = PTHREAD_MUTEX_RECURSIVE };
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_trylock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM);
	m = (struct gp_mutex){ .kind = PTHREAD_MUTEX_ERRORCHECK };
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), -EDEADLK);
	CHECK_EQ(gp_mutex_trylock(&m), -EBUSY);
	CHECK_EQ(gp_mutex_unlock(&m), 0);
	CHECK_EQ(gp_mutex_unlock(&m), -EPERM);
	m = (struct gp_mutex){ 0 };
	CHECK_EQ(gp_mutex_lock(&m, GP_NEVER), 0);
	CHECK_EQ(gp_mutex_trylock(&m), -EBUSY);
	CHECK_EQ(gp_mutex_lock(&m, gp_deadline_in(10000000)), -ETIMEDOUT); /* self-deadlock, timed */
	CHECK_EQ(gp_mutex_unlock(&m), 0);
}

static char order[16];
static int pos;

static void *take(void *arg)
{
	gp_mutex_lock(&m, GP_NEVER);
	order[pos++] = (char)('a' + (long)arg);
	gp_yield(); /* holding it: nobody else may get in */
	gp_mutex_unlock(&m);
	return NULL;
}

TEST(fifo_hand_off)
{
	m = (struct gp_mutex){ 0 };
	pos = 0;
	gp_mutex_lock(&m, GP_NEVER);
	struct gp_gt *t[10];
	for (long i = 0; i < 10; i++)
		t[i] = spawn(take, (void *)i);
	gp_yield(); /* all ten queue up */
	gp_mutex_unlock(&m);
	for (int i = 0; i < 10; i++)
		gp_join(t[i], NULL);
	order[pos] = 0;
	CHECK(!strcmp(order, "abcdefghij"));
	CHECK(m.owner == NULL && m.wq.head == NULL);
}

static void *timed_take(void *arg)
{
	return (void *)(long)gp_mutex_lock(&m, gp_deadline_in(20000000));
}

TEST(timed_lock_times_out_and_leaves_the_queue)
{
	m = (struct gp_mutex){ 0 };
	gp_mutex_lock(&m, GP_NEVER);
	struct gp_gt *t = spawn(timed_take, NULL);
	void *r;
	gp_join(t, &r);
	CHECK_EQ((long)r, -ETIMEDOUT);
	CHECK(m.wq.head == NULL);
	gp_mutex_unlock(&m);
	CHECK(m.owner == NULL);
}

static struct gp_cond c;
static int ready, woke;

static void *cond_waiter(void *arg)
{
	gp_mutex_lock(&m, GP_NEVER);
	while (!ready)
		gp_cond_wait(&c, &m, GP_NEVER);
	woke++;
	gp_mutex_unlock(&m);
	return NULL;
}

TEST(cond_signal_broadcast_timeout)
{
	m = (struct gp_mutex){ 0 };
	c = (struct gp_cond){ 0 };
	ready = woke = 0;
	struct gp_gt *t[5];
	for (int i = 0; i < 5; i++)
		t[i] = spawn(cond_waiter, NULL);
	gp_yield();
	ready = 1;
	gp_cond_signal(&c);
	gp_yield();
	CHECK_EQ(woke, 1);
	gp_cond_broadcast(&c);
	for (int i = 0; i < 5; i++)
		gp_join(t[i], NULL);
	CHECK_EQ(woke, 5);
	gp_mutex_lock(&m, GP_NEVER);
	CHECK_EQ(gp_cond_wait(&c, &m, gp_deadline_in(10000000)), -ETIMEDOUT);
	CHECK(m.owner == gp_self()); /* re-acquired after the timeout */
	gp_mutex_unlock(&m);
	struct gp_mutex e = { .kind = PTHREAD_MUTEX_ERRORCHECK };
	CHECK_EQ(gp_cond_wait(&c, &e, GP_NEVER), -EPERM);
}

static int once, init_runs;

static void slow_init(void)
{
	init_runs++;
	gp_sleep_until(gp_deadline_in(20000000));
}

static void *call_once(void *arg)
{
	gp_once(&once, slow_init);
	return (void *)(long)once;
}

TEST(once_runs_once_while_others_wait)
{
	struct gp_gt *t[5];
	for (int i = 0; i < 5; i++)
		t[i] = spawn(call_once, NULL);
	for (int i = 0; i < 5; i++) {
		void *r;
		gp_join(t[i], &r);
		CHECK_EQ((long)r, 2); /* nobody returned before the init finished */
	}
	CHECK_EQ(init_runs, 1);
}

static struct gp_sem sem;

static void *sem_take(void *arg)
{
	return (void *)(long)gp_sem_wait(&sem, (uint64_t)(long)arg);
}

TEST(semaphore_hands_units_in_order)
{
	gp_sem_init(&sem, 1);
	CHECK_EQ(gp_sem_trywait(&sem), 0);
	CHECK_EQ(gp_sem_trywait(&sem), -EAGAIN);
	struct gp_gt *a = spawn(sem_take, (void *)GP_NEVER), *b = spawn(sem_take, (void *)gp_deadline_in(20000000));
	gp_yield();
	CHECK_EQ(gp_sem_post(&sem), 0); /* goes to a, the first waiter */
	void *ra, *rb;
	gp_join(a, &ra);
	gp_join(b, &rb);
	CHECK_EQ((long)ra, 0);
	CHECK_EQ((long)rb, -ETIMEDOUT);
	CHECK_EQ(sem.value, 0);
	CHECK(sem.wq.head == NULL);
}

static struct gp_rwlock rw;

static void *rw_write(void *arg)
{
	int r = gp_rwlock_wrlock(&rw, (uint64_t)(long)arg);
	if (r == 0)
		gp_rwlock_unlock(&rw);
	return (void *)(long)r;
}

TEST(rwlock_readers_share_writers_exclude)
{
	rw = (struct gp_rwlock){ 0 };
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), 0);
	CHECK_EQ(gp_rwlock_tryrdlock(&rw), 0);
	CHECK_EQ(gp_rwlock_trywrlock(&rw), -EBUSY);
	struct gp_gt *w = spawn(rw_write, (void *)gp_deadline_in(20000000));
	void *r;
	gp_join(w, &r);
	CHECK_EQ((long)r, -ETIMEDOUT);
	w = spawn(rw_write, (void *)GP_NEVER);
	gp_yield();
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
	CHECK_EQ(gp_rwlock_unlock(&rw), 0); /* last reader out: the writer gets in */
	gp_join(w, &r);
	CHECK_EQ((long)r, 0);
	CHECK_EQ(gp_rwlock_unlock(&rw), -EPERM);
	CHECK_EQ(gp_rwlock_wrlock(&rw, GP_NEVER), 0);
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), -EDEADLK);
	CHECK_EQ(gp_rwlock_unlock(&rw), 0);
}

static struct gp_barrier bar;

static void *cross(void *arg)
{
	return (void *)(long)gp_barrier_wait(&bar);
}

TEST(barrier_one_serial_per_round)
{
	bar = (struct gp_barrier){ .count = 3 };
	for (int round = 0; round < 2; round++) {
		struct gp_gt *t[3];
		long serial = 0;
		for (int i = 0; i < 3; i++)
			t[i] = spawn(cross, NULL);
		for (int i = 0; i < 3; i++) {
			void *r;
			gp_join(t[i], &r);
			serial += (long)r == PTHREAD_BARRIER_SERIAL_THREAD;
		}
		CHECK_EQ(serial, 1);
	}
	CHECK_EQ(bar.round, 2);
}

RUN_TESTS()
