/* sched.c: spawn order, yield, join/detach semantics, errno per green thread, many threads. */
#include "unit.h"

static char trace[64];
static int tpos;

static void *mark(void *arg)
{
	trace[tpos++] = (char)(long)arg;
	gp_yield();
	trace[tpos++] = (char)((long)arg + 32);
	return arg;
}

TEST(spawn_runs_fifo_and_yield_rotates)
{
	tpos = 0;
	struct gp_gt *a = spawn(mark, (void *)'A'), *b = spawn(mark, (void *)'B');
	CHECK_EQ(tpos, 0); /* spawning does not run the new thread */
	void *ra, *rb;
	CHECK_EQ(gp_join(a, &ra), 0);
	CHECK_EQ(gp_join(b, &rb), 0);
	trace[tpos] = 0;
	CHECK(!strcmp(trace, "ABab"));
	CHECK_EQ((long)ra, 'A');
	CHECK_EQ((long)rb, 'B');
}

static void *quick(void *arg)
{
	return arg;
}

TEST(join_errors)
{
	CHECK_EQ(gp_join(gp_self(), NULL), -EDEADLK);
	struct gp_gt *t = spawn(quick, NULL);
	CHECK_EQ(gp_detach(t), 0);
	CHECK_EQ(gp_detach(t), -EINVAL);
	CHECK_EQ(gp_join(t, NULL), -EINVAL);
	gp_yield(); /* let it run and be reaped */
	long junk[16] = { 0 };
	CHECK_EQ(gp_join((struct gp_gt *)junk, NULL), -ESRCH);
}

static void *set_errno(void *arg)
{
	errno = (int)(long)arg;
	gp_yield();
	return (void *)(long)errno;
}

TEST(errno_is_per_green_thread)
{
	errno = 7;
	struct gp_gt *a = spawn(set_errno, (void *)11L), *b = spawn(set_errno, (void *)22L);
	void *ra, *rb;
	gp_join(a, &ra);
	gp_join(b, &rb);
	CHECK_EQ((long)ra, 11);
	CHECK_EQ((long)rb, 22);
	CHECK_EQ(errno, 7);
}

static void *sleeper(void *arg)
{
	gp_sleep_until(gp_deadline_in((uint64_t)(long)arg * 1000000));
	trace[tpos++] = (char)('0' + (long)arg / 10);
	return NULL;
}

TEST(sleepers_wake_in_deadline_order)
{
	tpos = 0;
	long ms[] = { 50, 10, 30, 20, 40 };
	struct gp_gt *t[5];
	double t0 = unit_ms();
	for (int i = 0; i < 5; i++)
		t[i] = spawn(sleeper, (void *)ms[i]);
	for (int i = 0; i < 5; i++)
		gp_join(t[i], NULL);
	trace[tpos] = 0;
	CHECK(!strcmp(trace, "12345"));
	double took = unit_ms() - t0;
	CHECK(took >= 49 && took < 1000);
}

TEST(ten_thousand_threads)
{
	static struct gp_gt *t[10000];
	long sum = 0;
	for (long i = 0; i < 10000; i++)
		t[i] = spawn(quick, (void *)i);
	for (int i = 0; i < 10000; i++) {
		void *r;
		CHECK_EQ(gp_join(t[i], &r), 0);
		sum += (long)r;
	}
	CHECK_EQ(sum, 10000L * 9999 / 2);
	CHECK_EQ(gp_hub()->nthreads, 1);
}

static struct gp_gt *parked;
static void *park_forever(void *arg)
{
	parked = gp_self();
	gp_self()->state = GP_WAITING;
	return (void *)(long)gp_park(GP_NEVER);
}

TEST(park_and_ready_carry_a_status)
{
	struct gp_gt *t = spawn(park_forever, NULL);
	gp_yield();
	CHECK(parked == t && t->state == GP_WAITING);
	gp_ready(t, -1234);
	gp_ready(t, -1); /* a second ready is ignored */
	void *r;
	gp_join(t, &r);
	CHECK_EQ((long)r, -1234);
}

static unsigned get_mxcsr(void)
{
	unsigned v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(unsigned v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static unsigned short get_fpucw(void)
{
	unsigned short v;
	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void set_fpucw(unsigned short v)
{
	__asm__ volatile("fldcw %0" : : "m"(v));
}

static void *round_up_mode(void *arg)
{
	set_mxcsr((get_mxcsr() & ~0x6000u) | 0x4000u); /* SSE rounding: toward +inf */
	set_fpucw((unsigned short)((get_fpucw() & ~0x0c00u) | 0x0800u)); /* x87 likewise */
	gp_yield();
	return (void *)(long)((get_mxcsr() & 0x6000u) == 0x4000u && (get_fpucw() & 0x0c00u) == 0x0800u);
}

static void *default_mode(void *arg)
{
	gp_yield();
	return (void *)(long)((get_mxcsr() & 0x6000u) == 0 && (get_fpucw() & 0x0c00u) == 0);
}

TEST(fp_control_words_are_per_green_thread)
{
	struct gp_gt *a = spawn(round_up_mode, NULL), *b = spawn(default_mode, NULL);
	void *ra, *rb;
	gp_join(a, &ra);
	gp_join(b, &rb);
	CHECK_EQ((long)ra, 1);
	CHECK_EQ((long)rb, 1);
	CHECK_EQ(get_mxcsr() & 0x6000u, 0);
}

static void *report_mode(void *arg)
{
	return (void *)(long)(get_mxcsr() & 0x6000u);
}

TEST(new_thread_inherits_creators_fp_environment)
{
	unsigned saved = get_mxcsr();
	set_mxcsr((saved & ~0x6000u) | 0x2000u); /* toward -inf */
	struct gp_gt *t = spawn(report_mode, NULL);
	set_mxcsr(saved);
	void *r;
	gp_join(t, &r);
	CHECK_EQ((long)r, 0x2000);
}

RUN_TESTS()
