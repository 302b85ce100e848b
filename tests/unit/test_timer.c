/* timer.c: the heap (order under many random deadlines, disarm from anywhere, index bookkeeping,
 * duplicates, arming from a callback), and deadline arithmetic (gp_deadline_in saturation,
 * gp_deadline_at for past, future and far-future times on every clock). */
#include "unit.h"
#include <stdint.h>

#define N 20000
static struct gp_timer timers[N];
static int fired[N], nfired;

static void on_fire(struct gp_timer *t)
{
	fired[nfired++] = (int)(t - timers);
}

/* Every slot points at its timer, which knows its slot; no child is before its parent. Returns the
 * number of violations. */
static int heap_violations(struct gp_hub *h)
{
	int bad = 0;
	for (size_t i = 0; i < h->nheap; i++) {
		struct gp_timer *t = h->heap[i].t;
		bad += t->idx != i || t->when != h->heap[i].when;
		bad += i > 0 && h->heap[i].when < h->heap[(i - 1) / 2].when;
	}
	return bad;
}

static void init_timers(void)
{
	for (int i = 0; i < N; i++)
		timers[i] = (struct gp_timer){ .idx = SIZE_MAX, .fire = on_fire };
	nfired = 0;
}

/* Random deadlines far in the future of the process's monotonic clock values, but the test runs
 * the heap by hand with its own `now`, so they are just numbers. */
static uint64_t rnd(void)
{
	return 1000000 + ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % 1000000000ull;
}

TEST(heap_fires_in_deadline_order)
{
	struct gp_hub *h = gp_hub();
	init_timers();
	srand(12345);
	for (int i = 0; i < N; i++)
		gp_timer_arm(h, &timers[i], rnd());
	CHECK_EQ(h->nheap, N);
	CHECK_EQ(heap_violations(h), 0);
	uint64_t min = GP_NEVER;
	for (int i = 0; i < N; i++)
		if (timers[i].when < min)
			min = timers[i].when;
	CHECK_EQ(gp_timer_next(h), min);
	/* run in ten slices of time: each fires exactly what is due, in order */
	uint64_t now = 0;
	for (int slice = 1; slice <= 10; slice++) {
		int before = nfired;
		now = 1000000 + slice * 100000000ull;
		gp_timer_run(h, now);
		for (int i = before; i < nfired; i++) {
			struct gp_timer *t = &timers[fired[i]];
			CHECK(t->when <= now && t->idx == SIZE_MAX);
			if (i > 0 && timers[fired[i - 1]].when > t->when) {
				CHECK(timers[fired[i - 1]].when <= t->when);
				break;
			}
		}
		CHECK(gp_timer_next(h) > now);
		CHECK_EQ(heap_violations(h), 0);
	}
	CHECK_EQ(nfired, N);
	CHECK_EQ(h->nheap, 0);
	CHECK_EQ(gp_timer_next(h), GP_NEVER);
}

TEST(disarm_from_anywhere)
{
	struct gp_hub *h = gp_hub();
	init_timers();
	srand(777);
	for (int i = 0; i < N; i++)
		gp_timer_arm(h, &timers[i], rnd());
	static char gone[N];
	memset(gone, 0, sizeof(gone));
	/* the root, the last slot, the middle, then a random third of the rest */
	struct gp_timer *pick[3] = { h->heap[0].t, h->heap[h->nheap - 1].t, h->heap[h->nheap / 2].t };
	for (int k = 0; k < 3; k++) {
		gone[pick[k] - timers] = 1;
		gp_timer_disarm(h, pick[k]);
		CHECK_EQ(pick[k]->idx, SIZE_MAX);
		CHECK_EQ(heap_violations(h), 0);
	}
	int ndis = 3;
	for (int i = 0; i < N; i++) {
		if (!gone[i] && rand() % 3 == 0) {
			gone[i] = 1;
			gp_timer_disarm(h, &timers[i]);
			ndis++;
		}
	}
	CHECK_EQ(h->nheap, N - ndis);
	CHECK_EQ(heap_violations(h), 0);
	/* re-arm some disarmed ones with new deadlines: allowed once disarmed */
	int rearmed = 0;
	for (int i = 0; i < N && rearmed < 100; i++) {
		if (gone[i]) {
			gone[i] = 0;
			gp_timer_arm(h, &timers[i], rnd());
			rearmed++;
		}
	}
	CHECK_EQ(heap_violations(h), 0);
	gp_timer_run(h, GP_NEVER - 1);
	CHECK_EQ(nfired, N - ndis + rearmed);
	int order_ok = 1, none_gone = 1;
	for (int i = 0; i < nfired; i++) {
		none_gone &= !gone[fired[i]];
		if (i)
			order_ok &= timers[fired[i - 1]].when <= timers[fired[i]].when;
	}
	CHECK(order_ok);
	CHECK(none_gone); /* a disarmed timer never fires */
}

TEST(equal_deadlines_all_fire)
{
	struct gp_hub *h = gp_hub();
	init_timers();
	for (int i = 0; i < 100; i++)
		gp_timer_arm(h, &timers[i], 5000);
	gp_timer_disarm(h, &timers[50]);
	CHECK_EQ(heap_violations(h), 0);
	gp_timer_run(h, 4999);
	CHECK_EQ(nfired, 0);
	gp_timer_run(h, 5000); /* due exactly now: fires */
	CHECK_EQ(nfired, 99);
	CHECK_EQ(h->nheap, 0);
}

static struct gp_timer chain_b, chain_c;
static char chain[8];
static int nchain;

static void fire_c(struct gp_timer *t)
{
	chain[nchain++] = 'c';
}

static void fire_b(struct gp_timer *t)
{
	chain[nchain++] = 'b';
	gp_timer_arm(gp_hub(), &chain_c, 300); /* armed from a callback, due in the same run */
	gp_timer_arm(gp_hub(), t, 10000);      /* and itself again, not due yet */
}

TEST(arming_from_a_callback)
{
	struct gp_hub *h = gp_hub();
	chain_b = (struct gp_timer){ .idx = SIZE_MAX, .fire = fire_b };
	chain_c = (struct gp_timer){ .idx = SIZE_MAX, .fire = fire_c };
	gp_timer_arm(h, &chain_b, 200);
	gp_timer_run(h, 500);
	chain[nchain] = 0;
	CHECK_STR(chain, "bc");
	CHECK_EQ(h->nheap, 1);
	CHECK_EQ(gp_timer_next(h), 10000);
	gp_timer_disarm(h, &chain_b);
	CHECK_EQ(gp_timer_next(h), GP_NEVER);
}

/* A timer armed in the hub's heap with a real deadline fires from the hub's own poll. */
static int hub_fired;
static void on_hub_fire(struct gp_timer *t)
{
	hub_fired++;
}

TEST(hub_poll_runs_due_timers)
{
	struct gp_hub *h = gp_hub();
	struct gp_timer t = { .idx = SIZE_MAX, .fire = on_hub_fire };
	gp_timer_arm(h, &t, gp_deadline_in(20 * MS));
	gp_hub_poll(h, 0);
	CHECK_EQ(hub_fired, 0);
	double t0 = unit_ms();
	gp_hub_poll(h, 1); /* nothing runnable: waits until the timer is due */
	CHECK_EQ(hub_fired, 1);
	CHECK_RANGE(unit_ms() - t0, 15, 3000);
}

TEST(deadline_in_saturates)
{
	CHECK_EQ(gp_deadline_in(GP_NEVER), GP_NEVER);
	CHECK_EQ(gp_deadline_in(GP_NEVER - 1), GP_NEVER);
	CHECK_EQ(gp_deadline_in(GP_NEVER - gp_now() + 1000), GP_NEVER);
	CHECK_EQ(gp_deadline_in(GP_NEVER - gp_now()), GP_NEVER);
	uint64_t now = gp_now(), d = gp_deadline_in(0);
	CHECK(d >= now && d < now + GP_NS);
	now = gp_now();
	d = gp_deadline_in(UINT64_MAX / 2); /* large, no overflow: a plain sum */
	CHECK(d >= now + UINT64_MAX / 2 && d < now + UINT64_MAX / 2 + GP_NS);
	CHECK(d != GP_NEVER);
	now = gp_now();
	d = gp_deadline_in(1500 * MS);
	CHECK(d >= now + 1500 * MS && d < now + 2500 * MS);
}

static uint64_t abs_in(clockid_t clk, long long sec, long nsec)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_sec += sec;
	ts.tv_nsec += nsec;
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_sec++, ts.tv_nsec -= 1000000000L;
	if (ts.tv_nsec < 0)
		ts.tv_sec--, ts.tv_nsec += 1000000000L;
	return gp_deadline_at(clk, &ts);
}

TEST(deadline_at_past_and_future_on_every_clock)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI };
	for (int i = 0; i < 4; i++) {
		clockid_t c = clocks[i];
		uint64_t now = gp_now();
		uint64_t d = abs_in(c, 2, 0);
		CHECK(d >= now + 1500 * MS && d <= gp_now() + 2000 * MS);
		now = gp_now();
		d = abs_in(c, 0, 250000000);
		CHECK(d >= now + 150 * MS && d <= gp_now() + 250 * MS);
		d = abs_in(c, -3, 0); /* past: due now, not in 3 s nor wrapped around */
		CHECK(d <= gp_now());
		CHECK(d + 1000 * MS > gp_now());
		d = abs_in(c, 0, 0); /* exactly now */
		CHECK(d <= gp_now());
	}
	struct timespec epoch = { 0, 0 }, neg = { -5, 0 }, one = { 1, 0 };
	CHECK(gp_deadline_at(CLOCK_REALTIME, &epoch) <= gp_now());
	CHECK(gp_deadline_at(CLOCK_REALTIME, &neg) <= gp_now());
	CHECK(gp_deadline_at(CLOCK_MONOTONIC, &one) <= gp_now());
	CHECK(gp_deadline_at(CLOCK_MONOTONIC, &neg) <= gp_now());
	/* in the past by a whole day, on the monotonic clock: still just "now" */
	CHECK(abs_in(CLOCK_REALTIME, -86400, 0) + 1000 * MS > gp_now());
}

/* Programs pass "forever" as a far-future absolute time ({INT_MAX, 0}, {LONG_MAX, 0}, year 3000):
 * natively such a timed wait does not time out. The conversion must saturate (GP_NEVER or at least
 * far in the future), never wrap around into the past. tv_sec * 1e9 passes 2^64 at tv_sec
 * 18446744073.7: 18446744074 s wraps to 0.29 s after the epoch, 36893488148 s to 0.58 s. */
TEST(deadline_at_far_future_does_not_wrap)
{
	static const long long secs[] = { 2147483647LL, 32503680000LL /* year 3000 */, 18446744073LL,
					  18446744074LL, 36893488148LL, 100000000000LL,
					  9223372036854775807LL /* LONG_MAX */ };
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC };
	uint64_t ten_years = 10ull * 365 * 86400 * GP_NS;
	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < (int)(sizeof(secs) / sizeof(secs[0])); i++) {
			struct timespec ts = { (time_t)secs[i], 999999999 * (i % 2) };
			uint64_t d = gp_deadline_at(clocks[c], &ts), now = gp_now();
			if (!(d == GP_NEVER || d > now + ten_years))
				UNIT_FAILED("clock %d, {%lld, %ld}: deadline %llu is %.3f s from now", (int)clocks[c],
					    secs[i], (long)ts.tv_nsec, (unsigned long long)d,
					    ((double)d - (double)now) / 1e9);
		}
	}
}

RUN_TESTS()
