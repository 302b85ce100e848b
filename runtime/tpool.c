/* The tpool: native worker threads for what cannot be made green (disk files, file locks, the
 * open of a FIFO, name lookups, whole calls into libraries that make their own syscalls). A green
 * thread hands a job over and parks; a worker runs it with the real, blocking call and wakes the
 * thread through its hub's inbox, which kicks the hub out of its epoll wait: one fd per hub for
 * every completion (libuv's model). errno (and h_errno) come back with the result.
 *
 * Workers start on demand, up to gp_config.tpool_size (GREENPATCH_THREADPOOL_SIZE, 20): the first
 * with the first job, another only when a job has waited in the queue for more than a
 * millisecond (a job that blocks, a cold disk read, holds its worker; a page-cache write is done
 * in microseconds, and a thread per concurrent one would only cost). Workers block every signal
 * (a signal for the process goes to a thread of the program). A job submitted from a worker, or
 * with a pool of size 0, runs in the caller, as eventlet does.
 *
 * Latency: a worker that finishes a job looks for the next one for a few microseconds before it
 * sleeps on the queue's futex, and the hub, when all it waits for is a job, looks at its inbox
 * for as long before it sleeps: a call that takes no time costs two cache-line transfers instead
 * of two futex wake-ups. The queue is a FIFO guarded by a lock word; the runtime cannot use the
 * interposed pthread_cond_wait. */
#include "rt.h"
#include "sys.h"
#include <linux/futex.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define GROW_AFTER (1000000ull) /* ns a job may wait before one more worker starts */
#define SPIN_NS (20000ull)      /* how long an idle worker looks for the next job */

static struct {
	int lock;
	struct gp_job *head, *tail;
	unsigned seq;       /* bumped by every submit: idle workers wait for it to move */
	unsigned workers;   /* started, not yet gone */
	unsigned idle;      /* sleeping on seq */
	unsigned starting;  /* made, not yet looking for a job: about to be idle */
	unsigned pending;   /* submitted, not yet finished */
	unsigned gen;       /* bumped by killall: workers of an older one leave */
	unsigned next_size; /* a smaller size, applied by killall */
} q;

static GP_TLS int in_worker;

static struct gp_job *take(void)
{
	struct gp_job *j = q.head;
	if (j) {
		q.head = j->next;
		if (!q.head)
			q.tail = NULL;
	}
	return j;
}

/* The next job, or NULL when this worker's generation was stopped. Lock held on return. A fresh
 * worker stops counting as starting in the same hold of the lock that takes its first job. */
static struct gp_job *next_job(unsigned gen, int *fresh)
{
	uint64_t spin_end = gp_now() + SPIN_NS; /* a moment of looking saves the futex round trip */
	while (!__atomic_load_n(&q.head, __ATOMIC_RELAXED) && gp_now() < spin_end)
		__builtin_ia32_pause();
	gp_lock(&q.lock);
	if (*fresh)
		q.starting--, *fresh = 0;
	while (!q.head && q.gen == gen) {
		unsigned seen = q.seq;
		q.idle++;
		gp_unlock(&q.lock);
		GP_SC(SYS_futex, &q.seq, FUTEX_WAIT_PRIVATE, seen, NULL, 0, 0);
		gp_lock(&q.lock);
		q.idle--;
	}
	return q.gen == gen ? take() : NULL;
}

static void run(struct gp_job *j)
{
	errno = 0;
	j->result = j->fn(j);
	j->err = errno;
	j->h_err = h_errno;
}

/* A job its caller may give up on: whoever takes w off the job's queue first owns the end. */
static void run_intr(struct gp_job *j)
{
	run(j);
	gp_lock(&q.lock);
	struct gp_waiter *w = gp_wq_pop(&j->waiting);
	gp_unlock(&q.lock);
	if (w) {
		gp_wake(w, 0, 1);
		return;
	}
	j->finish(j, 1);
	free(j);
}

static void *worker(void *arg)
{
	unsigned gen = (unsigned)(uintptr_t)arg;
	uint64_t all = ~0ull;
	gp_sys_sigmask(SIG_SETMASK, &all, NULL);
	in_worker = 1;
	int fresh = 1;
	struct gp_job *j;
	while ((j = next_job(gen, &fresh)) != NULL) {
		int given_up = j->finish && !j->w.q; /* before it ran: nothing to do or undo */
		gp_unlock(&q.lock);
		if (given_up)
			free(j);
		else if (j->finish)
			run_intr(j);
		else {
			run(j);
			gp_wake(&j->w, 0, 1); /* j lives on the waiter's stack: not touched after this */
		}
		__atomic_sub_fetch(&q.pending, 1, __ATOMIC_RELEASE); /* after: the wake is in the inbox */
	}
	q.workers--;
	gp_unlock(&q.lock);
	return arg;
}

/* Lock held. A new worker when there is none, or when none is idle or starting and the oldest job
 * has waited too long; 0, or -EAGAIN when no thread could be made and none exists to take the job.
 * A worker still starting will take the job: on a loaded machine its start can outlast
 * GROW_AFTER, and a second one for the same job would be a thread for nothing. */
static int grow(uint64_t now)
{
	if (q.workers && (q.idle || q.starting || !q.head || now - q.head->queued_at < GROW_AFTER))
		return 0;
	if (q.workers >= gp_config.tpool_size)
		return 0;
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int r = gp_config.thread_create(&t, &a, worker, (void *)(uintptr_t)q.gen);
	pthread_attr_destroy(&a);
	if (r == 0)
		q.workers++, q.starting++;
	return r == 0 || q.workers ? 0 : -EAGAIN;
}

/* Inline: in a worker (no self-deadlock), without a pool, or when no thread can be had. */
static long inline_run(struct gp_job *j)
{
	run(j);
	return j->result;
}

/* A job run inline: counted in the stats of the thread's hub, if it has one (a worker has not). */
static int inline_instead(void)
{
	struct gp_hub *h = gp_hub_peek();
	if (h)
		h->tpool_jobs++, h->tpool_inline++;
	return -1;
}

/* Queue j for a worker, the caller about to park for it; -1 when it must run inline instead. */
static int submit(struct gp_job *j)
{
	if (in_worker || !gp_config.tpool_size || !gp_config.thread_create)
		return inline_instead();
	struct gp_gt *cur = gp_self();
	cur->hub->tpool_jobs++;
	j->w = (struct gp_waiter){ .gt = cur };
	j->next = NULL;
	j->queued_at = gp_now();
	gp_lock(&q.lock);
	if (grow(j->queued_at) < 0) {
		gp_unlock(&q.lock);
		cur->hub->tpool_inline++;
		return -1;
	}
	if (j->finish) { /* the wait may end early: w on the job's own queue, under q.lock */
		j->waiting = (struct gp_wq){ 0 };
		j->w.lock = &q.lock;
		gp_wq_push(&j->waiting, &j->w);
		cur->waits = &j->w;
		cur->nwaits = 1;
	}
	if (q.tail)
		q.tail->next = j;
	else
		q.head = j;
	q.tail = j;
	q.pending++;
	q.seq++;
	int wake = q.idle > 0;
	cur->state = GP_WAITING;
	cur->wait_what = "tpool job";
	cur->wait_obj = j;
	gp_unlock(&q.lock);
	if (wake)
		GP_SC(SYS_futex, &q.seq, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	return 0;
}

static long done(struct gp_job *j)
{
	gp_self()->wait_what = NULL;
	if (j->carry & GP_JOB_ERRNO)
		errno = j->err;
	if (j->carry & GP_JOB_H_ERRNO)
		h_errno = j->h_err;
	return j->result;
}

long gp_tpool_run(struct gp_job *j)
{
	if (submit(j) < 0)
		return inline_run(j);
	/* nothing ends this wait early (no cancellation, signal or timeout): the job writes into this
	 * thread's memory */
	struct gp_gt *cur = gp_self();
	cur->in_tpool = 1;
	gp_park(GP_NEVER);
	cur->in_tpool = 0;
	return done(j);
}

long gp_tpool_run_intr(const struct gp_job *job, int flags)
{
	struct gp_job *j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = *job;
	if (submit(j) < 0) {
		long r = inline_run(j);
		j->finish(j, 0);
		free(j);
		return r;
	}
	int w = gp_park_as(GP_NEVER, flags);
	if (w < 0)
		return w; /* given up: the worker finishes and frees it */
	long r = done(j);
	j->finish(j, 0);
	free(j);
	return r;
}

static long syscall_job(struct gp_job *j)
{
	return GP_SC(j->nr, j->a[0], j->a[1], j->a[2], j->a[3], j->a[4], j->a[5]);
}

long gp_tpool_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct gp_job j = { .fn = syscall_job, .nr = nr, .a = { a0, a1, a2, a3, a4, a5 } };
	return gp_tpool_run(&j);
}

/* The hub, while jobs wait in the queue (it wakes at least every millisecond then). */
void gp_tpool_tick(uint64_t now)
{
	if (!__atomic_load_n(&q.head, __ATOMIC_RELAXED))
		return;
	gp_lock(&q.lock);
	grow(now);
	gp_unlock(&q.lock);
}

int gp_tpool_queued(void)
{
	return __atomic_load_n(&q.head, __ATOMIC_RELAXED) != NULL;
}

unsigned gp_tpool_workers(void)
{
	return __atomic_load_n(&q.workers, __ATOMIC_RELAXED);
}

unsigned gp_tpool_queue_len(void)
{
	unsigned n = 0;
	gp_lock(&q.lock);
	for (const struct gp_job *j = q.head; j; j = j->next)
		n++;
	gp_unlock(&q.lock);
	return n;
}

unsigned gp_tpool_pending(void)
{
	return __atomic_load_n(&q.pending, __ATOMIC_ACQUIRE);
}

/* The hub is about to sleep while jobs it waits for run: a completion may be microseconds away. */
int gp_tpool_spin(const void *inbox_word)
{
	if (!__atomic_load_n(&q.pending, __ATOMIC_RELAXED))
		return 0;
	uint64_t end = gp_now() + SPIN_NS;
	while (gp_now() < end)
		if (__atomic_load_n((void *const *)inbox_word, __ATOMIC_ACQUIRE))
			return 1;
		else
			__builtin_ia32_pause();
	return 0;
}

int gp_tpool_in_worker(void)
{
	return in_worker;
}

/* eventlet's set_num_threads: a larger size takes effect at once, a smaller one when killall has
 * stopped the workers (or at once while none has started). */
int gp_tpool_set_size(unsigned n)
{
	if (n > GP_TPOOL_MAX)
		return -EINVAL;
	gp_lock(&q.lock);
	if (n >= gp_config.tpool_size || !q.workers) {
		gp_config.tpool_size = n;
		q.next_size = 0;
	} else {
		q.next_size = n + 1; /* + 1: 0 is a size too */
	}
	gp_unlock(&q.lock);
	return 0;
}

/* Stop every worker: idle ones at once, busy ones after their job; wait until all are gone. */
void gp_tpool_killall(void)
{
	gp_lock(&q.lock);
	q.gen++;
	q.seq++;
	if (q.next_size) {
		gp_config.tpool_size = q.next_size - 1;
		q.next_size = 0;
	}
	gp_unlock(&q.lock);
	GP_SC(SYS_futex, &q.seq, FUTEX_WAKE_PRIVATE, INT32_MAX, 0, 0, 0);
	while (__atomic_load_n(&q.workers, __ATOMIC_ACQUIRE) && !in_worker)
		gp_sleep_as(gp_deadline_in(1000000), GP_INTR_NEVER);
	gp_lock(&q.lock);
	if (q.head) /* jobs queued meanwhile: a worker of the new generation for them */
		grow(gp_now());
	gp_unlock(&q.lock);
}

/* fork child: the workers did not come along; jobs queued by other threads are theirs. */
void gp_tpool_atfork_child(void)
{
	unsigned gen = q.gen + 1;
	memset(&q, 0, sizeof(q));
	q.gen = gen;
	in_worker = 0;
}
