/* key.c: per-thread values, destructor rounds at exit, delete. */
#include "unit.h"

static unsigned k1, k2;
static int d1, d2;

static void dtor1(void *v)
{
	d1 += (int)(long)v;
}

static void dtor2(void *v)
{
	d2++;
	if ((long)v < 3)
		gp_key_set(k2, (void *)((long)v + 1)); /* more rounds, bounded by the round limit */
}

static void *worker(void *arg)
{
	CHECK(gp_key_get(k1) == NULL);
	gp_key_set(k1, arg);
	gp_yield();
	CHECK(gp_key_get(k1) == arg);
	gp_key_set(k2, (void *)1L);
	return NULL;
}

TEST(values_per_thread_and_destructors)
{
	CHECK_EQ(gp_key_create(&k1, dtor1), 0);
	CHECK_EQ(gp_key_create(&k2, dtor2), 0);
	CHECK(k1 != k2);
	struct gp_gt *a = spawn(worker, (void *)10L), *b = spawn(worker, (void *)20L);
	gp_join(a, NULL);
	gp_join(b, NULL);
	CHECK_EQ(d1, 30);
	CHECK_EQ(d2, 6); /* values 1, 2, 3 in three rounds, for each of the two threads */
	CHECK(gp_key_get(k1) == NULL);
}

TEST(delete_and_bad_keys)
{
	unsigned k;
	CHECK_EQ(gp_key_create(&k, NULL), 0);
	CHECK_EQ(gp_key_set(k, (void *)5L), 0);
	CHECK_EQ(gp_key_delete(k), 0);
	CHECK_EQ(gp_key_delete(k), -EINVAL);
	CHECK_EQ(gp_key_set(k, (void *)5L), -EINVAL);
	CHECK_EQ(gp_key_set(100000, (void *)5L), -EINVAL);
	CHECK(gp_key_get(100000) == NULL);
}

RUN_TESTS()
