/* stack.c: guard below the stack, pooled reuse, sizes. */
#include "unit.h"
#include <signal.h>
#include <sys/wait.h>

TEST(guard_page_faults)
{
	struct gp_stack s;
	CHECK_EQ(gp_stack_get(&s, 64 * 1024, SIZE_MAX), 0);
	char *lowest = (char *)s.map + s.guard;
	lowest[0] = 1; /* the usable part is writable */
	pid_t pid = fork();
	if (pid == 0) {
		((volatile char *)lowest)[-1] = 1; /* one byte into the guard */
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	gp_stack_put(&s);
}

TEST(default_stacks_are_pooled)
{
	size_t size = gp_config.stack_size + sizeof(struct gp_gt) + 64;
	struct gp_stack a, b;
	CHECK_EQ(gp_stack_get(&a, size, SIZE_MAX), 0);
	void *map = a.map;
	gp_stack_put(&a);
	CHECK_EQ(gp_stack_get(&b, size, SIZE_MAX), 0);
	CHECK(b.map == map);
	gp_stack_put(&b);
	struct gp_stack c, d;
	CHECK_EQ(gp_stack_get(&c, 1 << 20, SIZE_MAX), 0); /* other sizes are not pooled */
	CHECK(c.size >= 1 << 20);
	map = c.map;
	gp_stack_put(&c);
	CHECK_EQ(gp_stack_get(&d, 1 << 20, SIZE_MAX), 0);
	gp_stack_put(&d);
	CHECK_EQ(gp_stack_trim(1000), 0);
}

static void *use_stack(void *arg)
{
	volatile char big[100 * 1024];
	big[0] = 1;
	big[sizeof(big) - 1] = 2;
	return (void *)(long)(big[0] + big[sizeof(big) - 1]);
}

TEST(attr_stack_size_is_honoured)
{
	struct gp_spawn_attr a = { .stack_size = 512 * 1024, .guard_size = SIZE_MAX };
	struct gp_gt *t;
	CHECK_EQ(gp_spawn(&t, &a, use_stack, NULL), 0);
	CHECK(t->stack.size >= 512 * 1024);
	void *r;
	gp_join(t, &r);
	CHECK_EQ((long)r, 3);
}

RUN_TESTS()
