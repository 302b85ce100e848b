/* Read-write locks, with glibc's preferences: by default a reader gets in whenever no writer holds
 * the lock (writers may starve, as with glibc's default); with
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP a reader also waits while a writer waits. Waiters
 * queue in one FIFO and retry when woken; a release wakes the first waiter and, if it is a
 * reader, every reader queued. Barriers live here too: the last arrival wakes the round. Every
 * state change is made under the object's lock word, so native threads may take part. */
#include "rt.h"
#include <pthread.h>

static int prefer_writer(const struct gp_rwlock *l)
{
	return l->flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
}

static int can_read(const struct gp_rwlock *l)
{
	return !l->writer && !(prefer_writer(l) && l->writers_waiting);
}

/* Lock held: collect who may go now (chain through inbox_next). */
static struct gp_waiter *next_turn(struct gp_rwlock *l)
{
	struct gp_waiter *w = l->wq.head, *chain = NULL;
	if (!w)
		return NULL;
	if (w->tag) {
		gp_wq_unlink(w);
		w->inbox_next = NULL;
		return w;
	}
	for (struct gp_waiter *r = w, *next; r; r = next) { /* every queued reader; writers stay */
		next = r->next;
		if (r->tag)
			continue;
		gp_wq_unlink(r);
		r->inbox_next = chain;
		chain = r;
	}
	return chain;
}

static void wake(struct gp_waiter *chain)
{
	while (chain) {
		struct gp_waiter *next = chain->inbox_next;
		gp_wake(chain, 0, 0);
		chain = next;
	}
}

/* Lock held on entry, released on return. 0 when woken (retry), or the park's error. */
static int wait_turn(struct gp_rwlock *l, int writer, uint64_t deadline)
{
	l->writers_waiting += writer;
	int r = gp_wait_locked(&l->wq, &l->lock, writer, deadline, 0, writer ? "rwlock (write)" : "rwlock (read)", l);
	gp_lock(&l->lock);
	l->writers_waiting -= writer;
	if (r) {
		/* a writer that gives up may unblock the readers queued behind it */
		struct gp_waiter *chain = writer && !l->writer && !l->writers_waiting ? next_turn(l) : NULL;
		gp_unlock(&l->lock);
		wake(chain);
		return r;
	}
	return 0;
}

int gp_rwlock_rdlock(struct gp_rwlock *l, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&l->lock);
	if (l->writer == cur) {
		gp_unlock(&l->lock);
		return -EDEADLK;
	}
	while (!can_read(l)) {
		int r = wait_turn(l, 0, deadline);
		if (r)
			return r;
	}
	l->readers++;
	gp_unlock(&l->lock);
	return 0;
}

int gp_rwlock_wrlock(struct gp_rwlock *l, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&l->lock);
	if (l->writer == cur) {
		gp_unlock(&l->lock);
		return -EDEADLK;
	}
	while (l->writer || l->readers) {
		int r = wait_turn(l, 1, deadline);
		if (r)
			return r;
	}
	l->writer = cur;
	gp_unlock(&l->lock);
	return 0;
}

int gp_rwlock_tryrdlock(struct gp_rwlock *l)
{
	gp_lock(&l->lock);
	int ok = can_read(l);
	if (ok)
		l->readers++;
	gp_unlock(&l->lock);
	return ok ? 0 : -EBUSY;
}

int gp_rwlock_trywrlock(struct gp_rwlock *l)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&l->lock);
	int ok = !l->writer && !l->readers;
	if (ok)
		l->writer = cur;
	gp_unlock(&l->lock);
	return ok ? 0 : -EBUSY;
}

int gp_rwlock_unlock(struct gp_rwlock *l)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&l->lock);
	if (l->writer) {
		if (l->writer != cur) {
			gp_unlock(&l->lock);
			return -EPERM;
		}
		l->writer = NULL;
	} else if (l->readers) {
		l->readers--;
	} else {
		gp_unlock(&l->lock);
		return 0; /* held by nobody: undefined; glibc says 0 (and corrupts the lock) */
	}
	struct gp_waiter *chain = l->readers ? NULL : next_turn(l);
	gp_unlock(&l->lock);
	wake(chain);
	return 0;
}

int gp_barrier_wait(struct gp_barrier *b)
{
	gp_lock(&b->lock);
	if (++b->arrived < b->count) {
		gp_wait_locked(&b->wq, &b->lock, 0, GP_NEVER, 0, "barrier", b);
		return 0;
	}
	b->arrived = 0;
	struct gp_waiter *chain = NULL, *w;
	while ((w = gp_wq_pop(&b->wq)) != NULL) {
		w->inbox_next = chain;
		chain = w;
	}
	gp_unlock(&b->lock);
	wake(chain);
	return PTHREAD_BARRIER_SERIAL_THREAD;
}
