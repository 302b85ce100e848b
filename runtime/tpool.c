/* The tpool: native worker threads for what cannot be made green (disk files, file locks, the
 * open of a FIFO; later DNS and whole library calls). A green thread hands a job over and parks;
 * a worker runs it with the real, blocking call and wakes the thread through its hub's inbox,
 * which kicks the hub out of its epoll wait: one fd per hub for every completion (libuv's
 * model). Workers start on demand, up to gp_config.tpool_size (GREENPATCH_THREADPOOL_SIZE, 20):
 * the first with the first job, another only when a job has waited in the queue for more than a
 * millisecond (a job that blocks, a cold disk read, holds its worker; a page-cache write is done
 * in microseconds, and a thread per concurrent one would only cost). Workers block every signal
 * (a signal for the process goes to a thread of the program) and never touch a hub. With a size
 * of 0 a job runs in the caller, blocking its hub, as the real call would.
 *
 * The queue is a FIFO guarded by a lock word; idle workers sleep on a futex over its sequence
 * number (the runtime cannot use the interposed pthread_cond_wait). */
#include "rt.h"
#include "sys.h"
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#define GROW_AFTER (1000000ull) /* ns a job may wait before one more worker starts */

static struct {
	int lock;
	struct gp_job *head, *tail;
	unsigned seq;       /* bumped by every submit: idle workers wait for it to move */
	unsigned workers;   /* started */
	unsigned idle;      /* waiting for a job */
	unsigned pending;   /* submitted, not yet finished */
} q;

static void *worker(void *arg)
{
	uint64_t all = ~0ull;
	gp_sys_sigmask(SIG_SETMASK, &all, NULL);
	for (;;) {
		gp_lock(&q.lock);
		while (!q.head) {
			unsigned seen = q.seq;
			q.idle++;
			gp_unlock(&q.lock);
			GP_SC(SYS_futex, &q.seq, FUTEX_WAIT_PRIVATE, seen, NULL, 0, 0);
			gp_lock(&q.lock);
			q.idle--;
		}
		struct gp_job *j = q.head;
		q.head = j->next;
		if (!q.head)
			q.tail = NULL;
		gp_unlock(&q.lock);
		j->result = j->fn(j);
		__atomic_sub_fetch(&q.pending, 1, __ATOMIC_RELEASE);
		gp_wake(&j->w, 0, 1); /* j lives on the waiter's stack: not touched after this */
	}
	return arg;
}

/* Lock held. A new worker when there is none, or when none is idle and the oldest job has waited
 * too long; 0, or -EAGAIN when no thread could be made and none exists to take the job. */
static int grow(uint64_t now)
{
	if (q.workers && (q.idle || !q.head || now - q.head->queued_at < GROW_AFTER))
		return 0;
	if (q.workers >= gp_config.tpool_size)
		return 0;
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int r = gp_config.thread_create(&t, &a, worker, NULL);
	pthread_attr_destroy(&a);
	if (r == 0)
		q.workers++;
	return r == 0 || q.workers ? 0 : -EAGAIN;
}

long gp_tpool_run(struct gp_job *j)
{
	if (!gp_config.tpool_size || !gp_config.thread_create)
		return j->fn(j);
	struct gp_gt *cur = gp_self();
	j->w = (struct gp_waiter){ .gt = cur };
	j->next = NULL;
	j->queued_at = gp_now();
	gp_lock(&q.lock);
	if (grow(j->queued_at) < 0) {
		gp_unlock(&q.lock);
		return j->fn(j); /* no worker at all: do it here, as natively */
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
	/* not a cancellation point while the job runs: its result belongs to this thread's memory */
	gp_park(GP_NEVER);
	cur->wait_what = NULL;
	return j->result;
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

unsigned gp_tpool_pending(void)
{
	return __atomic_load_n(&q.pending, __ATOMIC_ACQUIRE);
}

/* fork child: the workers did not come along; jobs queued by other threads are theirs. */
void gp_tpool_atfork_child(void)
{
	memset(&q, 0, sizeof(q));
}
