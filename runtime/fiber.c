/* AddressSanitizer and green stacks. ASan keeps the bounds of the stack it runs on (for its
 * reports, and for __asan_handle_no_return when a longjmp, an exception or a noreturn call
 * leaves frames behind); a switch it was not told about looks like a wild jump. Its fiber
 * interface says each switch: __sanitizer_start_switch_fiber before (with the bounds of the
 * stack to come), __sanitizer_finish_switch_fiber after (on the stack just entered).
 *
 * The two functions are looked up at run time: a normal build has no tie to ASan, and works with
 * an ASan-built program or an ASan build of itself; without ASan, gp_fiber.start stays NULL and
 * the switch costs one well-predicted branch on each side. The bounds of a hub's main thread
 * (the OS thread's own stack) are learned from the first finish after it switched away. A stack
 * given to a new thread is unpoisoned first: the thread that had it ended inside its frames. */
#include "rt.h"
#include <dlfcn.h>

struct gp_fiber_api gp_fiber;

void gp_fiber_init(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	void *fin = dlsym(RTLD_DEFAULT, "__sanitizer_finish_switch_fiber");
	void *start = dlsym(RTLD_DEFAULT, "__sanitizer_start_switch_fiber");
	void *unpoison = dlsym(RTLD_DEFAULT, "__asan_unpoison_memory_region");
	if (!start || !fin || !unpoison)
		return;
	gp_fiber.finish = (__typeof__(gp_fiber.finish))fin;
	gp_fiber.unpoison = (__typeof__(gp_fiber.unpoison))unpoison;
	__atomic_store_n(&gp_fiber.start, (__typeof__(gp_fiber.start))start, __ATOMIC_RELEASE);
}

/* The usable part of t's stack; for a hub's main thread, what ASan told us of it. */
static void bounds(const struct gp_hub *h, const struct gp_gt *t, const void **lo, size_t *size)
{
	if (t == &h->main) {
		*lo = h->main_stack_lo;
		*size = h->main_stack_size;
	} else {
		*lo = (const char *)t->stack.map + t->stack.guard;
		*size = t->stack.size;
	}
}

/* A stack about to carry a new thread: an ended thread's frames were never returned from, so
 * their redzones are still poisoned in ASan's shadow (a pooled stack would report them). */
void gp_fiber_new_stack(const struct gp_stack *s)
{
	if (!s->user)
		gp_fiber.unpoison((const char *)s->map + s->guard, s->size);
}

void gp_fiber_enter(struct gp_hub *h, struct gp_gt *cur)
{
	const void *lo = NULL;
	size_t size = 0;
	gp_fiber.finish(cur->asan_fake, &lo, &size);
	struct gp_gt *from = h->fiber_from;
	if (from == &h->main && !h->main_stack_lo) {
		h->main_stack_lo = lo;
		h->main_stack_size = size;
	}
}

void gp_fiber_switch(struct gp_hub *h, struct gp_gt *cur, struct gp_gt *next)
{
	const void *lo;
	size_t size;
	bounds(h, next, &lo, &size);
	h->fiber_from = cur;
	/* an ended thread's fake stack goes with it: NULL tells ASan so */
	gp_fiber.start(cur->state == GP_DONE ? NULL : &cur->asan_fake, lo, size);
	gp_ctx_switch(&cur->sp, next->sp);
	gp_fiber_enter(h, cur); /* back on cur */
}
