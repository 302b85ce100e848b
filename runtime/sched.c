/* Green threads and the run queue. A switch is one call to gp_ctx_switch between two green
 * threads of the same hub: there is no scheduler context in between. The thread that parks picks
 * its successor itself and, when none is runnable, runs the hub iteration (gp_hub_poll) on its own
 * stack until one is. Every GP_POLL_EVERY picks the hub polls I/O without blocking, so a
 * sched_yield loop cannot starve the network. errno belongs to each green thread: it is saved
 * when a thread switches out and restored when it switches back in.
 *
 * Wake-ups across OS threads: a thread of one hub is only ever made runnable by its own OS
 * thread. Another OS thread (or a signal handler) that wakes it pushes its waiter onto the hub's
 * inbox, a lock-free stack the hub drains before each pick, and kicks the hub if it sleeps. */
#include "rt.h"
#include "sys.h"
#include <signal.h>
#include <string.h>

#define GP_POLL_EVERY 128

static unsigned long gp_next_id = 1;
static unsigned long gp_alive; /* green threads alive in the process */
GP_TLS int gp_tid_cache;

/* ---- locks ---- */

int gp_tid_slow(void)
{
	return gp_tid_cache = (int)GP_SC(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

/* fork child: the calling thread has a new tid. */
void gp_tid_atfork_child(void)
{
	gp_tid_cache = 0;
}

/* Contended: the holder is another OS thread in a critical section of a few instructions, unless
 * the OS preempted it; spin briefly, then give the CPU away. */
void gp_lock_slow(int *l, int me)
{
	for (unsigned spins = 0;; spins++) {
		int free_ = 0;
		if (__atomic_load_n(l, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(l, &free_, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		gp_assert(__atomic_load_n(l, __ATOMIC_RELAXED) != me); /* never re-entered */
		if (spins < 100)
			__builtin_ia32_pause();
		else
			GP_SC(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	}
}

/* ---- wait queues ---- */

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

void gp_wq_push_first(struct gp_wq *q, struct gp_waiter *w)
{
	w->q = q;
	w->prev = NULL;
	w->next = q->head;
	if (q->head)
		q->head->prev = w;
	else
		q->tail = w;
	q->head = w;
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

/* ---- the run queue ---- */

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

static void all_link(struct gp_hub *h, struct gp_gt *t)
{
	t->all_prev = NULL;
	t->all_next = h->all;
	if (h->all)
		h->all->all_prev = t;
	h->all = t;
}

static void all_unlink(struct gp_hub *h, struct gp_gt *t)
{
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else if (h->all == t)
		h->all = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->all_next = t->all_prev = NULL;
}

/* An ended thread is reaped by the next one to run on its hub, once nobody runs on its stack any
 * more: from then on a joiner (of any hub) may free it; a detached one is freed here. */
static void reap_zombie(struct gp_hub *h)
{
	struct gp_gt *z = h->zombie;
	h->zombie = NULL;
	gp_lock(&z->lock);
	__atomic_store_n(&z->off_cpu, 1, __ATOMIC_RELEASE);
	int free_it = z->detached && z != &h->main;
	gp_unlock(&z->lock);
	if (free_it) {
		struct gp_stack st = z->stack; /* the struct lives on that stack: copy first */
		z->magic = 0;
		gp_stack_put(&st);
	}
}

static struct gp_gt *pick_next(struct gp_hub *h)
{
	for (;;) {
		if (gp_unlikely(__atomic_load_n(&h->inbox, __ATOMIC_RELAXED) != NULL))
			gp_hub_drain(h);
		if (gp_unlikely(__atomic_load_n(&h->sig_pending, __ATOMIC_RELAXED) != 0))
			gp_hub_signals(h);
		if (h->rq_head && (++h->ticks % GP_POLL_EVERY))
			return rq_pop(h);
		h->ticks = 0;
		gp_hub_poll(h, h->rq_head == NULL);
		if (h->rq_head)
			return rq_pop(h);
	}
}

/* An asynchronous cancellation, or a kill, is acted on when the thread resumes. */
static void resumed(struct gp_gt *cur)
{
	if (gp_unlikely(cur->cancel_async | cur->killed) && gp_cancel_due())
		gp_cancel_act();
}

/* Leave the current thread (already queued, parked or ended) for the next runnable one. */
static void reschedule(struct gp_hub *h)
{
	struct gp_gt *cur = h->cur, *next = pick_next(h);
	next->state = GP_RUNNING;
	if (next == cur)
		return;
	if (gp_unlikely(next->sigmask != cur->sigmask)) {
		uint64_t k = next->sigmask | h->sigwaited;
		gp_sys_sigmask(SIG_SETMASK, &k, NULL);
	}
	cur->err = errno;
	h->cur = next;
	h->switches++;
	if (gp_likely(gp_fiber.start == NULL))
		gp_ctx_switch(&cur->sp, next->sp);
	else
		gp_fiber_switch(h, cur, next); /* AddressSanitizer in the process */
	/* back on cur, possibly much later, on the same OS thread */
	if (h->zombie)
		reap_zombie(h);
	errno = cur->err;
	resumed(cur);
}

int gp_park(uint64_t deadline)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	cur->state = GP_WAITING;
	if (gp_unlikely(cur->timeout_due) && !cur->in_tpool) { /* a greenpatch_timeout fired before */
		cur->timeout_due = 0;
		gp_cancel_wait(cur, -ETIME);
	}
	if (deadline != GP_NEVER && cur->state == GP_WAITING)
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

void gp_wake(struct gp_waiter *w, int status, int always_inbox)
{
	struct gp_gt *t = w->gt;
	struct gp_hub *h = t->hub;
	if (gp_likely(!always_inbox && h == gp_cur_hub)) {
		gp_ready(t, status);
		return;
	}
	w->status = status;
	struct gp_waiter *old = __atomic_load_n(&h->inbox, __ATOMIC_RELAXED);
	do
		w->inbox_next = old;
	while (!__atomic_compare_exchange_n(&h->inbox, &old, w, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	/* w may be gone from here on (its thread may already run): only h is used */
	if (__atomic_load_n(&h->sleeping, __ATOMIC_SEQ_CST))
		gp_hub_kick(h);
}

void gp_cancel_deliver(struct gp_gt *t);

void gp_inbox_deliver(struct gp_waiter *w)
{
	if (w->kind == GP_MSG_CANCEL) {
		struct gp_gt *t = w->gt;
		free(w);
		gp_cancel_deliver(t);
		return;
	}
	gp_ready(w->gt, w->status);
}

void gp_cancel_wait(struct gp_gt *t, int status)
{
	if (t->state != GP_WAITING)
		return;
	for (int i = 0; i < t->nwaits; i++) {
		struct gp_waiter *w = &t->waits[i];
		if (!w->lock)
			continue;
		gp_lock(w->lock);
		int taken = w->q == NULL;
		gp_wq_unlink(w);
		gp_unlock(w->lock);
		if (taken)
			return; /* a waker owns this wake-up; it arrives through the inbox or has come */
	}
	gp_ready(t, status);
}

int gp_park_as(uint64_t deadline, int flags)
{
	struct gp_gt *cur = gp_hub()->cur;
	cur->cancel_point = (uint8_t)!!(flags & GP_W_CANCEL);
	cur->intr = flags & 3;
	int r = gp_park(deadline);
	cur->cancel_point = 0;
	cur->intr = 0;
	cur->wait_what = NULL;
	return r;
}

int gp_park_cp(uint64_t deadline)
{
	return gp_park_as(deadline, GP_W_CANCEL | GP_INTR_RESTART);
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

static int wait_locked(struct gp_wq *q, int first, int *lock, int tag, uint64_t deadline, int flags,
		       const char *what, const void *obj)
{
	struct gp_gt *cur = gp_self();
	struct gp_waiter w = { .gt = cur, .tag = tag, .lock = lock, .key = obj };
	if (first)
		gp_wq_push_first(q, &w);
	else
		gp_wq_push(q, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	cur->wait_what = what;
	cur->wait_obj = obj;
	gp_unlock(lock);
	return gp_park_as(deadline, flags);
}

int gp_wait_locked(struct gp_wq *q, int *lock, int tag, uint64_t deadline, int flags, const char *what,
		   const void *obj)
{
	return wait_locked(q, 0, lock, tag, deadline, flags, what, obj);
}

int gp_wait_locked_first(struct gp_wq *q, int *lock, int tag, uint64_t deadline, int flags, const char *what,
			 const void *obj)
{
	return wait_locked(q, 1, lock, tag, deadline, flags, what, obj);
}

/* A thread whose calls never wait (page-cache reads in a loop) would keep the hub to itself:
 * every GP_BUSY_CALLS such calls it lets the others run, timers and I/O included. */
#define GP_BUSY_CALLS 32
void gp_busy_call(void)
{
	struct gp_hub *h = gp_hub();
	if (++h->cur->busy_calls < GP_BUSY_CALLS || h->nthreads == 1)
		return;
	h->cur->busy_calls = 0;
	h->ticks = GP_POLL_EVERY - 1; /* the next pick polls */
	gp_yield();
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
	gp_cancel_wait((struct gp_gt *)((char *)tm - offsetof(struct gp_gt, timer)), -ETIMEDOUT);
}

/* A cancellation point: 0, -EINTR, -ECANCELED. */
int gp_sleep_as(uint64_t deadline, int intr)
{
	struct gp_gt *cur = gp_self();
	if (gp_cancel_due())
		return -ECANCELED;
	if (deadline <= gp_now()) {
		gp_yield();
		return 0;
	}
	cur->state = GP_WAITING;
	cur->wait_what = "sleep";
	int r = gp_park_as(deadline, GP_W_CANCEL | intr);
	return r == -ETIMEDOUT ? 0 : r;
}

int gp_sleep_until(uint64_t deadline)
{
	return gp_sleep_as(deadline, GP_INTR_ALWAYS);
}

/* ---- thread life ---- */

void gp_gt_init(struct gp_gt *t, struct gp_hub *h)
{
	t->hub = h;
	t->magic = GP_GT_MAGIC;
	t->state = GP_RUNNING;
	t->timer.idx = SIZE_MAX;
	t->timer.fire = timer_wake;
	t->id = h->internal ? 0 : __atomic_fetch_add(&gp_next_id, 1, __ATOMIC_RELAXED);
	if (!h->internal)
		gp_stats_alive(__atomic_add_fetch(&gp_alive, 1, __ATOMIC_RELAXED));
	h->nthreads++;
	all_link(h, t);
}

static void gt_entry(void *arg)
{
	struct gp_gt *t = arg;
	struct gp_hub *h = t->hub;
	if (gp_unlikely(gp_fiber.start != NULL))
		gp_fiber_enter(h, t);
	if (h->zombie)
		reap_zombie(h);
	errno = 0;
	if (t->killed) { /* killed before it ran: nothing to unwind */
		t->exit_err = ECANCELED;
		gp_exit(PTHREAD_CANCELED);
	}
	gp_exit(t->fn(t->arg));
}

/* The thread struct sits at the top of its own stack: one mapping per thread, freed in one go. */
int gp_spawn(struct gp_gt **out, const struct gp_spawn_attr *attr, void *(*fn)(void *), void *arg)
{
	struct gp_hub *h = gp_hub();
	struct gp_stack st = { 0 };
	size_t size = attr && attr->stack_size ? attr->stack_size : gp_config.stack_size;
	size_t guard = attr ? attr->guard_size : SIZE_MAX;
	if (gp_unlikely(!h->diag_ready))
		gp_diag_spawn(h);
	if (attr && attr->stack_addr) {
		gp_stack_user(&st, attr->stack_addr, size);
	} else if (gp_stack_get(&st, size + sizeof(struct gp_gt) + 64, guard) < 0) {
		return -EAGAIN;
	}
	if (gp_unlikely(gp_fiber.start != NULL))
		gp_fiber_new_stack(&st);
	char *top = (char *)st.map + st.guard + st.size;
	struct gp_gt *t = (struct gp_gt *)(((uintptr_t)top - sizeof(*t)) & ~(uintptr_t)63);
	memset(t, 0, sizeof(*t));
	t->stack = st;
	t->fn = fn;
	t->arg = arg;
	t->detached = attr ? attr->detached : 0;
	t->stack_asked = attr && !attr->stack_addr ? attr->stack_size : 0;
	t->sigmask = attr && attr->has_sigmask ? attr->sigmask : h->cur->sigmask;
	h->masks_differ |= t->sigmask != h->cur->sigmask;
	memcpy(t->name, h->cur->name, sizeof(t->name));
	gp_gt_init(t, h);
	gp_ctx_init(t, gt_entry, t);
	t->state = GP_RUNNABLE;
	rq_push(h, t);
	h->spawned++;
	*out = t;
	return 0;
}

/* The last thread leaves: the process ends as natively when the last pthread exits. */
static void last_thread_gone(void)
{
	exit(0);
}

/* Mark cur done and hand its end to a joiner (of any hub). */
static void finish(struct gp_gt *cur)
{
	gp_lock(&cur->lock);
	cur->state = GP_DONE;
	struct gp_waiter *j = gp_wq_pop(&cur->joinq);
	gp_unlock(&cur->lock);
	if (j)
		gp_wake(j, 0, 0);
}

void gp_exit(void *ret)
{
	struct gp_hub *h = gp_hub();
	struct gp_gt *cur = h->cur;
	cur->exiting = 1;
	cur->cancel_off = 1; /* destructors are no cancellation points any more */
	gp_timeout_drop_all(cur);
	gp_key_run_dtors(cur);
	gp_mutex_owner_gone(cur);
	cur->ret = ret;
	void **keys = cur->keys; /* off the thread before free: an allocator may read its keys */
	unsigned *keyseq = cur->keyseq;
	cur->keys = NULL;
	cur->keyseq = NULL;
	cur->nkeys = 0;
	free(keys);
	free(keyseq);
	h->nthreads--;
	all_unlink(h, cur);
	if (__atomic_sub_fetch(&gp_alive, 1, __ATOMIC_RELAXED) == 0)
		last_thread_gone();
	finish(cur);
	h->zombie = cur;
	reschedule(h); /* an ended thread never becomes runnable: this does not return */
	gp_panic("ended green thread %lu was resumed", cur->id);
}

static void gt_free(struct gp_gt *t)
{
	if (t == &t->hub->main)
		return;
	t->magic = 0;
	struct gp_stack st = t->stack; /* the struct lives on that stack: copy first */
	gp_stack_put(&st);
}

/* t ended (and its lock is released): collect it once its hub no longer runs on its stack. */
static int joined(struct gp_gt *t, void **ret, int *err)
{
	while (!__atomic_load_n(&t->off_cpu, __ATOMIC_ACQUIRE))
		gp_yield(); /* its own hub (another OS thread) is still switching away from it */
	if (ret)
		*ret = t->ret;
	if (err)
		*err = t->exit_err;
	gt_free(t);
	return 0;
}

int gp_join(struct gp_gt *t, void **ret, uint64_t deadline)
{
	return gp_join_ex(t, ret, deadline, NULL);
}

int gp_join_ex(struct gp_gt *t, void **ret, uint64_t deadline, int *err)
{
	struct gp_gt *cur = gp_self();
	if (!gp_is_gt(t))
		return -ESRCH;
	if (t == cur || t->joining == cur) /* glibc's "may" error: two threads joining each other */
		return -EDEADLK;
	gp_lock(&t->lock);
	int r = deadline == 0 && t->state != GP_DONE ? -EBUSY /* glibc's tryjoin asks this first */
		: t->detached || t->joined	    ? -EINVAL
		: t->state == GP_DONE		    ? 0
		: gp_cancel_due()		    ? -ECANCELED
						    : 1;
	if (r <= 0) {
		t->joined = r == 0 || t->joined;
		gp_unlock(&t->lock);
		return r ? r : joined(t, ret, err);
	}
	t->joined = 1;
	cur->joining = t;
	r = gp_wait_locked(&t->joinq, &t->lock, 0, deadline, GP_W_CANCEL, "join", t);
	cur->joining = NULL;
	if (r == -ECANCELED || r == -ETIMEDOUT || r == -ETIME) { /* no join happened: t stays joinable */
		gp_lock(&t->lock);
		t->joined = 0;
		gp_unlock(&t->lock);
		return r;
	}
	return joined(t, ret, err);
}

int gp_detach(struct gp_gt *t)
{
	if (!gp_is_gt(t))
		return -ESRCH;
	gp_lock(&t->lock);
	if (t->detached || t->joined) {
		gp_unlock(&t->lock);
		return -EINVAL;
	}
	int free_now = __atomic_load_n(&t->off_cpu, __ATOMIC_ACQUIRE); /* else reap_zombie frees it */
	t->detached = 1;
	gp_unlock(&t->lock);
	if (free_now)
		gt_free(t);
	return 0;
}

/* The hub of an ending native thread is destroyed: its main green thread is no more. */
void gp_sched_hub_gone(struct gp_hub *h)
{
	gp_mutex_owner_gone(&h->main);
	h->main.magic = 0;
	if (!h->internal)
		__atomic_sub_fetch(&gp_alive, 1, __ATOMIC_RELAXED);
}

/* fork child: only the calling thread survives (see gp_hub_atfork_child). */
void gp_sched_atfork_child(struct gp_hub *h)
{
	gp_alive = 1;
	h->all = NULL;
	all_link(h, h->cur);
}

