/* The API's green threads: eventlet's spawn, spawn_n, spawn_after, sleep, kill and cancel, and
 * the timeouts. A greenpatch_thread is the runtime's green thread itself; waiting is joining,
 * killing is a cancellation nothing defers (gp_kill), raising is an exit that leaves an error for
 * the waiter. spawn_after starts the thread at once, asleep until its time: cancel or kill before
 * then ends that sleep, and the function never runs. */
#include "api.h"
#include <setjmp.h>
#include <string.h>

_Static_assert(sizeof(struct gp_timeout) <= sizeof(((greenpatch_timeout *)0)->opaque),
	       "greenpatch_timeout holds a gp_timeout");

static struct gp_gt *gt(greenpatch_thread *t)
{
	return (struct gp_gt *)t;
}

static int spawn(greenpatch_thread **t, void *(*fn)(void *), void *arg, int detached)
{
	struct gp_spawn_attr a = { .guard_size = SIZE_MAX, .detached = detached };
	struct gp_gt *g;
	int r = gp_spawn(&g, &a, fn, arg);
	if (r < 0)
		return gp_api_fail(-r);
	if (t)
		*t = (greenpatch_thread *)g;
	return 0;
}

GP_EXPORT int greenpatch_spawn(greenpatch_thread **t, void *(*fn)(void *), void *arg)
{
	return spawn(t, fn, arg, 0);
}

GP_EXPORT int greenpatch_spawn_n(void *(*fn)(void *), void *arg)
{
	return spawn(NULL, fn, arg, 1);
}

struct later {
	void *(*fn)(void *);
	void *arg;
	uint64_t when;
};

static void free_later(struct later **l)
{
	free(*l);
}

/* The thread of a spawn_after: asleep until its time (a kill ends the sleep, and the thread). */
static void *later_run(void *p)
{
	struct later *l __attribute__((cleanup(free_later))) = p;
	struct gp_gt *cur = gp_self();
	while (gp_now() < l->when)
		if (gp_sleep_as(l->when, GP_INTR_NEVER) == -ECANCELED && gp_cancel_due())
			gp_cancel_act();
	cur->not_started = 0;
	return l->fn(l->arg);
}

GP_EXPORT int greenpatch_spawn_after(greenpatch_thread **t, double seconds, void *(*fn)(void *), void *arg)
{
	int64_t ns = gp_api_ns(seconds);
	if (ns < 0)
		return gp_api_fail(EINVAL);
	struct later *l = malloc(sizeof(*l));
	if (!l)
		return gp_api_fail(ENOMEM);
	*l = (struct later){ fn, arg, gp_deadline_in((uint64_t)ns) };
	if (spawn(t, later_run, l, 0) < 0) {
		free(l);
		return -1;
	}
	gt(*t)->not_started = 1;
	return 0;
}

GP_EXPORT int greenpatch_wait(greenpatch_thread *t, void **result)
{
	int err = 0;
	int r = gp_join_ex(gt(t), result, GP_NEVER, &err);
	if (r < 0)
		return gp_api_ret(r == -ESRCH ? -EINVAL : r);
	return err ? gp_api_fail(err) : 0;
}

GP_EXPORT int greenpatch_release(greenpatch_thread *t)
{
	int r = gp_detach(gt(t));
	return r ? gp_api_fail(r == -ESRCH ? EINVAL : -r) : 0;
}

GP_EXPORT int greenpatch_cancel(greenpatch_thread *t)
{
	if (!gp_is_gt(gt(t)) || !gt(t)->not_started)
		return 0;
	gp_kill(gt(t));
	return 1;
}

GP_EXPORT int greenpatch_kill(greenpatch_thread *t)
{
	gp_kill(gt(t));
	return 0;
}

GP_EXPORT greenpatch_thread *greenpatch_current(void)
{
	struct gp_hub *h = gp_hub_peek();
	if (!h || (h->cur == &h->main && !h->initial && h->nthreads == 1))
		return NULL;
	return (greenpatch_thread *)h->cur;
}

GP_EXPORT void greenpatch_raise(int err)
{
	gp_self()->exit_err = err ? err : EIO;
	gp_exit_unwind(NULL);
}

GP_EXPORT int greenpatch_sleep(double seconds)
{
	int64_t ns = gp_api_ns(seconds);
	if (ns < 0)
		return gp_api_fail(EINVAL);
	if (ns == 0) {
		gp_yield();
		return 0;
	}
	return gp_api_ret(gp_sleep_as(gp_deadline_in((uint64_t)ns), GP_INTR_NEVER));
}

/* ---- timeouts ---- */

static struct gp_timeout *to(greenpatch_timeout *t)
{
	return (struct gp_timeout *)t->opaque;
}

static int timeout_start(greenpatch_timeout *t, double seconds, int silent)
{
	int64_t ns = gp_api_ns(seconds);
	if (ns < 0)
		return gp_api_fail(EINVAL);
	memset(t->opaque, 0, sizeof(t->opaque));
	to(t)->silent = silent;
	to(t)->jump = &t->jump;
	gp_timeout_start(to(t), gp_deadline_in((uint64_t)ns));
	return 0;
}

GP_EXPORT int greenpatch_timeout_start(greenpatch_timeout *t, double seconds)
{
	return timeout_start(t, seconds, 0);
}

GP_EXPORT int greenpatch__timeout_silent(greenpatch_timeout *t, double seconds)
{
	return timeout_start(t, seconds, 1);
}

GP_EXPORT int greenpatch_timeout_cancel(greenpatch_timeout *t)
{
	return gp_timeout_cancel(to(t));
}

GP_EXPORT int greenpatch_timeout_fired(const greenpatch_timeout *t)
{
	return ((const struct gp_timeout *)t->opaque)->fired;
}
