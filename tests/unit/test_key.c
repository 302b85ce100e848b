/* key.c: values per green thread (main included), destructors at gp_exit in rounds, delete (no
 * destructor afterwards), a deleted-and-recreated key starting out NULL everywhere, bad keys, the
 * key limit. */
#include "unit.h"
#include <limits.h>

static unsigned k1, k2;
static int d1_sum, d2_calls, d2_seen_null;

static void dtor1(void *v)
{
	d1_sum += (int)(long)v;
}

/* Sets its key again each time: one more round each, bounded by the round limit. */
static void dtor_again(void *v)
{
	d2_calls++;
	d2_seen_null += gp_key_get(k2) == NULL; /* the value is cleared before the call */
	gp_key_set(k2, (void *)((long)v + 1));
}

static void *worker(void *arg)
{
	if (gp_key_get(k1) != NULL)
		return (void *)-1L; /* a new thread starts with NULL */
	CHECK_EQ(gp_key_set(k1, arg), 0);
	gp_yield();
	sleep_ms(5);
	if (gp_key_get(k1) != arg)
		return (void *)-2L; /* nobody else's value */
	return NULL;
}

TEST(values_are_per_green_thread)
{
	CHECK_EQ(gp_key_create(&k1, dtor1), 0);
	CHECK(gp_key_get(k1) == NULL);
	CHECK_EQ(gp_key_set(k1, (void *)1000L), 0); /* main's own */
	struct gp_gt *t[5];
	for (long i = 0; i < 5; i++)
		t[i] = spawn(worker, (void *)(i + 1));
	for (int i = 0; i < 5; i++)
		CHECK_EQ(join(t[i]), 0);
	CHECK(gp_key_get(k1) == (void *)1000L);
	CHECK_EQ(d1_sum, 1 + 2 + 3 + 4 + 5); /* each thread's destructor ran with its value */
	CHECK_EQ(gp_key_set(k1, NULL), 0);
	CHECK(gp_key_get(k1) == NULL);
}

static void *set_k2(void *arg)
{
	gp_key_set(k2, (void *)1L);
	return NULL;
}

static void *set_nothing(void *arg)
{
	return NULL;
}

TEST(destructors_run_at_exit_in_rounds)
{
	CHECK_EQ(gp_key_create(&k2, dtor_again), 0);
	CHECK_EQ(join(spawn(set_k2, NULL)), 0);
	/* PTHREAD_DESTRUCTOR_ITERATIONS (4) rounds, then the value is abandoned */
	CHECK_EQ(d2_calls, 4);
	CHECK_EQ(d2_seen_null, 4);
	d2_calls = 0;
	CHECK_EQ(join(spawn(set_nothing, NULL)), 0);
	CHECK_EQ(d2_calls, 0); /* NULL values: no call */
}

static unsigned kg;
static int g_calls;

static void dtor_g(void *v)
{
	g_calls++;
}

static void *exit_early(void *arg)
{
	gp_key_set(kg, (void *)7L);
	gp_exit(NULL); /* gp_exit, not a return: destructors run the same */
}

TEST(destructors_run_at_gp_exit)
{
	CHECK_EQ(gp_key_create(&kg, dtor_g), 0);
	CHECK_EQ(join(spawn(exit_early, NULL)), 0);
	CHECK_EQ(g_calls, 1);
}

static unsigned kd;
static int kd_calls;

static void dtor_d(void *v)
{
	kd_calls++;
}

static void *set_and_wait(void *arg)
{
	gp_key_set(kd, arg);
	sleep_ms(30); /* the key is deleted meanwhile */
	return NULL;
}

TEST(deleted_key_runs_no_destructor)
{
	CHECK_EQ(gp_key_create(&kd, dtor_d), 0);
	struct gp_gt *t = spawn(set_and_wait, (void *)5L);
	gp_yield();
	CHECK_EQ(gp_key_delete(kd), 0);
	CHECK_EQ(join(t), 0);
	CHECK_EQ(kd_calls, 0);
}

static unsigned kr;

static void *set_then_read_new_key(void *arg)
{
	unsigned *newkey = arg;
	gp_key_set(kr, (void *)0xdeadL);
	sleep_ms(30); /* kr is deleted and a new key made meanwhile */
	return gp_key_get(*newkey);
}

static unsigned kr_new;
static long kr_new_dtor_value;

static void dtor_new(void *v)
{
	kr_new_dtor_value = (long)v;
}

/* POSIX: on pthread_key_create the new key's value is NULL in every thread. A slot freed by a
 * delete and reused by a create must not show (or hand to its destructor) what a thread stored
 * under the old key. */
TEST(recreated_key_starts_out_null_in_every_thread)
{
	CHECK_EQ(gp_key_create(&kr, NULL), 0);
	struct gp_gt *t = spawn(set_then_read_new_key, &kr_new);
	gp_yield();
	CHECK_EQ(gp_key_delete(kr), 0);
	CHECK_EQ(gp_key_create(&kr_new, dtor_new), 0);
	if (kr_new != kr)
		printf("  (the new key did not reuse the slot: %u vs %u)\n", kr_new, kr);
	CHECK(gp_key_get(kr_new) == NULL);
	CHECK_EQ(join(t), 0);                 /* the thread sees NULL under the new key */
	CHECK_EQ(kr_new_dtor_value, 0);       /* and no destructor ran on the stale value */
}

TEST(delete_and_bad_keys)
{
	unsigned k;
	CHECK_EQ(gp_key_create(&k, NULL), 0);
	CHECK_EQ(gp_key_set(k, (void *)5L), 0);
	CHECK(gp_key_get(k) == (void *)5L);
	CHECK_EQ(gp_key_delete(k), 0);
	CHECK_EQ(gp_key_delete(k), -EINVAL);
	CHECK_EQ(gp_key_set(k, (void *)5L), -EINVAL);
	CHECK_EQ(gp_key_set(PTHREAD_KEYS_MAX, (void *)5L), -EINVAL);
	CHECK_EQ(gp_key_set(100000, (void *)5L), -EINVAL);
	CHECK_EQ(gp_key_delete(100000), -EINVAL);
	CHECK(gp_key_get(100000) == NULL);
	CHECK(gp_key_get(PTHREAD_KEYS_MAX) == NULL);
}

TEST(key_limit)
{
	static unsigned keys[PTHREAD_KEYS_MAX + 1];
	int n = 0;
	while (n <= PTHREAD_KEYS_MAX && gp_key_create(&keys[n], NULL) == 0)
		n++;
	CHECK_EQ(n, PTHREAD_KEYS_MAX); /* all of them, then EAGAIN */
	unsigned extra;
	CHECK_EQ(gp_key_create(&extra, NULL), -EAGAIN);
	/* the highest key works (the value array grows that far) */
	CHECK_EQ(gp_key_set(keys[n - 1], (void *)9L), 0);
	CHECK(gp_key_get(keys[n - 1]) == (void *)9L);
	CHECK_EQ(gp_key_delete(keys[3]), 0);
	CHECK_EQ(gp_key_create(&extra, NULL), 0);
	CHECK_EQ(extra, keys[3]);
	for (int i = 0; i < n; i++)
		CHECK_EQ(gp_key_delete(keys[i]), 0);
}

RUN_TESTS()
