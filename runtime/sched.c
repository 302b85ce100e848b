/* Green threads and the run queue. A switch is one call to gp_ctx_switch between two green
 * threads of the same hub: there is no scheduler context in between. The thread that parks picks
 * its successor itself and, when none is runnable, runs the hub iteration (gp_hub_poll) on its own
 * stack until one is. Every GP_POLL_EVERY picks the hub polls I/O without blocking, so a
 * sched_yield loop cannot starve the network. errno belongs to each green thread: it is saved
 * when a thread switches out and restored when it switches back in. */
#include "rt.h"
#include <string.h>

#define GP_POLL_EVERY 128

void gp_ctx_switch(void **save_sp, void *load_sp);

static unsigned long gp_next_id = 1;
static unsigned long gp_alive; /* green threads alive in the process */

void gp_wq_push(struct gp_wq *q, struct gp_waiter *w)
{
	w->q = q;
	w->next = NULL;
	w->prev = q->tail;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

void gp_wq_unlink(struct gp_waiter *w)
{
	struct gp_wq *q = w->q;
	if (!q)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->tail = w->prev;
	w->q = NULL;
}

struct gp_waiter *gp_wq_pop(struct gp_wq *q)
{
	struct gp_waiter *w = q->head;
	if (w)
		gp_wq_unlink(w);
	return w;
}

int gp_wq_wake_one(struct gp_wq *q, int status)
{
	struct gp_waiter *w = gp_wq_pop(q);
	if (!w)
		return 0;
	gp_ready(w->gt, status);
	return 1;
}

int gp_wq_wake_all(struct gp_wq *q, int status)
{
	int n = 0;
	while (gp_wq_wake_one(q, status))
		n++;
	return n;
}

static void rq_push(struct gp_hub *h, struct gp_gt *t)
{
	t->rq_next = NULL;
	if (h->rq_tail)
		h->rq_tail->rq_next = t;
	else
		h->rq_head = t;
	h->rq_tail = t;
}

static struct gp_gt *rq_pop(struct gp_hub *h)
{
	struct gp_gt *t = h->rq_head;
	if (t) {
		h->rq_head = t->rq_next;
		if (!h->rq_head)
			h->rq_tail = NULL;
	}
	return t;
}

/* Release what an ended thread leaves behind once nobody runs on its stack any more. */
static void reap_zombie(struct gp_hub *h)
{
	struct gp_stack st = h->zombie->stack; /* the struct lives on that stack: copy first */
	h->zombie->magic = 0;
	h->zombie = NULL;
	gp_stack_put(&st);
}

static struct gp_gt *pick_next(struct gp_hub *h)
{
	for (;;) {
		if (h->rq_head && (++h->ticks % GP_POLL_EVERY))
			return rq_pop(h);
		h->ticks = 0;
		gp_hub_poll(h, h->rq_head == NULL);
		if (h->rq_head)
			return rq_pop(h);
	}
}

/* Leave the current thread (already queued, parked or ended) for the next runnable one. */
static void reschedule(struct gp_hub *h)
{
	struct gp_gt *cur = h->cur, *next = pick_next(h);
	next->state = GP_RUNNING;
	if (next == cur)
		return;
	cur->err = errno;
	h->cur = next;
	h->switches++;
	gp_ctx_switch(&cur->sp, next->sp);
	/* back on cur, possibly much later, on the same OS thread */
	if (h->zombie)
		reap_zombie(h);
	errno = cur->err;
}

int gp_park(uint64_t deadline)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	cur->state = GP_WAITING;
	if (deadline != GP_NEVER)
		gp_timer_arm(h, &cur->timer, deadline);
	reschedule(h);
	return cur->wake;
}

void gp_ready(struct gp_gt *t, int status)
{
	if (t->state != GP_WAITING)
		return;
	for (int i = 0; i < t->nwaits; i++)
		gp_wq_unlink(&t->waits[i]);
	t->nwaits = 0;
	if (t->timer.idx != SIZE_MAX)
		gp_timer_disarm(t->hub, &t->timer);
	t->wake = status;
	t->state = GP_RUNNABLE;
	rq_push(t->hub, t);
	/* Its saved context and the frames it returns through are cold by now (a thousand stacks do
	 * not fit in cache): start loading them while the hub readies the others. */
	for (int i = 0; i < 8; i++)
		__builtin_prefetch((char *)t->sp + 64 * i);
}

int gp_wait_on(struct gp_wq *q, int tag, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	struct gp_waiter w = { .gt = cur, .tag = tag };
	gp_wq_push(q, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	return gp_park(deadline);
}

void gp_yield(void)
{
	struct gp_hub *h = gp_hub();
	h->cur->state = GP_RUNNABLE;
	rq_push(h, h->cur);
	reschedule(h);
}

static void timer_wake(struct gp_timer *tm)
{
	gp_ready((struct gp_gt *)((char *)tm - offsetof(struct gp_gt, timer)), -ETIMEDOUT);
}

int gp_sleep_until(uint64_t deadline)
{
	if (deadline <= gp_now()) {
		gp_yield();
		return 0;
	}
	struct gp_gt *cur = gp_self();
	cur->intr = 1;
	int r = gp_park(deadline);
	cur->intr = 0;
	return r == -EINTR ? r : 0;
}

void gp_gt_init(struct gp_gt *t, struct gp_hub *h)
{
	t->hub = h;
	t->magic = GP_GT_MAGIC;
	t->state = GP_RUNNING;
	t->timer.idx = SIZE_MAX;
	t->timer.fire = timer_wake;
	t->id = __atomic_fetch_add(&gp_next_id, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gp_alive, 1, __ATOMIC_RELAXED);
	h->nthreads++;
}

static void gt_entry(void *arg)
{
	struct gp_gt *t = arg;
	struct gp_hub *h = t->hub;
	if (h->zombie)
		reap_zombie(h);
	errno = 0;
	gp_exit(t->fn(t->arg));
}

/* The thread struct sits at the top of its own stack: one mapping per thread, freed in one go. */
int gp_spawn(struct gp_gt **out, const struct gp_spawn_attr *attr, void *(*fn)(void *), void *arg)
{
	struct gp_hub *h = gp_hub();
	struct gp_stack st = { 0 };
	size_t size = attr && attr->stack_size ? attr->stack_size : gp_config.stack_size;
	size_t guard = attr ? attr->guard_size : SIZE_MAX;
	if (attr && attr->stack_addr) {
		st = (struct gp_stack){ .map = attr->stack_addr, .size = size, .user = 1 };
	} else if (gp_stack_get(&st, size + sizeof(struct gp_gt) + 64, guard) < 0) {
		return -EAGAIN;
	}
	char *top = (char *)st.map + st.guard + st.size;
	struct gp_gt *t = (struct gp_gt *)(((uintptr_t)top - sizeof(*t)) & ~(uintptr_t)63);
	memset(t, 0, sizeof(*t));
	t->stack = st;
	t->fn = fn;
	t->arg = arg;
	t->detached = attr ? attr->detached : 0;
	memcpy(t->name, h->cur->name, sizeof(t->name));
	gp_gt_init(t, h);
	gp_ctx_init(t, gt_entry, t);
	t->state = GP_RUNNABLE;
	rq_push(h, t);
	*out = t;
	return 0;
}

/* The last thread leaves: the process ends as natively when the last pthread exits. */
static void last_thread_gone(void)
{
	exit(0);
}

void gp_exit(void *ret)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	gp_key_run_dtors(cur);
	cur->ret = ret;
	cur->state = GP_DONE;
	h->nthreads--;
	if (__atomic_sub_fetch(&gp_alive, 1, __ATOMIC_RELAXED) == 0)
		last_thread_gone();
	if (cur->joiner)
		gp_ready(cur->joiner, 0);
	free(cur->keys);
	cur->keys = NULL;
	if (cur->detached && cur != &h->main)
		h->zombie = cur;
	reschedule(h); /* an ended thread never becomes runnable: this does not return */
	gp_panic("ended green thread %lu was resumed", cur->id);
}

static void gt_free(struct gp_gt *t)
{
	if (t == &t->hub->main)
		return;
	gp_assert(t != gp_hub()->cur);
	t->magic = 0;
	struct gp_stack st = t->stack; /* the struct lives on that stack: copy first */
	gp_stack_put(&st);
}

int gp_join(struct gp_gt *t, void **ret)
{
	struct gp_gt *cur = gp_self();
	if (!gp_is_gt(t))
		return -ESRCH;
	if (t == cur)
		return -EDEADLK;
	if (t->detached || t->joined)
		return -EINVAL;
	t->joined = 1;
	if (t->state != GP_DONE) {
		t->joiner = cur;
		cur->state = GP_WAITING;
		gp_park(GP_NEVER);
	}
	if (ret)
		*ret = t->ret;
	gt_free(t);
	return 0;
}

int gp_detach(struct gp_gt *t)
{
	if (!gp_is_gt(t))
		return -ESRCH;
	if (t->detached || t->joined)
		return -EINVAL;
	if (t->state == GP_DONE) {
		gt_free(t);
		return 0;
	}
	t->detached = 1;
	return 0;
}

/* The hub of an ending native thread is destroyed: its main green thread is no more. */
void gp_sched_hub_gone(struct gp_hub *h)
{
	h->main.magic = 0;
	__atomic_sub_fetch(&gp_alive, 1, __ATOMIC_RELAXED);
}

/* fork child: only the calling thread survives (see gp_hub_atfork_child). */
void gp_sched_atfork_child(void)
{
	gp_alive = 1;
}

struct gp_gt *gp_self(void)
{
	return gp_hub()->cur;
}
