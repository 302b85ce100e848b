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

RUN_TESTS()
