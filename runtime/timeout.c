/* Timeouts around any green wait (eventlet's Timeout, for C): a timer of its own per timeout,
 * in the hub's heap. When it fires, the thread's wait ends with -ETIME (an error no call makes
 * by itself, so the program can tell it from its own ETIMEDOUTs), or, if the thread is running,
 * its next wait does. Timeouts nest: each fires on its own deadline and says so; the program asks
 * greenpatch_timeout_fired which one it was. A silent one (GREENPATCH_TIMEOUT_BLOCK) jumps back
 * to where it was armed instead, at the way out of the wait to the program (gp_timeout_act),
 * where no runtime state is half done. A tpool call is never cut short: its job writes into the
 * thread's memory. */
#include "rt.h"
#include <setjmp.h>

static void fire(struct gp_timer *tm)
{
	struct gp_timeout *t = (struct gp_timeout *)((char *)tm - offsetof(struct gp_timeout, timer));
	struct gp_gt *g = t->gt;
	t->fired = 1;
	g->timeout_due = 1;
	if (g->state == GP_WAITING && !g->in_tpool) {
		g->timeout_due = 0;
		gp_cancel_wait(g, -ETIME);
	}
}

void gp_timeout_start(struct gp_timeout *t, uint64_t deadline)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	t->gt = cur;
	t->fired = 0;
	t->timer.idx = SIZE_MAX;
	t->timer.fire = fire;
	t->next = cur->timeouts;
	cur->timeouts = t;
	gp_timer_arm(h, &t->timer, deadline);
}

int gp_timeout_cancel(struct gp_timeout *t)
{
	struct gp_gt *g = t->gt;
	if (!g)
		return t->fired;
	if (t->timer.idx != SIZE_MAX)
		gp_timer_disarm(g->hub, &t->timer);
	for (struct gp_timeout **p = &g->timeouts; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	if (t->fired && g->timeout_due) {
		int other = 0; /* a fired one still armed keeps the next wait's -ETIME */
		for (struct gp_timeout *o = g->timeouts; o; o = o->next)
			other |= o->fired;
		g->timeout_due = (uint8_t)other;
	}
	t->gt = NULL;
	return t->fired;
}

void gp_timeout_act(void)
{
	struct gp_hub *h = gp_hub_peek();
	struct gp_gt *cur = h ? h->cur : NULL;
	for (struct gp_timeout *t = cur ? cur->timeouts : NULL; t; t = t->next) {
		if (t->fired && t->silent) {
			/* it and the ones armed inside it are over */
			while (cur->timeouts != t)
				gp_timeout_cancel(cur->timeouts);
			gp_timeout_cancel(t);
			siglongjmp(*(sigjmp_buf *)t->jump, 1);
		}
	}
}

void gp_timeout_drop_all(struct gp_gt *t)
{
	while (t->timeouts)
		gp_timeout_cancel(t->timeouts);
}
