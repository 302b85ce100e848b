/* Counting semaphores. A post with waiters hands its unit straight to the first one (FIFO), so a
 * woken waiter never finds the value taken by a barger.
 *
 * sem_post is async-signal-safe, so it may run in a handler that interrupted a sem_wait of the
 * same OS thread in the middle of its critical section: the post sees its own tid in the lock word
 * and only counts itself in `pending`, which whoever holds the lock does before letting go. Every
 * wake-up goes through the target hub's inbox, which a handler may push onto at any time. */
#include "rt.h"
#include <semaphore.h>
#include <limits.h>

void gp_sem_init(struct gp_sem *s, unsigned value)
{
	*s = (struct gp_sem){ .value = value, .green = GP_SEM_GREEN };
}

/* One post, lock held: a waiter (returned, to be woken after the unlock) or one more unit. */
static struct gp_waiter *post_locked(struct gp_sem *s, int *err)
{
	struct gp_waiter *w = gp_wq_pop(&s->wq);
	if (w)
		return w;
	if (s->value >= SEM_VALUE_MAX)
		*err = -EOVERFLOW;
	else
		s->value++;
	return NULL;
}

/* Let go of the lock, doing the posts handlers made meanwhile; then wake the chain. */
static void sem_unlock(struct gp_sem *s, struct gp_waiter *chain)
{
	for (;;) {
		int err = 0;
		for (unsigned n = __atomic_exchange_n(&s->pending, 0, __ATOMIC_ACQUIRE); n; n--) {
			struct gp_waiter *w = post_locked(s, &err);
			if (w) {
				w->inbox_next = chain;
				chain = w;
			}
		}
		gp_unlock(&s->lock);
		if (!__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE) || !gp_trylock(&s->lock))
			break; /* nothing came in, or the new holder will do it */
	}
	while (chain) {
		struct gp_waiter *next = chain->inbox_next;
		gp_wake(chain, 0, 1);
		chain = next;
	}
}

int gp_sem_trywait(struct gp_sem *s)
{
	gp_lock(&s->lock);
	int r = s->value ? 0 : -EAGAIN;
	if (!r)
		s->value--;
	sem_unlock(s, NULL);
	return r;
}

/* A cancellation point. 0 (a unit taken, or handed over by a post), -ETIMEDOUT, -ECANCELED. */
int gp_sem_wait(struct gp_sem *s, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&s->lock);
	if (s->value) {
		s->value--;
		sem_unlock(s, NULL);
		return 0;
	}
	if (gp_cancel_due()) {
		sem_unlock(s, NULL);
		return -ECANCELED;
	}
	struct gp_waiter w = { .gt = cur, .lock = &s->lock, .key = s };
	gp_wq_push(&s->wq, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	cur->wait_what = "semaphore";
	cur->wait_obj = s;
	sem_unlock(s, NULL); /* a pending post may hand its unit to us right here */
	/* a handler ends sem_timedwait whatever its SA_RESTART (the kernel never restarts a futex
	 * wait with a timeout), sem_wait only without it */
	return gp_park_as(deadline, GP_W_CANCEL | (deadline == GP_NEVER ? GP_INTR_RESTART : GP_INTR_ALWAYS));
}

int gp_sem_post(struct gp_sem *s)
{
	if (gp_lock_mine(&s->lock)) { /* a handler interrupted our own critical section */
		__atomic_add_fetch(&s->pending, 1, __ATOMIC_RELEASE);
		return 0;
	}
	gp_lock(&s->lock);
	int err = 0;
	struct gp_waiter *w = post_locked(s, &err);
	if (w)
		w->inbox_next = NULL;
	sem_unlock(s, w);
	return err;
}
