/* timer.c: heap order under random arming and disarming, deadline arithmetic. */
#include "unit.h"

static int fired[2000], nfired;
static struct gp_timer timers[2000];

static void on_fire(struct gp_timer *t)
{
	fired[nfired++] = (int)(t - timers);
}

TEST(heap_fires_in_deadline_order)
{
	struct gp_hub *h = gp_hub();
	srand(42);
	for (int i = 0; i < 2000; i++) {
		timers[i] = (struct gp_timer){ .idx = SIZE_MAX, .fire = on_fire };
		gp_timer_arm(h, &timers[i], 1000 + (uint64_t)(rand() % 100000));
	}
	for (int i = 0; i < 2000; i += 3) /* disarm a third of them, from anywhere in the heap */
		gp_timer_disarm(h, &timers[i]);
	CHECK_EQ(timers[4].idx != SIZE_MAX, 1);
	nfired = 0;
	gp_timer_run(h, 1000 + 50000);
	for (int i = 1; i < nfired; i++)
		CHECK(timers[fired[i - 1]].when <= timers[fired[i]].when);
	for (int i = 0; i < nfired; i++)
		CHECK(fired[i] % 3 != 0 && timers[fired[i]].when <= 51000 && timers[fired[i]].idx == SIZE_MAX);
	int before = nfired;
	gp_timer_run(h, UINT64_MAX - 1);
	CHECK_EQ(nfired, 2000 - 667);
	CHECK(before > 0 && before < nfired);
	CHECK_EQ(gp_timer_next(h), GP_NEVER);
}

TEST(deadlines)
{
	CHECK_EQ(gp_deadline_in(GP_NEVER), GP_NEVER);
	CHECK_EQ(gp_deadline_in(GP_NEVER - 5), GP_NEVER);
	uint64_t now = gp_now(), d = gp_deadline_in(1000000000);
	CHECK(d >= now + 1000000000 && d < now + 2000000000);
	struct timespec past = { 1, 0 }, neg = { -5, 0 }, future;
	CHECK(gp_deadline_at(CLOCK_REALTIME, &past) <= gp_now());
	CHECK(gp_deadline_at(CLOCK_REALTIME, &neg) <= gp_now());
	clock_gettime(CLOCK_REALTIME, &future);
	future.tv_sec += 2;
	d = gp_deadline_at(CLOCK_REALTIME, &future);
	CHECK(d > gp_now() + 1500000000ull && d < gp_now() + 2500000000ull);
	clock_gettime(CLOCK_MONOTONIC, &future);
	future.tv_sec += 1;
	d = gp_deadline_at(CLOCK_MONOTONIC, &future);
	CHECK(d > gp_now() + 500000000ull && d <= gp_ts_ns(&future) + 1000000);
}

RUN_TESTS()
