/* Read-write locks for green threads, with glibc's preferences: by default a reader gets in
 * whenever no writer holds the lock (writers may starve, as with glibc's default); with
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP a reader also waits while a writer waits. Waiters
 * queue in one FIFO and simply retry when woken; a release wakes the first waiter and, if it is a
 * reader, every reader queued. Barriers live here too: the last arrival wakes the round. */
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

static int wait_turn(struct gp_rwlock *l, int writer, uint64_t deadline)
{
	l->writers_waiting += writer;
	int r = gp_wait_on(&l->wq, writer, deadline);
	l->writers_waiting -= writer;
	return r;
}

static void wake_next(struct gp_rwlock *l)
{
	struct gp_waiter *w = l->wq.head;
	if (!w)
		return;
	if (w->tag) {
		gp_ready(w->gt, 0);
		return;
	}
	while ((w = l->wq.head) != NULL) { /* every queued reader; writers keep their place */
		struct gp_waiter *r = w;
		while (r && r->tag)
			r = r->next;
		if (!r)
			break;
		gp_ready(r->gt, 0);
	}
}

int gp_rwlock_rdlock(struct gp_rwlock *l, uint64_t deadline)
{
	if (l->writer == gp_self())
		return -EDEADLK;
	while (!can_read(l)) {
		int r = wait_turn(l, 0, deadline);
		if (r)
			return r;
	}
	l->readers++;
	return 0;
}

int gp_rwlock_wrlock(struct gp_rwlock *l, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	if (l->writer == cur)
		return -EDEADLK;
	while (l->writer || l->readers) {
		int r = wait_turn(l, 1, deadline);
		if (r) {
			wake_next(l); /* a writer that gives up may unblock readers queued behind it */
			return r;
		}
	}
	l->writer = cur;
	return 0;
}

int gp_rwlock_tryrdlock(struct gp_rwlock *l)
{
	if (!can_read(l))
		return -EBUSY;
	l->readers++;
	return 0;
}

int gp_rwlock_trywrlock(struct gp_rwlock *l)
{
	if (l->writer || l->readers)
		return -EBUSY;
	l->writer = gp_self();
	return 0;
}

int gp_rwlock_unlock(struct gp_rwlock *l)
{
	if (l->writer) {
		if (l->writer != gp_self())
			return -EPERM;
		l->writer = NULL;
	} else if (l->readers) {
		l->readers--;
	} else {
		return -EPERM;
	}
	if (!l->readers)
		wake_next(l);
	return 0;
}

int gp_barrier_wait(struct gp_barrier *b)
{
	if (++b->arrived < b->count) {
		gp_wait_on(&b->wq, 0, GP_NEVER);
		return 0;
	}
	b->arrived = 0;
	b->round++;
	gp_wq_wake_all(&b->wq, 0);
	return PTHREAD_BARRIER_SERIAL_THREAD;
}
