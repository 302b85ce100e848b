/* The hub: one per OS thread, created on first use. It owns the run queue (sched.c), the timer
 * heap (timer.c) and an epoll set in which each watched fd is registered once, edge-triggered for
 * both directions, and stays until close: no epoll_ctl per wait. gp_hub_poll is the hub
 * iteration, run by whichever green thread finds nothing runnable (see README, "How it works").
 * A signal handler that runs during the hub's wait ends it (EINTR); signal.c then decides which
 * wait the handler cuts short.
 * Other OS threads wake a hub's threads through its inbox; a hub that sleeps is kicked out of its
 * wait: by an eventfd in its epoll set, or, while it has no epoll set, by a futex wake on the
 * word it sleeps on. */
#include "rt.h"
#include "sys.h"
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <linux/futex.h>

GP_TLS struct gp_hub *gp_cur_hub;

void gp_gt_init(struct gp_gt *t, struct gp_hub *h);
void gp_sched_atfork_child(struct gp_hub *h);
void gp_sched_hub_gone(struct gp_hub *h);
void gp_tid_atfork_child(void);
void gp_sync_atfork_child(void);
void gp_tpool_atfork_child(void);

#define EV_KICK UINT64_MAX /* epoll data of the hub's eventfd */
static unsigned hubs_alive;
struct gp_hubs gp_hubs;

static void hubs_link(struct gp_hub *h)
{
	gp_lock(&gp_hubs.lock);
	h->hubs_prev = NULL;
	h->hubs_next = gp_hubs.head;
	if (gp_hubs.head)
		gp_hubs.head->hubs_prev = h;
	gp_hubs.head = h;
	gp_unlock(&gp_hubs.lock);
}

/* Its counters go to the totals in the same critical section: the stats never count a hub twice
 * or miss one. */
static void hubs_unlink(struct gp_hub *h)
{
	gp_lock(&gp_hubs.lock);
	if (h->hubs_prev)
		h->hubs_prev->hubs_next = h->hubs_next;
	else
		gp_hubs.head = h->hubs_next;
	if (h->hubs_next)
		h->hubs_next->hubs_prev = h->hubs_prev;
	gp_stats_retire(h);
	gp_unlock(&gp_hubs.lock);
}

unsigned gp_hubs_alive(void)
{
	return __atomic_load_n(&hubs_alive, __ATOMIC_RELAXED);
}

void gp_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	gp_sys_write(2, buf, n);
}

void gp_say(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		gp_sys_write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

long gp_read_file(const char *path, char *buf, size_t size)
{
	int fd = (int)GP_SC(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return fd;
	long n = GP_SC(SYS_read, fd, buf, size - 1, 0, 0, 0);
	gp_sys_close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

void gp_panic(const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	gp_log("greenpatch: fatal: %s", buf);
	abort();
}

/* The set and its kick eventfd, or -errno when the process cannot have them now (out of
 * descriptors: EMFILE, ENFILE; ENOMEM): nothing is left half made. */
static int hub_epoll(struct gp_hub *h)
{
	int ep = (int)GP_SC(SYS_epoll_create1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
	if (ep < 0)
		return ep;
	int ev = (int)GP_SC(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0, 0);
	if (ev < 0) {
		gp_sys_close(ep);
		return ev;
	}
	ep = gp_fd_internal(ep);
	ev = gp_fd_internal(ev);
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = EV_KICK };
	long r = gp_sys_epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
	if (r < 0) {
		gp_fd_forget(ep), gp_sys_close(ep);
		gp_fd_forget(ev), gp_sys_close(ev);
		return (int)r;
	}
	h->evfd = ev;
	return ep;
}

/* The epoll set is made on first need: a hub whose thread never waits on a descriptor with
 * company (every native thread when the thread module is off) costs no fd. A process at its
 * descriptor limit gets -errno, and is asked again at its next wait (fd.c then waits by polling:
 * the program sees no error a native call would not give). */
int gp_hub_epfd(struct gp_hub *h)
{
	if (h->epfd < 0) {
		int ep = hub_epoll(h);
		if (ep < 0)
			return ep;
		h->epfd = ep;
	}
	return h->epfd;
}

static void hub_close_fds(struct gp_hub *h)
{
	if (h->epfd >= 0) {
		gp_fd_forget(h->epfd);
		gp_sys_close(h->epfd);
		h->epfd = -1;
	}
	if (h->evfd >= 0) {
		gp_fd_forget(h->evfd);
		gp_sys_close(h->evfd);
		h->evfd = -1;
	}
}

/* A native thread that ends takes its hub with it (its fd and memory), unless green threads it
 * spawned are still alive there: those can no longer run, and are left as they are (out of the
 * list of hubs all the same: nobody watches or counts them any more). */
static void hub_destroy(void *arg)
{
	struct gp_hub *h = arg;
	gp_cur_hub = NULL;
	if (!h->internal)
		hubs_unlink(h);
	gp_overflow_hub_gone(h);
	if (h->nthreads > 1 || h->cur != &h->main)
		return;
	gp_sched_hub_gone(h);
	hub_close_fds(h);
	if (!h->internal)
		__atomic_sub_fetch(&hubs_alive, 1, __ATOMIC_RELAXED);
	free(h->heap);
	free(h->main.keys);
	free(h->main.keyseq);
	free(h);
}

extern int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso);
extern void *__dso_handle;

GP_TLS int gp_internal_thread;

/* The hub of one of greenpatch's own threads (the watchdog: libunwind takes mutexes) is not one
 * of the program's: not listed, not counted, not alive for the deadlock check or the last-thread
 * exit, and every call it makes is real. */
static struct gp_hub *hub_create(void)
{
	struct gp_hub *h = calloc(1, sizeof(*h));
	if (!h)
		gp_panic("out of memory creating a hub");
	h->internal = h->in_diag = gp_internal_thread;
	h->epfd = h->evfd = -1;
	h->os_thread = gp_config.os_thread ? gp_config.os_thread() : 0;
	h->cur = &h->main;
	prctl(PR_GET_NAME, h->main.name); /* the OS thread's name; green threads inherit it as
					    * Linux threads inherit their creator's */
	gp_sys_sigmask(SIG_BLOCK, NULL, &h->main.sigmask);
	gp_gt_init(&h->main, h);
	gp_cur_hub = h;
	h->tid = gp_tid();
	h->initial = h->tid == GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (!h->initial)
		__cxa_thread_atexit_impl(hub_destroy, h, &__dso_handle);
	if (!h->internal) {
		__atomic_add_fetch(&hubs_alive, 1, __ATOMIC_RELAXED);
		hubs_link(h);
	}
	gp_fiber_init();
	return h;
}

struct gp_hub *gp_hub_create(void)
{
	return hub_create();
}

/* The child of fork keeps only the calling green thread, on a fresh epoll set. The other threads'
 * stacks stay mapped (the child may still hold pointers into them) but never run again. */
void gp_hub_atfork_child(void)
{
	gp_tid_atfork_child();
	gp_sync_atfork_child();
	gp_tpool_atfork_child();
	gp_monitor_atfork_child();
	struct gp_hub *h = gp_cur_hub;
	gp_hubs.lock = 0; /* another thread may have held it: it is not in this process */
	gp_hubs.head = h;
	gp_stats_atfork_child(h);
	if (!h)
		return;
	h->hubs_next = h->hubs_prev = NULL;
	h->tid = gp_tid();
	h->mon_told = 0;
	h->mon_since = 0;
	h->diag_ready = 0; /* the watchdog is started again with the next green thread */
	gp_sched_atfork_child(h);
	gp_fd_atfork_child();
	hub_close_fds(h);
	hubs_alive = 1;
	h->initial = 1; /* the child's only thread: its process's main thread now */
	h->epoch++;
	h->rq_head = h->rq_tail = NULL;
	h->inbox = NULL;
	h->sleeping = 0;
	h->nheap = 0;
	h->nthreads = 1;
	h->fd_waits = 0;
	h->sig_pending = 0;
	if (h->sigwaited) { /* threads that waited for signals are gone */
		h->sigwaited = 0;
		memset(h->sigwait_refs, 0, sizeof(h->sigwait_refs));
		gp_sys_sigmask(SIG_SETMASK, &h->cur->sigmask, NULL);
	}
	h->cur->state = GP_RUNNING;
	h->cur->timer.idx = SIZE_MAX;
}

/* Runs on the hub's own OS thread only. FIFO: the stack is reversed first. */
void gp_hub_drain(struct gp_hub *h)
{
	struct gp_waiter *w = __atomic_exchange_n(&h->inbox, NULL, __ATOMIC_ACQUIRE), *fifo = NULL;
	while (w) {
		struct gp_waiter *next = w->inbox_next;
		w->inbox_next = fifo;
		fifo = w;
		w = next;
	}
	for (w = fifo; w; w = fifo) {
		fifo = w->inbox_next; /* read before the thread may run and its waiter go */
		gp_inbox_deliver(w);
	}
}

void gp_hub_kick(struct gp_hub *h)
{
	int how = __atomic_exchange_n(&h->sleeping, 0, __ATOMIC_SEQ_CST);
	if (how == 1) {
		GP_SC(SYS_futex, &h->sleeping, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	} else if (how == 2) {
		uint64_t one = 1;
		gp_sys_write(h->evfd, &one, sizeof(one));
	}
}

/* The hub is about to block: say so (1: futex, 2: epoll) unless a wake-up is already in. */
static int sleep_begin(struct gp_hub *h, int how)
{
	__atomic_store_n(&h->sleeping, how, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->inbox, __ATOMIC_SEQ_CST) == NULL)
		return 1;
	__atomic_store_n(&h->sleeping, 0, __ATOMIC_RELAXED);
	return 0;
}

/* Readiness of one registered fd: wake who waits for that direction (see gp_fd_wake). Hang-up and
 * error wake both sides: their next call reports what happened. */
static void hub_event(struct gp_hub *h, uint64_t data, uint32_t ev)
{
	if (data == EV_KICK) {
		uint64_t v;
		GP_SC(SYS_read, h->evfd, &v, sizeof(v), 0, 0, 0);
		return; /* the inbox is drained after the wait */
	}
	int fd = (int)(uint32_t)data;
	struct gp_fd *f = gp_fd_slot(fd);
	if (!f || f->gen != (uint32_t)(data >> 32) || f->reg_hub != h)
		return; /* closed or reused since registration */
	f->urgent |= !!(ev & EPOLLPRI);
	f->rdhup |= !!(ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
	if (ev & (EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		f->rd_empty = 0;
		gp_fd_wake(f, GP_RD);
	}
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		gp_fd_wake(f, GP_WR);
}

/* While the hub sleeps, a signal any of its threads accepts must get in (a handler that ends a
 * wait, SIGINT for a program that blocked it in its workers but not in main): the wait runs with
 * the signals every thread blocks blocked, nothing more. Usually all masks are equal and the
 * sleeping thread's own is the one. */
static const uint64_t *sleep_mask(struct gp_hub *h, uint64_t *buf)
{
	if (!h->masks_differ && !h->sigwaited)
		return NULL;
	uint64_t m = h->cur->sigmask;
	int differ = 0;
	for (const struct gp_gt *t = h->all; t; t = t->all_next) {
		differ |= t->sigmask != m;
		m &= t->sigmask;
	}
	h->masks_differ = differ;
	*buf = m | h->sigwaited;
	return *buf != (h->cur->sigmask | h->sigwaited) ? buf : NULL;
}

static int no_pwait2; /* the kernel said ENOSYS to epoll_pwait2: ms timeouts from then on */

/* One wait of the hub: in epoll, or, with nothing watched yet, on its own futex word (only
 * timers, kicks and signals can end that). */
static long hub_wait(struct gp_hub *h, struct epoll_event *ev, struct timespec *tsp)
{
	static const struct timespec zero = { 0, 0 };
	int blocks = !tsp || tsp->tv_sec || tsp->tv_nsec;
	if (blocks && gp_tpool_spin(&h->inbox))
		blocks = 0, tsp = (struct timespec *)&zero; /* a job's completion came in meanwhile */
	if (blocks && !sleep_begin(h, h->epfd < 0 ? 1 : 2)) {
		tsp = (struct timespec *)&zero;
		blocks = 0;
	}
	uint64_t buf;
	const uint64_t *mask = blocks ? sleep_mask(h, &buf) : NULL;
	long n;
	if (h->epfd < 0) {
		if (mask)
			gp_sys_sigmask(SIG_SETMASK, mask, NULL);
		n = !blocks ? 0 : GP_SC(SYS_futex, &h->sleeping, FUTEX_WAIT_PRIVATE, 1, tsp, 0, 0);
		if (mask) {
			uint64_t k = h->cur->sigmask | h->sigwaited;
			gp_sys_sigmask(SIG_SETMASK, &k, NULL);
		}
	} else if (__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED) ||
		   (n = gp_sys_epoll_pwait2(h->epfd, ev, GP_EVENTS, tsp, mask)) == -ENOSYS) {
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED); /* asked once (kernels before 5.11, Valgrind) */
		int ms = !tsp ? -1 : (int)((gp_ts_ns(tsp) + 999999) / 1000000);
		n = gp_sys_epoll_pwait(h->epfd, ev, GP_EVENTS, ms, mask);
	}
	if (blocks)
		__atomic_store_n(&h->sleeping, 0, __ATOMIC_RELAXED); /* a kick may have cleared it */
	if (h->epfd < 0 && (n == -ETIMEDOUT || n == -EAGAIN))
		n = 0;
	return n;
}

/* What preload/ asked to be done now and then (GREENPATCH_TPOOL_WRAP's look for new objects). */
static void housekeeping(struct gp_hub *h)
{
	static uint64_t last;
	if (!gp_config.housekeeping)
		return;
	uint64_t now = gp_now();
	if (now - __atomic_load_n(&last, __ATOMIC_RELAXED) < 100000000ull)
		return;
	__atomic_store_n(&last, now, __ATOMIC_RELAXED);
	gp_config.housekeeping();
}

/* The hub iteration. 1: expire timers. 2: wait in epoll, without blocking when threads are
 * runnable (or `block` is 0), else until the next timer. 3: wake the waiters of every ready fd,
 * and end with EINTR the waits signal handlers cut short. 4: deliver the wake-ups other OS
 * threads sent. 5: expire timers again (the wait may have been for one). */
void gp_hub_poll(struct gp_hub *h, int block)
{
	struct epoll_event ev[GP_EVENTS];
	uint64_t now = h->nheap ? gp_now() : 0; /* no timers, no clock read */
	gp_timer_run(h, now);
	uint64_t next = gp_timer_next(h);
	struct timespec ts = { 0, 0 }, *tsp = &ts;
	if (h->rq_head || !block)
		;
	else if (next == GP_NEVER)
		tsp = NULL;
	else if (next > now)
		ts = (struct timespec){ (time_t)((next - now) / GP_NS), (long)((next - now) % GP_NS) };
	if (tsp != &ts || ts.tv_sec || ts.tv_nsec) {
		/* about to sleep: a good time for housekeeping; if some is left, only peek at I/O */
		if (gp_stack_trim(256))
			tsp = &ts, ts = (struct timespec){ 0, 0 };
		housekeeping(h);
	}
	if (gp_unlikely(gp_tpool_queued())) { /* jobs wait: look again within a millisecond */
		gp_tpool_tick(now ? now : gp_now());
		if (!tsp || ts.tv_sec || ts.tv_nsec > 1000000)
			tsp = &ts, ts = (struct timespec){ 0, 1000000 };
	}
	if (!tsp && !h->fd_waits)
		gp_deadlock_check(h); /* nothing watched, nothing timed: can anything end this wait? */
	h->polls++;
	long n = hub_wait(h, ev, tsp);
	if (n == -EBADF) { /* our set was closed behind our back (a raw close_range): start anew */
		h->epfd = -1;
		h->epoch++;
	}
	for (long i = 0; i < n; i++)
		hub_event(h, ev[i].data.u64, ev[i].events);
	if (__atomic_load_n(&h->sig_pending, __ATOMIC_RELAXED))
		gp_hub_signals(h); /* handlers ran: the waits they cut short end with EINTR */
	if (__atomic_load_n(&h->inbox, __ATOMIC_RELAXED))
		gp_hub_drain(h);
	if (next != GP_NEVER)
		gp_timer_run(h, gp_now());
}
