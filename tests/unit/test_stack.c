/* stack.c: the guard below each stack faults (checked in forked children that must die of
 * SIGSEGV), default-size stacks are pooled and reused (same mapping, LIFO), other sizes and guards
 * are unmapped on release, trimming, sizes and rounding, stacks given by the program, threads
 * using their whole stack. */
#include "unit.h"
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

static size_t ps(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* What gp_spawn asks for by default (a thread's struct sits at the top of its stack). */
static size_t default_request(void)
{
	return gp_config.stack_size + sizeof(struct gp_gt) + 64;
}

/* Is [p, p+len) mapped? mincore fails with ENOMEM on unmapped pages. */
static int mapped(void *p, size_t len)
{
	unsigned char vec[64];
	if (len > 64 * ps())
		len = 64 * ps();
	return mincore(p, len, vec) == 0;
}

/* Write one byte at p in a forked child: the signal that killed it, or 0 if it lived. */
static int write_in_child(volatile char *p)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		*p = 1;
		_exit(0);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

TEST(guard_page_faults)
{
	struct gp_stack s;
	REQUIRE(gp_stack_get(&s, 64 * 1024, SIZE_MAX) == 0);
	CHECK_EQ(s.guard, ps());
	CHECK(s.size >= 64 * 1024);
	CHECK(!s.user);
	char *lowest = (char *)s.map + s.guard, *top = lowest + s.size;
	lowest[0] = 1; /* the whole usable part is writable */
	top[-1] = 1;
	memset(lowest, 0xab, s.size);
	CHECK_EQ(write_in_child(lowest), 0);       /* the child itself can write there too */
	CHECK_EQ(write_in_child(lowest - 1), SIGSEGV); /* one byte into the guard */
	CHECK_EQ(write_in_child((char *)s.map), SIGSEGV); /* the guard's first byte */
	gp_stack_put(&s);
}

TEST(wider_guards_and_no_guard)
{
	struct gp_stack s;
	REQUIRE(gp_stack_get(&s, 64 * 1024, 3 * ps() - 100) == 0); /* rounded up to pages */
	CHECK_EQ(s.guard, 3 * ps());
	char *lowest = (char *)s.map + s.guard;
	CHECK_EQ(write_in_child(lowest - 1), SIGSEGV);
	CHECK_EQ(write_in_child(lowest - 2 * ps()), SIGSEGV);
	CHECK_EQ(write_in_child((char *)s.map), SIGSEGV);
	CHECK_EQ(write_in_child(lowest), 0);
	gp_stack_put(&s);
	REQUIRE(gp_stack_get(&s, 64 * 1024, 0) == 0);
	CHECK_EQ(s.guard, 0);
	CHECK(s.map != NULL);
	CHECK_EQ(write_in_child((char *)s.map), 0);
	gp_stack_put(&s);
}

TEST(sizes_are_rounded_to_pages_with_a_minimum)
{
	struct gp_stack s;
	REQUIRE(gp_stack_get(&s, 1, SIZE_MAX) == 0);
	CHECK_EQ(s.size, 16384 > ps() ? 16384 : ps());
	gp_stack_put(&s);
	REQUIRE(gp_stack_get(&s, 100001, SIZE_MAX) == 0);
	CHECK_EQ(s.size % ps(), 0);
	CHECK(s.size >= 100001 && s.size < 100001 + ps());
	gp_stack_put(&s);
}

TEST(default_stacks_are_pooled_and_reused)
{
	struct gp_stack a, b, c;
	REQUIRE(gp_stack_get(&a, default_request(), SIZE_MAX) == 0);
	REQUIRE(gp_stack_get(&b, default_request(), SIZE_MAX) == 0);
	CHECK(a.map != b.map);
	void *amap = a.map, *bmap = b.map;
	memset((char *)a.map + a.guard, 0x5a, 4096);
	gp_stack_put(&a);
	gp_stack_put(&b);
	CHECK(mapped(amap, a.guard + a.size)); /* kept, not unmapped */
	CHECK(mapped(bmap, b.guard + b.size));
	/* last in, first out: the warmest stack first */
	REQUIRE(gp_stack_get(&c, default_request(), SIZE_MAX) == 0);
	CHECK(c.map == bmap);
	struct gp_stack d;
	REQUIRE(gp_stack_get(&d, default_request(), SIZE_MAX) == 0);
	CHECK(d.map == amap);
	CHECK_EQ(d.size, a.size);
	CHECK_EQ(d.guard, a.guard);
	/* a reused stack keeps its guard */
	CHECK_EQ(write_in_child((char *)d.map + d.guard - 1), SIGSEGV);
	gp_stack_put(&c);
	gp_stack_put(&d);
}

TEST(other_sizes_and_guards_are_not_pooled)
{
	struct gp_stack c, d;
	REQUIRE(gp_stack_get(&c, 1 << 20, SIZE_MAX) == 0);
	CHECK(c.size >= 1 << 20);
	void *map = c.map;
	size_t len = c.size + c.guard;
	gp_stack_put(&c);
	CHECK(!mapped(map, len)); /* unmapped at once */
	REQUIRE(gp_stack_get(&d, default_request(), 2 * ps()) == 0); /* default size, other guard */
	map = d.map;
	len = d.size + d.guard;
	gp_stack_put(&d);
	CHECK(!mapped(map, len));
	/* and a later default request does not get them */
	struct gp_stack e;
	REQUIRE(gp_stack_get(&e, default_request(), SIZE_MAX) == 0);
	CHECK_EQ(e.guard, ps());
	CHECK(e.size == (default_request() + ps() - 1) / ps() * ps());
	gp_stack_put(&e);
}

TEST(user_stacks_are_never_freed)
{
	size_t len = 64 * 1024;
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mem != MAP_FAILED);
	struct gp_stack s = { .map = mem, .size = len, .user = 1 };
	gp_stack_put(&s);
	CHECK(mapped(mem, len));
	struct gp_stack t;
	REQUIRE(gp_stack_get(&t, default_request(), SIZE_MAX) == 0);
	CHECK(t.map != mem); /* nor pooled */
	gp_stack_put(&t);
	munmap(mem, len);
}

TEST(trim_unmaps_beyond_pool_max)
{
	enum { K = 40 };
	struct gp_stack s[K];
	void *maps[K];
	for (int i = 0; i < K; i++) {
		REQUIRE(gp_stack_get(&s[i], default_request(), SIZE_MAX) == 0);
		maps[i] = s[i].map;
	}
	size_t len = s[0].size + s[0].guard;
	for (int i = 0; i < K; i++)
		gp_stack_put(&s[i]);
	size_t keep = gp_config.pool_max;
	gp_config.pool_max = 10;
	CHECK_EQ(gp_stack_trim(5), 1); /* 35 left, more than 10: more to do */
	CHECK_EQ(gp_stack_trim(1000), 0);
	CHECK_EQ(gp_stack_trim(1000), 0);
	int still = 0;
	for (int i = 0; i < K; i++)
		still += mapped(maps[i], len);
	CHECK_EQ(still, 10);
	/* the pool still serves the ones it kept */
	struct gp_stack t;
	REQUIRE(gp_stack_get(&t, default_request(), SIZE_MAX) == 0);
	CHECK(mapped(t.map, len));
	int known = 0;
	for (int i = 0; i < K; i++)
		known += t.map == maps[i];
	CHECK_EQ(known, 1);
	gp_stack_put(&t);
	gp_config.pool_max = keep;
}

static void *use_stack(void *arg)
{
	size_t n = (size_t)arg;
	volatile char *big = __builtin_alloca(n);
	big[0] = 1;
	big[n - 1] = 2;
	for (size_t i = 0; i < n; i += 4096)
		big[i] = 1;
	return (void *)(long)(big[0] + big[n - 1]);
}

TEST(attr_stack_size_is_honoured)
{
	struct gp_spawn_attr a = { .stack_size = 1024 * 1024, .guard_size = SIZE_MAX };
	struct gp_gt *t;
	REQUIRE(gp_spawn(&t, &a, use_stack, (void *)(size_t)(900 * 1024)) == 0);
	CHECK(t->stack.size >= 1024 * 1024);
	CHECK(!t->stack.user);
	CHECK_EQ(join(t), 3);
	/* the default size is usable nearly to the end */
	t = spawn(use_stack, (void *)(gp_config.stack_size - 16 * 1024));
	CHECK_EQ(join(t), 3);
}

static void *where_am_i(void *arg)
{
	return __builtin_frame_address(0);
}

TEST(program_given_stack)
{
	size_t len = 128 * 1024;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mem != MAP_FAILED);
	struct gp_spawn_attr a = { .stack_size = len, .stack_addr = mem };
	struct gp_gt *t;
	REQUIRE(gp_spawn(&t, &a, where_am_i, NULL) == 0);
	CHECK(t->stack.user);
	CHECK((char *)t >= mem && (char *)t < mem + len);
	char *sp = (char *)join(t);
	CHECK(sp >= mem && sp < mem + len); /* it ran on the program's memory */
	CHECK(mapped(mem, len));             /* which the join did not free */
	mem[0] = 1;
	/* and a second thread may use the same memory after the first is joined */
	REQUIRE(gp_spawn(&t, &a, use_stack, (void *)(size_t)(64 * 1024)) == 0);
	CHECK_EQ(join(t), 3);
	munmap(mem, len);
}

static __attribute__((noinline)) unsigned long recurse(unsigned long n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (n == 0)
		return 0;
	unsigned long r = recurse(n - 1);
	__asm__ volatile("" : : "r"(pad) : "memory"); /* no tail call: the frame stays */
	return r + (unsigned long)pad[0];
}

static void *overflow(void *arg)
{
	return (void *)recurse(1ul << 30);
}

TEST(overflow_hits_the_guard)
{
	fflush(stdout);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		struct gp_spawn_attr a = { .stack_size = 64 * 1024, .guard_size = SIZE_MAX };
		struct gp_gt *t;
		if (gp_spawn(&t, &a, overflow, NULL) != 0)
			_exit(3);
		gp_join(t, NULL, GP_NEVER);
		_exit(0);
	}
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

RUN_TESTS()
