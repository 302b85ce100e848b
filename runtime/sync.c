/* Mutexes, condition variables and once, for green threads of one hub. The state lives inside the
 * program's own pthread_mutex_t / pthread_cond_t (see the overlays in rt.h), so static
 * initializers work unchanged. A mutex is handed directly to the first waiter on unlock (FIFO,
 * no barging, no thundering herd): a contended hand-off is one switch. */
#include "rt.h"
#include <pthread.h>

enum { M_NORMAL = PTHREAD_MUTEX_TIMED_NP, M_RECURSIVE = PTHREAD_MUTEX_RECURSIVE_NP,
       M_ERRORCHECK = PTHREAD_MUTEX_ERRORCHECK_NP, M_ADAPTIVE = PTHREAD_MUTEX_ADAPTIVE_NP };

static int mtype(const struct gp_mutex *m)
{
	return m->kind & 3;
}

/* The owner locks again: what each type does natively. A normal mutex deadlocks for good. */
static int relock(struct gp_mutex *m, uint64_t deadline)
{
	switch (mtype(m)) {
	case M_RECURSIVE:
		if (m->count == UINT32_MAX)
			return -EAGAIN;
		m->count++;
		return 0;
	case M_ERRORCHECK:
		return -EDEADLK;
	default: {
		struct gp_wq never = { 0 };
		return gp_wait_on(&never, 0, deadline); /* only a timeout ends this */
	}
	}
}

int gp_mutex_lock(struct gp_mutex *m, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	if (gp_likely(!m->owner)) {
		m->owner = cur;
		return 0;
	}
	if (m->owner == cur)
		return relock(m, deadline);
	int r = gp_wait_on(&m->wq, 0, deadline);
	gp_assert(r != 0 || m->owner == cur); /* woken by unlock = handed the mutex */
	return r;
}

int gp_mutex_trylock(struct gp_mutex *m)
{
	struct gp_gt *cur = gp_self();
	if (!m->owner) {
		m->owner = cur;
		return 0;
	}
	if (m->owner == cur && mtype(m) == M_RECURSIVE)
		return relock(m, GP_NEVER);
	return -EBUSY;
}

int gp_mutex_unlock(struct gp_mutex *m)
{
	struct gp_gt *cur = gp_self();
	if (m->owner != cur && (mtype(m) == M_RECURSIVE || mtype(m) == M_ERRORCHECK))
		return -EPERM;
	if (m->count) {
		m->count--;
		return 0;
	}
	struct gp_waiter *w = gp_wq_pop(&m->wq);
	m->owner = w ? w->gt : NULL;
	if (w)
		gp_ready(w->gt, 0);
	return 0;
}

/* Wait: queue on the condvar, release the mutex (all recursion levels), park, take the mutex back
 * whatever ended the wait. */
int gp_cond_wait(struct gp_cond *c, struct gp_mutex *m, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	if (m->owner != cur && mtype(m) != M_NORMAL)
		return -EPERM;
	unsigned count = m->count;
	struct gp_waiter w = { .gt = cur };
	gp_wq_push(&c->wq, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	m->count = 0;
	gp_mutex_unlock(m);
	cur->state = GP_WAITING;
	int r = gp_park(deadline);
	gp_mutex_lock(m, GP_NEVER);
	m->count = count;
	return r == -ETIMEDOUT ? r : 0;
}

void gp_cond_signal(struct gp_cond *c)
{
	gp_wq_wake_one(&c->wq, 0);
}

void gp_cond_broadcast(struct gp_cond *c)
{
	gp_wq_wake_all(&c->wq, 0);
}

/* pthread_once: 0 not run, 1 running, 2 done (glibc's own "done" value is 2 as well, so a once
 * completed before the preload took over still reads as done). An init that parks lets other
 * threads run; those that reach the same once meanwhile wait on the hub's once queue. */
enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

int gp_once(int *once, void (*init)(void))
{
	struct gp_hub *h = gp_hub();
	while (*once == ONCE_RUNNING)
		gp_wait_on(&h->once_wq, 0, GP_NEVER);
	if (*once == ONCE_DONE)
		return 0;
	*once = ONCE_RUNNING;
	init();
	*once = ONCE_DONE;
	gp_wq_wake_all(&h->once_wq, 0);
	return 0;
}
