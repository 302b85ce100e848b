/* sched.c: spawn, FIFO run order, yield, join/detach semantics and errors, park/ready, wait queues,
 * errno and FP control words per green thread, 10,000 threads, sleeps (order, never early, wide
 * timing), I/O polled during a yield loop, the process ending with its last green thread. */
#include "unit.h"
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>

static char trace[256];
static int tpos;

static void trace_add(char c)
{
	if (tpos < (int)sizeof(trace) - 1)
		trace[tpos++] = c;
	trace[tpos] = 0;
}

static void trace_reset(void)
{
	tpos = 0;
	trace[0] = 0;
}

static void *quick(void *arg)
{
	return arg;
}

static void *mark(void *arg)
{
	trace_add((char)(long)arg);
	return arg;
}

TEST(spawn_does_not_run_the_new_thread)
{
	trace_reset();
	unsigned before = gp_hub()->nthreads;
	struct gp_gt *a = spawn(mark, (void *)'A'), *b = spawn(mark, (void *)'B');
	REQUIRE(a && b);
	CHECK_EQ(tpos, 0); /* pthread_create's caller keeps running */
	CHECK_EQ(a->state, GP_RUNNABLE);
	CHECK(gp_is_gt(a) && gp_is_gt(b));
	CHECK(a->id != b->id && b->id > a->id);
	CHECK_EQ(gp_hub()->nthreads, before + 2);
	CHECK_EQ(join(a), 'A');
	CHECK_EQ(join(b), 'B');
	CHECK_EQ(gp_hub()->nthreads, before);
}

static void *who_am_i(void *arg)
{
	return gp_self();
}

TEST(gp_self_is_the_spawned_thread)
{
	struct gp_gt *t = spawn(who_am_i, NULL);
	REQUIRE(t);
	CHECK_EQ(join(t), (long)t);
	CHECK(gp_self() == &gp_hub()->main);
	CHECK(gp_is_gt(gp_self()));
}

TEST(run_order_is_fifo)
{
	trace_reset();
	struct gp_gt *t[8];
	for (long i = 0; i < 8; i++)
		t[i] = spawn(mark, (void *)('0' + i));
	/* one yield: main goes to the back of the run queue, behind all eight */
	gp_yield();
	CHECK_STR(trace, "01234567");
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(t[i]->state, GP_DONE);
		CHECK_EQ(join(t[i]), '0' + i);
	}
}

static void *rotate(void *arg)
{
	for (int i = 0; i < 3; i++) {
		trace_add((char)(long)arg);
		gp_yield();
	}
	return NULL;
}

TEST(yield_rotates_round_robin)
{
	trace_reset();
	struct gp_gt *a = spawn(rotate, (void *)'A'), *b = spawn(rotate, (void *)'B'),
		     *c = spawn(rotate, (void *)'C');
	join(a), join(b), join(c);
	CHECK_STR(trace, "ABCABCABC");
}

TEST(yield_alone_returns)
{
	uint64_t sw = gp_hub()->switches;
	for (int i = 0; i < 1000; i++)
		gp_yield(); /* nobody else runnable: no switch, no hang */
	CHECK_EQ(gp_hub()->switches, sw);
	CHECK_EQ(gp_self()->state, GP_RUNNING);
}

static void *slow_value(void *arg)
{
	sleep_ms(20);
	return arg;
}

static void *exits_early(void *arg)
{
	gp_exit((void *)0x5eed);
	return (void *)1; /* not reached */
}

TEST(join_returns_the_value)
{
	/* joined while still running (the joiner parks) */
	struct gp_gt *t = spawn(slow_value, (void *)0xabcdefL);
	CHECK_EQ(join(t), 0xabcdef);
	/* joined after it ended */
	t = spawn(quick, (void *)-7L);
	gp_yield();
	REQUIRE(t->state == GP_DONE);
	CHECK_EQ(join(t), -7);
	/* gp_exit's value */
	t = spawn(exits_early, NULL);
	CHECK_EQ(join(t), 0x5eed);
	/* a NULL ret pointer is allowed */
	t = spawn(quick, NULL);
	CHECK_EQ(gp_join(t, NULL, GP_NEVER), 0);
	CHECK_EQ(gp_hub()->nthreads, 1);
}

static struct gp_gt *target;
static long other_join_result = 1;

static void *join_target(void *arg)
{
	void *r = NULL;
	other_join_result = gp_join(target, &r, GP_NEVER);
	return r;
}

TEST(join_errors)
{
	CHECK_EQ(gp_join(gp_self(), NULL, GP_NEVER), -EDEADLK);
	long junk[64] = { 0 };
	CHECK_EQ(gp_join((struct gp_gt *)junk, NULL, GP_NEVER), -ESRCH);
	CHECK_EQ(gp_join(NULL, NULL, GP_NEVER), -ESRCH);
	/* detached */
	struct gp_gt *t = spawn(slow_value, NULL);
	CHECK_EQ(gp_detach(t), 0);
	CHECK_EQ(gp_join(t, NULL, GP_NEVER), -EINVAL);
	/* already claimed by another joiner */
	target = spawn(slow_value, (void *)99L);
	struct gp_gt *j = spawn(join_target, NULL);
	gp_yield(); /* j parks in its join */
	CHECK_EQ(gp_join(target, NULL, GP_NEVER), -EINVAL);
	CHECK_EQ(join(j), 99);
	CHECK_EQ(other_join_result, 0);
	sleep_ms(40); /* let the detached one end */
	CHECK_EQ(gp_hub()->nthreads, 1);
}

static struct gp_gt *mutual_a, *mutual_b;
static int mutual_b_result = 1;

static void *join_b(void *arg)
{
	gp_join(mutual_b, NULL, GP_NEVER);
	return NULL;
}

static void *join_a(void *arg)
{
	gp_yield(); /* a is parked joining us by now */
	mutual_b_result = gp_join(mutual_a, NULL, GP_NEVER);
	return NULL;
}

/* glibc: "EDEADLK: a deadlock was detected (e.g., two threads tried to join with each other)". The
 * second joiner of a pair must get EDEADLK instead of parking forever. */
TEST(mutual_join_is_edeadlk)
{
	mutual_a = spawn(join_b, NULL);
	mutual_b = spawn(join_a, NULL);
	sleep_ms(50);
	CHECK_EQ(mutual_b_result, -EDEADLK);
	/* if the runtime parked both, they stay parked; the test process ends anyway */
}

TEST(detach_semantics)
{
	long junk[64] = { 0 };
	CHECK_EQ(gp_detach((struct gp_gt *)junk), -ESRCH);
	CHECK_EQ(gp_detach(NULL), -ESRCH);
	/* detached while running: ends and is reaped without a join */
	trace_reset();
	struct gp_gt *t = spawn(mark, (void *)'d');
	CHECK_EQ(gp_detach(t), 0);
	CHECK_EQ(gp_detach(t), -EINVAL);
	gp_yield();
	gp_yield(); /* the switch after its end releases it (to the pool: t's memory stays mapped) */
	CHECK_STR(trace, "d");
	CHECK_EQ(gp_hub()->nthreads, 1);
	CHECK(gp_hub()->zombie == NULL);
	CHECK(!gp_is_gt(t));
	/* detached after it ended: freed on the spot */
	t = spawn(quick, NULL);
	gp_yield();
	REQUIRE(t->state == GP_DONE);
	CHECK_EQ(gp_detach(t), 0);
	CHECK(!gp_is_gt(t));
	/* a join claimed it first */
	target = spawn(slow_value, (void *)5L);
	struct gp_gt *j = spawn(join_target, NULL);
	gp_yield();
	CHECK_EQ(gp_detach(target), -EINVAL);
	CHECK_EQ(join(j), 5);
	/* created detached */
	struct gp_spawn_attr a = { .guard_size = SIZE_MAX, .detached = 1 };
	trace_reset();
	CHECK_EQ(gp_spawn(&t, &a, mark, (void *)'x'), 0);
	CHECK_EQ(gp_join(t, NULL, GP_NEVER), -EINVAL);
	gp_yield();
	gp_yield();
	CHECK_STR(trace, "x");
	CHECK_EQ(gp_hub()->nthreads, 1);
}

TEST(many_detached_threads_are_reaped)
{
	struct gp_spawn_attr a = { .guard_size = SIZE_MAX, .detached = 1 };
	trace_reset();
	for (int i = 0; i < 200; i++) {
		struct gp_gt *t;
		CHECK_EQ(gp_spawn(&t, &a, i % 2 ? slow_value : quick, NULL), 0);
	}
	sleep_ms(100);
	gp_yield();
	CHECK_EQ(gp_hub()->nthreads, 1);
	CHECK(gp_hub()->zombie == NULL);
}

static void *errno_keeper(void *arg)
{
	int mine = (int)(long)arg;
	if (errno != 0)
		return (void *)-1L; /* a new thread starts with errno 0 */
	errno = mine;
	for (int i = 0; i < 50; i++) {
		if (i % 10 == 3)
			sleep_ms(1); /* parked, then resumed from the hub's poll */
		else
			gp_yield();
		if (errno != mine)
			return (void *)(long)(1000 + errno);
		errno = mine;
	}
	return (void *)(long)errno;
}

TEST(errno_is_saved_and_restored_per_green_thread)
{
	errno = 77;
	struct gp_gt *t[4];
	for (long i = 0; i < 4; i++)
		t[i] = spawn(errno_keeper, (void *)(11 * (i + 1)));
	CHECK_EQ(errno, 77);
	for (int i = 0; i < 4; i++) {
		errno = 77;
		long r = join(t[i]);
		CHECK_EQ(r, 11 * (i + 1));
		CHECK_EQ(errno, 77); /* main's own, across its parks in join */
	}
}

#define NMANY 10000
static struct gp_gt *many[NMANY];
static int many_running;

static void *many_body(void *arg)
{
	many_running++;
	gp_yield(); /* all 10,000 are alive at once */
	return arg;
}

TEST(ten_thousand_threads)
{
	double t0 = unit_ms();
	for (long i = 0; i < NMANY; i++) {
		REQUIRE(gp_spawn(&many[i], NULL, many_body, (void *)i) == 0);
	}
	CHECK_EQ(gp_hub()->nthreads, NMANY + 1);
	gp_yield();
	CHECK_EQ(many_running, NMANY);
	long sum = 0;
	for (int i = 0; i < NMANY; i++)
		sum += join(many[i]);
	CHECK_EQ(sum, (long)NMANY * (NMANY - 1) / 2);
	CHECK_EQ(gp_hub()->nthreads, 1);
	CHECK_RANGE(unit_ms() - t0, 0, 10000);
	/* and again: stacks come back from the pool */
	for (long i = 0; i < NMANY; i++)
		REQUIRE(gp_spawn(&many[i], NULL, quick, (void *)1L) == 0);
	sum = 0;
	for (int i = 0; i < NMANY; i++)
		sum += join(many[i]);
	CHECK_EQ(sum, NMANY);
}

static double woke_at[64];
static uint64_t due[64];

static void *sleeper(void *arg)
{
	long i = (long)arg;
	int r = gp_sleep_until(due[i]);
	woke_at[i] = unit_ms();
	trace_add((char)('a' + i));
	return (void *)(long)r;
}

TEST(sleepers_wake_in_deadline_order)
{
	static const int ms[] = { 100, 20, 60, 40, 80, 0 };
	trace_reset();
	struct gp_gt *t[6];
	double t0 = unit_ms();
	uint64_t now = gp_now();
	for (long i = 0; i < 6; i++) {
		due[i] = now + ms[i] * MS;
		t[i] = spawn(sleeper, (void *)i);
	}
	for (int i = 0; i < 6; i++)
		CHECK_EQ(join(t[i]), 0);
	CHECK_STR(trace, "fbdcea");
	for (int i = 0; i < 6; i++)
		CHECK(woke_at[i] * 1e6 >= (double)due[i]); /* never early */
	CHECK_RANGE(unit_ms() - t0, 99, 3000);
	CHECK_EQ(gp_hub()->nheap, 0);
}

TEST(sleeps_overlap)
{
	/* 50 threads sleeping 200 ms each: about 200 ms in all, where serial sleeps take 10 s */
	trace_reset();
	struct gp_gt *t[50];
	double t0 = unit_ms();
	uint64_t d = gp_deadline_in(200 * MS);
	for (long i = 0; i < 50; i++) {
		due[i] = d;
		t[i] = spawn(sleeper, (void *)i);
	}
	for (int i = 0; i < 50; i++)
		CHECK_EQ(join(t[i]), 0);
	double took = unit_ms() - t0;
	CHECK_RANGE(took, 199, 3000);
}

static void *count_runs(void *arg)
{
	(*(int *)arg)++;
	return NULL;
}

TEST(sleep_until_the_past_yields_and_returns_at_once)
{
	int runs = 0;
	struct gp_gt *t = spawn(count_runs, &runs);
	double t0 = unit_ms();
	CHECK_EQ(gp_sleep_until(gp_now() - 1), 0);
	CHECK_EQ(runs, 1); /* it yielded: the other thread ran */
	CHECK_EQ(gp_sleep_until(0), 0);
	CHECK_RANGE(unit_ms() - t0, 0, 1000);
	join(t);
	/* alone on the hub, a real sleep still works (the hub waits in ppoll) */
	t0 = unit_ms();
	CHECK_EQ(gp_sleep_until(gp_deadline_in(30 * MS)), 0);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
}

static struct gp_gt *parked;

static void *park_with(void *arg)
{
	parked = gp_self();
	gp_self()->state = GP_WAITING;
	return (void *)(long)gp_park((uint64_t)(uintptr_t)arg);
}

TEST(park_and_ready_carry_a_status)
{
	struct gp_gt *t = spawn(park_with, (void *)(uintptr_t)GP_NEVER);
	gp_yield();
	REQUIRE(parked == t);
	CHECK_EQ(t->state, GP_WAITING);
	gp_ready(t, -1234);
	CHECK_EQ(t->state, GP_RUNNABLE);
	gp_ready(t, -1); /* not waiting any more: ignored */
	CHECK_EQ(join(t), -1234);
	/* a deadline readies it with -ETIMEDOUT */
	double t0 = unit_ms();
	t = spawn(park_with, (void *)(uintptr_t)gp_deadline_in(30 * MS));
	CHECK_EQ(join(t), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	/* readied before its deadline: the timer is disarmed */
	t = spawn(park_with, (void *)(uintptr_t)gp_deadline_in(10000 * MS));
	gp_yield();
	CHECK_EQ(gp_hub()->nheap, 1);
	CHECK(t->timer.idx != SIZE_MAX);
	gp_ready(t, 7);
	CHECK_EQ(gp_hub()->nheap, 0);
	CHECK_EQ(t->timer.idx, SIZE_MAX);
	CHECK_EQ(join(t), 7);
}

static struct gp_wq q;

static void *wait_q(void *arg)
{
	int r = gp_wait_on(&q, (int)(long)arg, GP_NEVER);
	trace_add((char)('0' + (long)arg));
	return (void *)(long)r;
}

static void *wait_q_timed(void *arg)
{
	return (void *)(long)gp_wait_on(&q, 9, gp_deadline_in((uint64_t)(long)arg * MS));
}

TEST(wait_queues_are_fifo_and_timeouts_leave_them)
{
	trace_reset();
	q = (struct gp_wq){ 0 };
	struct gp_gt *t[4];
	t[0] = spawn(wait_q, (void *)1L);
	t[1] = spawn(wait_q, (void *)2L);
	t[2] = spawn(wait_q_timed, (void *)20L);
	t[3] = spawn(wait_q, (void *)3L);
	gp_yield();
	REQUIRE(q.head != NULL);
	CHECK_EQ(q.head->tag, 1);
	CHECK_EQ(q.tail->tag, 3);
	CHECK_EQ(join(t[2]), -ETIMEDOUT); /* unlinked from the middle */
	int n = 0;
	for (struct gp_waiter *w = q.head; w; w = w->next)
		n++;
	CHECK_EQ(n, 3);
	CHECK_EQ(gp_wq_wake_one(&q, 5), 1);
	gp_yield();
	CHECK_STR(trace, "1");
	CHECK_EQ(gp_wq_wake_all(&q, 6), 2);
	CHECK_EQ(gp_wq_wake_all(&q, 6), 0);
	CHECK_EQ(gp_wq_wake_one(&q, 6), 0);
	CHECK_EQ(join(t[0]), 5);
	CHECK_EQ(join(t[1]), 6);
	CHECK_EQ(join(t[3]), 6);
	CHECK_STR(trace, "123");
	CHECK(q.head == NULL && q.tail == NULL);
}

TEST(wait_queue_links)
{
	struct gp_wq wq = { 0 };
	struct gp_waiter w[4] = { { 0 } };
	for (int i = 0; i < 4; i++) {
		w[i].tag = i;
		gp_wq_push(&wq, &w[i]);
		CHECK(w[i].q == &wq);
	}
	gp_wq_unlink(&w[2]); /* middle */
	CHECK(w[2].q == NULL);
	gp_wq_unlink(&w[2]); /* twice: no effect */
	gp_wq_unlink(&w[3]); /* tail */
	CHECK(wq.tail == &w[1]);
	CHECK(gp_wq_pop(&wq) == &w[0]);
	CHECK(wq.head == &w[1] && w[1].prev == NULL);
	CHECK(gp_wq_pop(&wq) == &w[1]);
	CHECK(gp_wq_pop(&wq) == NULL);
	CHECK(wq.head == NULL && wq.tail == NULL);
}

/* A thread that only yields must not starve I/O: the hub polls every few hundred picks. */
static int io_sv[2];
static volatile int io_woke;

static void *io_reader(void *arg)
{
	int r = gp_fd_wait(io_sv[0], gp_fd_get(io_sv[0]), GP_RD, gp_deadline_in(5000 * MS), GP_INTR_RESTART);
	io_woke = 1;
	return (void *)(long)r;
}

static void *yield_loop(void *arg)
{
	(void)!write(io_sv[1], "x", 1);
	long n = 0;
	while (!io_woke && n < 1000000) {
		gp_yield();
		n++;
	}
	return (void *)n;
}

TEST(a_yield_loop_does_not_starve_io)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, io_sv) == 0);
	struct gp_gt *r = spawn(io_reader, NULL);
	gp_yield(); /* the reader parks on the fd */
	struct gp_gt *y = spawn(yield_loop, NULL);
	long yields = join(y);
	CHECK_EQ(join(r), 0);
	CHECK_RANGE(yields, 1, 2000);
	CHECK(gp_hub()->polls > 0);
	gp_fd_forget(io_sv[0]);
	gp_fd_forget(io_sv[1]);
	close(io_sv[0]), close(io_sv[1]);
}

static void *frame_alignment(void *arg)
{
	/* with frame pointers, rbp = entry rsp - 8, and the ABI has entry rsp = 8 mod 16 */
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	char buf[64];
	volatile double d = 3.25;
	snprintf(buf, sizeof(buf), "%.2f %Lf", d, (long double)d); /* SSE spills need alignment */
	return (void *)(long)((fp & 15) == 0 && !strcmp(buf, "3.25 3.250000"));
}

TEST(new_thread_stack_is_abi_aligned)
{
	CHECK_EQ(join(spawn(frame_alignment, NULL)), 1);
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
	CHECK_EQ(join(a), 1);
	CHECK_EQ(join(b), 1);
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
	CHECK_EQ(join(t), 0x2000);
}

static int exit_pipe[2];

static void *outlive_main(void *arg)
{
	sleep_ms(50);
	(void)!write(exit_pipe[1], "late", 4);
	return NULL;
}

/* pthread_exit from main: the process lives until its last thread ends, then exits with 0. */
TEST(process_ends_with_its_last_green_thread)
{
	REQUIRE(pipe(exit_pipe) == 0);
	fflush(stdout);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(exit_pipe[0]);
		spawn(outlive_main, NULL);
		gp_exit(NULL);
	}
	close(exit_pipe[1]);
	char buf[8] = { 0 };
	int st = -1;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(read(exit_pipe[0], buf, sizeof(buf)), 4);
	CHECK_STR(buf, "late");
	close(exit_pipe[0]);
}

/* The child of a fork keeps only the calling green thread, on a fresh hub state (preload's fork
 * handler calls gp_hub_atfork_child): new threads, sleeps and fd waits work there, with an epoll
 * set of its own, and nothing of the parent's other threads runs. */
static int fk_sv[2];
static volatile int parent_thread_ran_in_child;

static void *parent_sleeper(void *arg)
{
	sleep_ms(200);
	parent_thread_ran_in_child = 1; /* in the parent: fine; in the child: must never happen */
	return NULL;
}

static void *child_writer(void *arg)
{
	sleep_ms(10);
	(void)!write(fk_sv[1], "c", 1);
	return NULL;
}

static void *forker(void *arg)
{
	struct gp_fd *f = gp_fd_get(fk_sv[0]);
	/* registered in the parent's epoll set */
	if (gp_fd_wait(fk_sv[0], f, GP_RD, gp_deadline_in(10 * MS), GP_INTR_RESTART) != -ETIMEDOUT || !gp_fd_watched(f))
		return (void *)-1L;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		gp_hub_atfork_child();
		struct gp_hub *h = gp_hub();
		int bad = 0;
		bad |= (h->cur != gp_self() || h->cur->state != GP_RUNNING) << 0;
		bad |= (h->nthreads != 1 || h->rq_head || h->nheap) << 1;
		bad |= gp_fd_watched(f) << 2; /* the parent's set is not ours */
		struct gp_gt *t;
		if (gp_spawn(&t, NULL, child_writer, NULL) != 0)
			_exit(64);
		int r = gp_fd_wait(fk_sv[0], f, GP_RD, gp_deadline_in(3000 * MS), GP_INTR_RESTART);
		bad |= (r != 0) << 3;
		bad |= (gp_join(t, NULL, GP_NEVER) != 0) << 4;
		sleep_ms(250); /* the parent's sleeper would have woken by now */
		bad |= parent_thread_ran_in_child << 5;
		_exit(bad);
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return (void *)-2L;
	return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st));
}

TEST(fork_child_keeps_only_the_calling_thread)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fk_sv) == 0);
	struct gp_gt *s = spawn(parent_sleeper, NULL);
	long r = join(spawn(forker, NULL));
	if (r != 0)
		UNIT_FAILED("child reported 0x%lx (bit 0: current thread, 1: hub state, 2: parent's epoll "
			    "registration, 3: fd wait, 4: join, 5: a parent thread ran)", r);
	join(s);
	CHECK_EQ(parent_thread_ran_in_child, 1); /* in the parent it did run */
}

RUN_TESTS()
