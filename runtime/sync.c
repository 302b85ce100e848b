/* Mutexes, condition variables and once. The state lives inside the program's own
 * pthread_mutex_t / pthread_cond_t / pthread_once_t (see the overlays in rt.h), so static
 * initializers work unchanged; each object's lock word makes it safe between hubs, so a native
 * thread may be on the other side. An unlock wakes the first waiter (FIFO, no thundering herd),
 * which then takes the mutex if it is still free when it runs: as with glibc, a running thread
 * may take a free mutex first. A strict hand-off would be fairer but livelocks std::lock's
 * lock-one, try-the-others, back-off algorithm: every mutex a backing-off thread lets go would
 * already belong to the next waiter. A waiter that loses the race keeps its place at the head.
 *
 * Robust mutexes: each thread keeps the list of those it holds (only it touches the list); when
 * it ends they pass to their next owner with EOWNERDEAD, and stay "inconsistent" until
 * pthread_mutex_consistent; unlocked while inconsistent, a mutex becomes not recoverable. */
#include "rt.h"
#include <pthread.h>

enum { M_NORMAL = PTHREAD_MUTEX_TIMED_NP, M_RECURSIVE = PTHREAD_MUTEX_RECURSIVE_NP,
       M_ERRORCHECK = PTHREAD_MUTEX_ERRORCHECK_NP, M_ADAPTIVE = PTHREAD_MUTEX_ADAPTIVE_NP };

static int mtype(const struct gp_mutex *m)
{
	return m->kind & 3;
}

static int robust(const struct gp_mutex *m)
{
	return m->kind & GP_MUTEX_ROBUST;
}

/* ---- the calling thread's robust mutexes ---- */

static void held_add(struct gp_gt *t, struct gp_mutex *m)
{
	if (t->nrobust == t->caprobust) {
		unsigned cap = t->caprobust ? 2 * t->caprobust : 4;
		struct gp_mutex **n = realloc(t->robust, cap * sizeof(*n));
		if (!n)
			gp_panic("out of memory tracking robust mutexes");
		t->robust = n;
		t->caprobust = cap;
	}
	t->robust[t->nrobust++] = m;
}

static void held_del(struct gp_gt *t, struct gp_mutex *m)
{
	for (unsigned i = t->nrobust; i-- > 0;) {
		if (t->robust[i] == m) {
			t->robust[i] = t->robust[--t->nrobust];
			return;
		}
	}
}

/* m became cur's (its lock is released already): what the locking call returns. */
static int taken(struct gp_gt *cur, struct gp_mutex *m, int status)
{
	if (robust(m) && (status == 0 || status == -EOWNERDEAD))
		held_add(cur, m);
	return status;
}

/* Free, with m->lock held: take it. */
static int take_free(struct gp_gt *cur, struct gp_mutex *m)
{
	if (gp_unlikely(m->state)) {
		if (m->state & GP_MUTEX_NOTREC) {
			gp_unlock(&m->lock);
			return -ENOTRECOVERABLE;
		}
		m->owner = cur;
		gp_unlock(&m->lock);
		return taken(cur, m, -EOWNERDEAD);
	}
	m->owner = cur;
	gp_unlock(&m->lock);
	return robust(m) ? taken(cur, m, 0) : 0;
}

/* The owner locks again: what each type does natively. A normal mutex deadlocks for good. */
static int relock(struct gp_mutex *m, uint64_t deadline, int try)
{
	switch (mtype(m)) {
	case M_RECURSIVE:
		if (m->count == UINT32_MAX)
			return -EAGAIN;
		m->count++;
		return 0;
	case M_ERRORCHECK: /* glibc's trylock says EDEADLK only for the robust and PI kinds */
		return try && !(m->kind & (GP_MUTEX_ROBUST | GP_MUTEX_PI)) ? -EBUSY : -EDEADLK;
	default: {
		if (try)
			return -EBUSY;
		struct gp_wq never = { 0 };
		struct gp_gt *cur = gp_self();
		cur->wait_what = "mutex it holds itself";
		cur->wait_obj = m;
		return gp_wait_on(&never, 0, deadline); /* only a timeout ends this */
	}
	}
}

/* m->lock held, m owned by another thread: wait for an unlock, then compete for it. */
static int contend(struct gp_gt *cur, struct gp_mutex *m, uint64_t deadline)
{
	for (int lost = 0;; lost = 1) {
		int r = lost ? gp_wait_locked_first(&m->wq, &m->lock, 0, deadline, 0, "mutex", m)
			     : gp_wait_locked(&m->wq, &m->lock, 0, deadline, 0, "mutex", m);
		if (r)
			return r; /* timed out */
		gp_lock(&m->lock);
		if (!m->owner)
			return take_free(cur, m);
		if (deadline != GP_NEVER && gp_now() >= deadline) {
			gp_unlock(&m->lock);
			return -ETIMEDOUT;
		}
	}
}

int gp_mutex_lock(struct gp_mutex *m, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&m->lock);
	if (gp_likely(!m->owner))
		return take_free(cur, m);
	if (m->owner == cur) {
		gp_unlock(&m->lock);
		return relock(m, deadline, 0);
	}
	return contend(cur, m, deadline);
}

int gp_mutex_trylock(struct gp_mutex *m)
{
	struct gp_gt *cur = gp_self();
	gp_lock(&m->lock);
	if (!m->owner)
		return take_free(cur, m);
	gp_unlock(&m->lock);
	return m->owner == cur ? relock(m, GP_NEVER, 1) : -EBUSY;
}

/* Wake the waiters collected in a chain (through inbox_next), after the lock is released. */
static void wake_chain(struct gp_waiter *w, int status)
{
	while (w) {
		struct gp_waiter *next = w->inbox_next;
		gp_wake(w, status, 0);
		w = next;
	}
}

/* Give m up (its owner, or the one unlocking it); the first waiter competes for it. */
static void release(struct gp_mutex *m)
{
	gp_lock(&m->lock);
	struct gp_waiter *w = gp_wq_pop(&m->wq);
	m->owner = NULL;
	gp_unlock(&m->lock);
	if (w)
		gp_wake(w, 0, 0);
}

/* Unlocked while inconsistent: nobody can use it any more; every waiter finds that out. */
static void make_unrecoverable(struct gp_mutex *m)
{
	gp_lock(&m->lock);
	m->state = GP_MUTEX_NOTREC;
	m->owner = NULL;
	struct gp_waiter *chain = NULL, *w;
	while ((w = gp_wq_pop(&m->wq)) != NULL) {
		w->inbox_next = chain;
		chain = w;
	}
	gp_unlock(&m->lock);
	wake_chain(chain, 0);
}

int gp_mutex_unlock(struct gp_mutex *m)
{
	struct gp_gt *cur = gp_self();
	int t = mtype(m);
	/* m->owner == cur cannot change under us; anything else we may read stale, harmlessly */
	if (m->owner != cur && (t == M_RECURSIVE || t == M_ERRORCHECK || robust(m)))
		return -EPERM;
	if (m->count) {
		m->count--;
		return 0;
	}
	if (robust(m)) {
		held_del(cur, m);
		if (m->state & GP_MUTEX_DEAD) {
			make_unrecoverable(m);
			return 0;
		}
	}
	release(m);
	return 0;
}

int gp_mutex_consistent(struct gp_mutex *m)
{
	if (!robust(m) || !(m->state & GP_MUTEX_DEAD) || (m->state & GP_MUTEX_NOTREC))
		return -EINVAL;
	gp_lock(&m->lock);
	m->state &= ~GP_MUTEX_DEAD;
	gp_unlock(&m->lock);
	return 0;
}

void gp_mutex_owner_gone(struct gp_gt *t)
{
	while (t->nrobust) {
		struct gp_mutex *m = t->robust[--t->nrobust];
		gp_lock(&m->lock);
		m->state |= GP_MUTEX_DEAD; /* the next to take it hears EOWNERDEAD */
		m->count = 0;
		gp_unlock(&m->lock);
		release(m);
	}
	free(t->robust);
	t->robust = NULL;
	t->caprobust = 0;
}

/* ---- condition variables ---- */

/* Wait: queue on the condvar, let go of the mutex, park, take the mutex back whatever ended the
 * wait. As glibc, a recursive mutex loses one level only (locked twice, it stays locked across
 * the wait). A cancellation point: a pending request acts before the mutex is let go, one that
 * ends the wait after it is taken back (cleanup handlers find it locked). */
int gp_cond_wait(struct gp_cond *c, struct gp_mutex *m, uint64_t deadline)
{
	struct gp_gt *cur = gp_self();
	if (m->owner != cur && (mtype(m) != M_NORMAL || robust(m)))
		return -EPERM;
	if (gp_cancel_due())
		return -ECANCELED;
	struct gp_waiter w = { .gt = cur, .lock = &c->lock, .key = c };
	gp_lock(&c->lock);
	gp_wq_push(&c->wq, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	cur->wait_what = "condition variable";
	cur->wait_obj = c;
	gp_unlock(&c->lock);
	if (m->count && m->owner == cur) {
		m->count--; /* still held: the relock below counts it again */
	} else {
		if (robust(m))
			held_del(cur, m);
		release(m); /* may ready a mutex waiter; never parks */
	}
	int r = gp_park_as(deadline, GP_W_CANCEL); /* never EINTR: glibc resumes it */
	int l = gp_mutex_lock(m, GP_NEVER);
	if (r == -ETIMEDOUT || r == -ECANCELED || r == -ETIME)
		return r;
	return l == -EOWNERDEAD ? l : 0;
}

static int cond_wake(struct gp_cond *c, int all)
{
	struct gp_waiter *chain = NULL, *w;
	int n = 0;
	gp_lock(&c->lock);
	while ((all || !n) && (w = gp_wq_pop(&c->wq)) != NULL) {
		w->inbox_next = chain;
		chain = w;
		n++;
	}
	gp_unlock(&c->lock);
	/* the chain is newest first: wake in queue order */
	struct gp_waiter *fifo = NULL;
	while (chain) {
		struct gp_waiter *next = chain->inbox_next;
		chain->inbox_next = fifo;
		fifo = chain;
		chain = next;
	}
	wake_chain(fifo, 0);
	return n;
}

void gp_cond_signal(struct gp_cond *c)
{
	if (c->wq.head) /* an unlocked peek: a waiter queued after it missed this signal anyway */
		cond_wake(c, 0);
}

void gp_cond_broadcast(struct gp_cond *c)
{
	if (c->wq.head)
		cond_wake(c, 1);
}

/* ---- pthread_once ----
 * 0 not run, 1 running, 2 done (glibc's "done" is 2 as well). Threads that find it running wait
 * in one process-wide queue, keyed by the once word. */
enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };
static int once_lock;
static struct gp_wq once_q;

static void once_wake(int *once)
{
	struct gp_waiter *chain = NULL;
	gp_lock(&once_lock);
	for (struct gp_waiter *w = once_q.head, *next; w; w = next) {
		next = w->next;
		if (w->key == once) {
			gp_wq_unlink(w);
			w->inbox_next = chain;
			chain = w;
		}
	}
	gp_unlock(&once_lock);
	wake_chain(chain, 0);
}

/* The init did not return (a C++ exception, a cancellation): not done, a waiter may run it. */
static void once_unwound(int **once)
{
	if (!*once)
		return;
	__atomic_store_n(*once, ONCE_NEW, __ATOMIC_RELEASE);
	once_wake(*once);
}

int gp_once(int *once, void (*init)(void))
{
	for (;;) {
		int v = __atomic_load_n(once, __ATOMIC_ACQUIRE);
		if (v == ONCE_DONE)
			return 0;
		if (v == ONCE_NEW && __atomic_compare_exchange_n(once, &v, ONCE_RUNNING, 0, __ATOMIC_ACQ_REL,
								  __ATOMIC_ACQUIRE))
			break;
		gp_lock(&once_lock);
		if (__atomic_load_n(once, __ATOMIC_ACQUIRE) != ONCE_RUNNING) {
			gp_unlock(&once_lock);
			continue;
		}
		gp_wait_locked(&once_q, &once_lock, 0, GP_NEVER, 0, "pthread_once in progress", once);
	}
	int *guard __attribute__((cleanup(once_unwound))) = once;
	init();
	guard = NULL;
	__atomic_store_n(once, ONCE_DONE, __ATOMIC_RELEASE);
	once_wake(once);
	return 0;
}

/* fork child: a lock some other thread held at the fork is free in the child. */
void gp_sync_atfork_child(void)
{
	once_lock = 0;
	once_q = (struct gp_wq){ 0 };
	void gp_futex_atfork_child(void);
	gp_futex_atfork_child();
}
