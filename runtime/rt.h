/* The runtime's internal contract: hubs, green threads, timers, the fd table and the waits built on
 * them. Nothing here knows about interposition: shims/ and include/greenpatch.h call these
 * functions, and the unit tests link them from the static archive without any preload.
 *
 * Conventions: functions that can fail return 0 or a positive result, or -errno (libuv style); the
 * shim at the boundary sets errno once. "Deadline" is an absolute CLOCK_MONOTONIC time in ns, with
 * GP_NEVER for none. Every call that parks acts on the calling OS thread's hub, created on first
 * use (eventlet: each OS thread is its own little world of green threads). */
#ifndef GP_RT_H
#define GP_RT_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#define GP_EXPORT __attribute__((visibility("default")))
#define GP_TLS __thread __attribute__((tls_model("initial-exec")))
/* Code that may run before a sanitizer's runtime has started (in a sanitizer build). */
#define GP_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#define gp_likely(x) __builtin_expect(!!(x), 1)
#define gp_unlikely(x) __builtin_expect(!!(x), 0)

/* Asserts stay on in release builds: a broken invariant in a scheduler is worth a crash report. */
#define gp_assert(c) \
	((c) ? (void)0 : gp_panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__))
void gp_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void gp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define GP_NEVER UINT64_MAX
#define GP_NS 1000000000ull

/* ---- clock ---- */
static inline uint64_t gp_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * GP_NS + (uint64_t)ts->tv_nsec;
}
static inline uint64_t gp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return gp_ts_ns(&ts);
}
/* Deadline `rel_ns` from now, saturating; rel_ns == GP_NEVER stays GP_NEVER. */
uint64_t gp_deadline_in(uint64_t rel_ns);
/* Deadline for an absolute time on `clock` (REALTIME, MONOTONIC, BOOTTIME, TAI): converted to the
 * monotonic clock once, at the call, as glibc's timed waits are specified only to that precision. */
uint64_t gp_deadline_at(clockid_t clock, const struct timespec *abs);

/* ---- locks ----
 * Sync objects may be shared by green threads of different hubs (OS threads): a native thread
 * (a tpool worker, a thread some library made behind our back) locking a mutex a green thread
 * holds. Each object's state is guarded by a word that holds the kernel tid of the OS thread in
 * its short critical section (never held across a park), so a signal handler that interrupts the
 * holder on the same OS thread can tell (gp_lock_mine) and defer instead of spinning for ever. */
extern GP_TLS int gp_tid_cache;
int gp_tid_slow(void);
static inline int gp_tid(void) /* the calling OS thread's kernel tid, cached */
{
	int t = gp_tid_cache;
	return gp_likely(t != 0) ? t : gp_tid_slow();
}
void gp_lock_slow(int *l, int me);
static inline void gp_lock(int *l)
{
	int me = gp_tid(), free_ = 0;
	if (gp_unlikely(!__atomic_compare_exchange_n(l, &free_, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		gp_lock_slow(l, me);
}
static inline int gp_trylock(int *l)
{
	int free_ = 0;
	return __atomic_compare_exchange_n(l, &free_, gp_tid(), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static inline void gp_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}
static inline int gp_lock_mine(const int *l)
{
	return __atomic_load_n(l, __ATOMIC_RELAXED) == gp_tid();
}

/* ---- wait queues ---- */
struct gp_gt;
struct gp_wq;
/* One green thread waiting in one queue. Lives on the waiter's stack while it is parked.
 * A queue is either hub-local (fd queues: only its own hub touches it; lock NULL) or guarded by
 * its object's lock word (sync objects: `lock` points at it). On a guarded queue the one who
 * unlinks a waiter under the lock owns its wake-up: a waker that pops it, or the waiter's own
 * timeout/cancellation (gp_cancel_wait), never both. */
struct gp_waiter {
	struct gp_waiter *next, *prev;
	struct gp_gt *gt;
	struct gp_wq *q; /* NULL once unlinked */
	int tag;         /* what the owner of the queue needs to know (e.g. poll index) */
	int baton;       /* an I/O call that retries when woken: see gp_fd_pass */
	int *lock;       /* the lock guarding q, or NULL for a hub-local queue */
	int status;      /* the wake-up status, while it travels through a hub's inbox */
	struct gp_waiter *inbox_next;
	const void *key; /* what it waits for, on a shared queue (futex address, once word) */
	int kind;        /* in an inbox: GP_MSG_WAKE, or GP_MSG_CANCEL (a pthread_cancel request) */
};
enum { GP_MSG_WAKE = 0, GP_MSG_CANCEL = 1 };
void gp_inbox_deliver(struct gp_waiter *w); /* on the hub's own OS thread */
/* FIFO of waiters. All zero is an empty queue (so it can live in zeroed user memory). */
struct gp_wq {
	struct gp_waiter *head, *tail;
};
void gp_wq_push(struct gp_wq *q, struct gp_waiter *w);
void gp_wq_push_first(struct gp_wq *q, struct gp_waiter *w);
void gp_wq_unlink(struct gp_waiter *w);
struct gp_waiter *gp_wq_pop(struct gp_wq *q);
/* Wake the first / every waiter of a hub-local q with `status` (see gp_park). Returns how many. */
int gp_wq_wake_one(struct gp_wq *q, int status);
int gp_wq_wake_all(struct gp_wq *q, int status);

/* ---- timers ---- */
struct gp_timer {
	uint64_t when;
	size_t idx; /* position in the hub's heap, or SIZE_MAX when not armed */
	void (*fire)(struct gp_timer *);
};

struct gp_heap_slot {
	uint64_t when;
	struct gp_timer *t;
};

/* ---- green threads ---- */
enum gp_state { GP_RUNNING, GP_RUNNABLE, GP_WAITING, GP_DONE };

#define GP_GT_MAGIC 0x67726e7468726561ull /* "grnthrea" */

struct gp_stack {
	void *map;    /* whole mapping, guard included; NULL for the OS thread's own stack */
	size_t size;  /* usable bytes */
	size_t guard; /* guard bytes below the usable part */
	int user;     /* stack given by the program (pthread_attr_setstack): never freed or pooled */
	unsigned vg_id; /* its id as a stack Valgrind knows (VALGRIND_STACK_REGISTER), or 0 */
};

struct gp_hub;
struct gp_mutex;
struct gp_gt {
	void *sp; /* saved stack pointer while suspended; first field: the switch stores here */
	struct gp_hub *hub;
	struct gp_gt *rq_next;
	enum gp_state state;
	int err;   /* errno of this green thread while it is switched out */
	int wake;  /* why the last park ended: 0, or -ETIMEDOUT, -EBADF, ... */
	int detached;
	int intr;  /* how a signal handler ends the current wait: GP_INTR_* (see signal.c) */
	uint64_t magic;
	void *(*fn)(void *);
	void *arg;
	void *ret;
	int lock;             /* guards state DONE, joinq, detached against joiners of other hubs */
	int joined;           /* a join has claimed this thread */
	struct gp_wq joinq;   /* the thread parked in join on this one */
	struct gp_gt *joining; /* the thread this one is parked joining */
	struct gp_timer timer;
	struct gp_waiter *waits; /* waiters queued for the current park */
	int nwaits;
	void **keys;  /* pthread_key values, grown on demand; keyseq: the key's generation */
	unsigned *keyseq;
	unsigned nkeys;
	unsigned long id;
	char name[16];        /* pthread_setname_np */
	/* cancellation (cancel.c) */
	uint8_t cancel_pending, cancel_off, cancel_async, cancel_point, exiting;
	uint8_t killed;       /* greenpatch_kill: ends it at its next switch, whatever its cancel state */
	uint8_t in_tpool;     /* parked for a tpool job: nothing may end that wait early */
	uint8_t timeout_due;  /* a greenpatch_timeout fired: the current or next wait ends with -ETIME */
	uint8_t not_started;  /* greenpatch_spawn_after: its function has not begun (cancel prevents it) */
	int exit_err;         /* why it ended, for greenpatch_wait: 0, ECANCELED (killed), a raised error */
	struct gp_timeout *timeouts; /* armed greenpatch timeouts, innermost first */
	int off_cpu;          /* ended, and its hub has switched away from its stack */
	void *cleanup;        /* innermost __pthread_unwind_buf_t registered by pthread_cleanup_push */
	_Alignas(16) unsigned char unwind_exc[32]; /* the _Unwind_Exception of its exit unwind */
	/* robust mutexes held, released as "owner died" when the thread ends */
	struct gp_mutex **robust;
	unsigned nrobust, caprobust;
	/* what the current park waits for, for the deadlock report and the dump */
	const char *wait_what;
	const void *wait_obj;
	int wait_fd;          /* the descriptor of a "descriptor (read/write)" wait */
	size_t stack_asked;   /* pthread_attr_setstacksize's size for it, 0: the default (overflow line) */
	uint8_t overflow_told; /* the overflow line was printed for it */
	void *asan_fake;      /* AddressSanitizer's fake stack while it is switched out (fiber.c) */
	uint64_t sigmask;     /* its signal mask (the kernel's 64 signals), set on the OS thread while it runs */
	uint64_t sig_held;    /* pthread_kill'ed while it blocked them: sent when it unblocks them */
	uint64_t sigfd_wait;  /* the signals of the signalfds it reads or polls now: not held */
	unsigned busy_calls;  /* calls that could have waited and did not, since it last let others run */
	int pp_ceiling;       /* highest PRIO_PROTECT ceiling it has been raised to (see shims/mutex.c) */
	struct gp_gt *all_next, *all_prev; /* every thread of the hub */
	struct gp_stack stack;
};

struct gp_spawn_attr {
	size_t stack_size; /* 0: the default (gp_config.stack_size) */
	size_t guard_size; /* SIZE_MAX: one page */
	void *stack_addr;  /* program-provided stack (lowest address) or NULL */
	int detached;
	int has_sigmask;   /* sigmask given (pthread_attr_setsigmask_np), else the creator's */
	uint64_t sigmask;
};

/* Create a green thread on the current hub, runnable (not started yet: the caller keeps running,
 * as pthread_create's caller does). -EAGAIN when no stack can be had. */
int gp_spawn(struct gp_gt **out, const struct gp_spawn_attr *attr, void *(*fn)(void *), void *arg);
/* End the calling green thread with `ret` (runs key destructors). The last green thread of the
 * process ending ends the process with status 0, like the last pthread_exit. */
void gp_exit(void *ret) __attribute__((noreturn));
/* Wait for t to end, until the deadline (0: only if it has ended). 0, -EDEADLK (self), -EINVAL
 * (detached or already joined), -ESRCH (not a green thread), -EBUSY (deadline 0, running),
 * -ETIMEDOUT, -ECANCELED (a cancellation point). Frees t. */
int gp_join(struct gp_gt *t, void **ret, uint64_t deadline);
/* The same, with t's exit_err (0, ECANCELED, a raised error) in *err when it was joined. */
int gp_join_ex(struct gp_gt *t, void **ret, uint64_t deadline, int *err);
int gp_detach(struct gp_gt *t);
static inline int gp_is_gt(const struct gp_gt *t) { return t && t->magic == GP_GT_MAGIC; }

/* ---- scheduling ---- */
/* Park the calling green thread until gp_ready(); returns the status given there. The caller has
 * set state GP_WAITING and queued its waiters (if something readied it meanwhile, e.g. a signal
 * handler, gp_park returns at once). With deadline != GP_NEVER, a timer ends the wait with
 * -ETIMEDOUT (through gp_cancel_wait). */
int gp_park(uint64_t deadline);
/* Make a waiting green thread of the calling OS thread's hub runnable with `status`: unlinks its
 * waiters (those on guarded queues must be off already), disarms its timer, appends it to the run
 * queue. No effect on a thread that is not waiting. */
void gp_ready(struct gp_gt *t, int status);
/* Wake the thread of waiter w, which the caller took off a guarded queue: directly when it is on
 * the calling OS thread's hub, else through its hub's inbox (and a kick if that hub sleeps).
 * `always_inbox` for callers that may run in a signal handler (sem_post). */
void gp_wake(struct gp_waiter *w, int status, int always_inbox);
/* End a thread's wait early with `status` (timeout, cancellation, EINTR), unless a waker already
 * took one of its waiters off a guarded queue: then that wake-up is on its way and wins. */
void gp_cancel_wait(struct gp_gt *t, int status);
/* What a wait is, as natively (signal(7)): whether it is a cancellation point, and whether a
 * signal handler that runs for the thread ends it with -EINTR: GP_INTR_ALWAYS (sleeps, poll and
 * its kind, pause, a socket call with a timeout), GP_INTR_RESTART (unless the handler was installed
 * with SA_RESTART: socket and pipe I/O, waitpid, sem_wait, futex waits), or never (mutexes,
 * condvars, join). */
enum { GP_INTR_NEVER = 0, GP_INTR_RESTART = 1, GP_INTR_ALWAYS = 2 };
#define GP_W_CANCEL 0x10 /* a cancellation point */
#define GP_W_INTR(level) (level) /* GP_INTR_* in the low bits */
/* Queue the calling thread on hub-local q (its waiter tagged `tag`) and park: gp_park's result. */
int gp_wait_on(struct gp_wq *q, int tag, uint64_t deadline);
/* The same on a queue guarded by *lock, which the caller holds: it is released once the waiter
 * is queued. `flags`: GP_W_*; `what`/`obj` say what it waits for (the deadlock report). */
int gp_wait_locked(struct gp_wq *q, int *lock, int tag, uint64_t deadline, int flags, const char *what,
		   const void *obj);
/* The same, queued first (a waiter that was woken, lost the race, and keeps its place). */
int gp_wait_locked_first(struct gp_wq *q, int *lock, int tag, uint64_t deadline, int flags, const char *what,
			 const void *obj);
/* Park as a wait of the given GP_W_* kind (the caller set state and queued its waiters). */
int gp_park_as(uint64_t deadline, int flags);
void gp_yield(void);
/* The caller made a call that could have waited but did not: now and then, let the others run. */
void gp_busy_call(void);
/* The calling thread's signal mask (sigprocmask semantics on the kernel's 64-bit set; SIGKILL,
 * SIGSTOP and glibc's two internal signals cannot be blocked): 0 or -EINVAL. */
int gp_sigmask(int how, const uint64_t *set, uint64_t *old);
/* Sleep until the deadline: 0, -ECANCELED, or -EINTR when a signal handler ran for this thread
 * (as a native sleep is cut short; the caller reports the time left). */
int gp_sleep_until(uint64_t deadline);
/* The same with the interruptibility of the wait it stands for (GP_INTR_*). */
int gp_sleep_as(uint64_t deadline, int intr);

/* ---- signals (signal.c) ---- */
/* A handler installed by the program ran on this OS thread (called from the handler, through
 * the preload's trampoline): `restart` as the handler's SA_RESTART; `to` the green thread it was
 * directed at (pthread_kill), or NULL for the thread the kernel would choose (main first). */
void gp_signal_note(int sig, int restart, struct gp_gt *to);
/* Wake, with -EINTR, the waits the noted signals interrupt (the hub, between picks). */
void gp_hub_signals(struct gp_hub *h);
/* t waited in the kernel itself (alone on its hub) and the wait said EINTR: should the program
 * see it (a handler for t without SA_RESTART, or an always-interrupted wait)? Consumes the notes. */
int gp_signal_ends_wait(struct gp_hub *h, struct gp_gt *t, int intr);
/* The green thread a signal's handler runs for, as the kernel would have chosen it: the one a
 * pthread_kill named (aimed), else for a signal sent to the OS thread the running one, else main
 * unless it blocks the signal, else the oldest that does not. */
struct gp_gt *gp_signal_receiver(struct gp_hub *h, int sig, int to_thread);
/* Inside a handler of the program's on this OS thread (called from the handler's own frames),
 * the thread it runs for; else NULL. Survives a siglongjmp out of the handler (it goes stale). */
struct gp_gt *gp_signal_handler_as(struct gp_hub *h, const char *frame);
/* pthread_kill of sig at t, which blocks it: it waits in t until t unblocks it, reads it from a
 * signalfd or waits for it. 0, or -1 when it must be sent now (t reads or polls a signalfd of it). */
int gp_signal_hold(struct gp_gt *t, int sig);
/* The calling thread reads or polls signalfd fd: the signals it holds that fd takes are sent now
 * (natively pending for it, the signalfd shows them), and while it waits new ones go straight
 * to the OS thread. gp_signalfd_done when the call ends. */
void gp_signalfd_claim(int fd);
void gp_signalfd_done(void);
/* Set t's signal mask for a wait (pselect, ppoll, sigsuspend...): returns the one to restore. */
uint64_t gp_sigmask_swap(uint64_t mask);
/* The calling thread waits for the signals of set (sigwait): they stay blocked on the OS thread
 * meanwhile, whatever the running thread's mask, so they stay pending for it (natively the
 * kernel gives a signal to the thread waiting for it). */
void gp_sigwait_begin(uint64_t set);
void gp_sigwait_end(uint64_t set);

/* ---- the hub ---- */
#define GP_EVENTS 256
struct gp_hub {
	struct gp_gt *cur;
	struct gp_gt *rq_head, *rq_tail;
	struct gp_gt *zombie; /* ended thread whose stack is released after the next switch */
	unsigned ticks;       /* run-queue picks since the last I/O poll */
	int epfd;             /* -1 until something is watched */
	int evfd;             /* eventfd in the epoll set, for kicks from other OS threads; or -1 */
	unsigned epoch;       /* bumped when the epoll set is replaced (fork): old registrations void */
	unsigned nthreads;    /* green threads alive on this hub, main included */
	unsigned fd_waits;    /* threads parked on descriptors (for the deadlock check) */
	struct gp_heap_slot *heap;
	size_t nheap, capheap;
	struct gp_waiter *inbox; /* wake-ups from other OS threads (and signal handlers), LIFO */
	int sleeping;         /* 1: in a futex wait on this word, 2: in epoll; 0: awake */
	int deadlock_told;    /* the deadlock report was printed */
	int masks_differ;     /* some thread's signal mask differs from the others' (see hub_wait) */
	uint64_t sig_pending;   /* handlers that ran (bits: sig - 1), not yet applied to the waits */
	uint64_t sig_norestart; /* of those, the ones installed without SA_RESTART */
	unsigned sig_count;     /* every noted signal: a wait started before it can tell */
	struct gp_gt *sig_to[65]; /* the green thread a pending signal was directed at, or NULL */
	uint64_t sigwaited;     /* signals some thread waits for in sigwait: blocked on the OS thread */
	struct gp_handler_as {  /* while a program's handler runs (the trampoline's frame) */
		struct gp_gt *gt;   /* the thread it runs for: what pthread_self says in it */
		struct gp_gt *cur;  /* the one running when it came */
		char *frame;        /* the trampoline's frame: deeper frames are the handler's */
		uint64_t mask;      /* the mask the handler runs with, as the program sees it */
	} handler;
	uint8_t sigwait_refs[64];
	struct gp_gt *all;    /* every green thread of the hub (all_next/all_prev), newest first */
	struct gp_gt main;    /* the OS thread's own context, made a green thread */
	unsigned long os_thread; /* the OS thread's real pthread_t (gp_config.os_thread), or 0 */
	int initial;          /* the process's initial thread (main's hub) */
	int tid;              /* the OS thread's kernel tid */
	struct gp_hub *hubs_next, *hubs_prev; /* gp_hubs: every hub alive */
	int in_diag;          /* printing a report: calls it makes go real (gp_alone), nothing parks */
	int internal;         /* the hub of one of greenpatch's own threads (see gp_internal_thread) */
	int dump_pending;     /* GREENPATCH_DUMP_SIGNAL came: the dump is printed between picks */
	int diag_ready;       /* gp_diag_spawn ran on this hub (the alternate signal stack) */
	void *altstack;       /* the alternate signal stack greenpatch gave the OS thread, or NULL */
	size_t altstack_size; /* its mapping, guard page included */
	struct gp_gt *fiber_from;     /* AddressSanitizer (fiber.c): the thread switched away from */
	const void *main_stack_lo;    /* and the bounds of the OS thread's own stack, once known */
	size_t main_stack_size;
	/* the watchdog's view (monitor.c), touched only by it, under gp_hubs.lock */
	uint64_t mon_seen, mon_since;
	int mon_told;
	unsigned long mon_id; /* the thread it reported */
	char mon_name[16];
	/* counters (GREENPATCH_STATS; switches and polls are also the watchdog's sign of life): only
	 * the hub's own OS thread writes them, no atomics */
	uint64_t switches, polls;
	uint64_t spawned, real_alone, real_nonblock, tpool_jobs, tpool_inline;
};

/* Every hub alive, for the watchdog, the stats and the gdb script (tools/greenpatch-gdb.py):
 * linked at creation, unlinked when its OS thread ends, under `lock`. */
struct gp_hubs {
	int lock;
	struct gp_hub *head;
};
extern struct gp_hubs gp_hubs;

/* Bit 31 of a hub's sig_pending is signal 32's, glibc's SIGCANCEL, for which no program handler is
 * ever noted: it asks the hub to print a report between picks (gp_hub_signals). */
#define GP_SIG_DIAG_BIT (1ull << 31)

extern GP_TLS struct gp_hub *gp_cur_hub;
/* Set by a thread of greenpatch's own (the watchdog) before anything else: a hub it gets is not
 * the program's (not listed in gp_hubs, not counted alive) and every call it makes goes real. */
extern GP_TLS int gp_internal_thread;
struct gp_hub *gp_hub_create(void);
static inline struct gp_hub *gp_hub(void)      /* current OS thread's hub, created on first use */
{
	struct gp_hub *h = gp_cur_hub;
	return gp_likely(h != NULL) ? h : gp_hub_create();
}
static inline struct gp_hub *gp_hub_peek(void) /* or NULL: no creation */
{
	return gp_cur_hub;
}
/* Nobody else could run while the running thread waits: it is the hub's only thread, nothing is
 * runnable and no greenpatch_timeout of its is armed (that timer lives in the hub's heap, so the
 * wait must be the hub's). While greenpatch prints a report on the hub's OS thread every caller is
 * alone: nothing may park inside the scheduler. A lone caller's wait may simply block in the
 * kernel, as natively; 1 says the caller will, and counts it as a call made real (not a report's).
 * The one test of it, for the shims (gp_alone) and the fd waits alike. */
static inline int gp_hub_alone(struct gp_hub *h)
{
	if (gp_likely((h->nthreads > 1 || h->rq_head || h->cur->timeouts) && !h->in_diag))
		return 0;
	h->real_alone += !h->in_diag;
	return 1;
}
static inline struct gp_gt *gp_self(void)      /* creates the hub (and its main green thread) */
{
	return gp_hub()->cur;
}
int gp_hub_epfd(struct gp_hub *h);            /* the hub's epoll fd, made on first need */
void gp_hub_poll(struct gp_hub *h, int block); /* the hub iteration: timers, then epoll */
void gp_hub_drain(struct gp_hub *h);          /* make the threads in the inbox runnable */
void gp_hub_kick(struct gp_hub *h);           /* wake h if it sleeps (from any OS thread) */
unsigned gp_hubs_alive(void);
void gp_hub_atfork_child(void);
void gp_timer_arm(struct gp_hub *h, struct gp_timer *t, uint64_t when);
void gp_timer_disarm(struct gp_hub *h, struct gp_timer *t);
uint64_t gp_timer_next(struct gp_hub *h); /* earliest deadline or GP_NEVER */
void gp_timer_run(struct gp_hub *h, uint64_t now);

/* ---- stacks ---- */
int gp_stack_get(struct gp_stack *s, size_t size, size_t guard);
/* A stack the program gave (pthread_attr_setstack), made known to Valgrind. */
void gp_stack_user(struct gp_stack *s, void *addr, size_t size);
void gp_stack_put(struct gp_stack *s);
/* The context switch (arch/switch-x86_64.S): saves the caller's registers on its stack, its stack
 * pointer in *save_sp, and continues where load_sp was saved. */
void gp_ctx_switch(void **save_sp, void *load_sp);
/* Unmap up to `most` pooled stacks beyond gp_config.pool_max; 1 if more remain. */
int gp_stack_trim(unsigned most);
void gp_ctx_init(struct gp_gt *t, void (*entry)(void *), void *arg);

/* ---- fd table ---- */
enum gp_fd_kind { GP_FD_UNKNOWN, GP_FD_SOCK, GP_FD_FIFO, GP_FD_CHR, GP_FD_REG, GP_FD_OTHER, GP_FD_INTERNAL };
enum { GP_RD = 0, GP_WR = 1 };

/* What the runtime knows of one descriptor. The kernel's O_NONBLOCK and the program's view of it
 * are kept apart: `user_nb` is what the program set (and sees in F_GETFL); `kern_nb` records that
 * the runtime itself set O_NONBLOCK on the open file (listening sockets), to be hidden.
 * user_nb, kern_nb and the timeouts belong to the open file (or the socket), not to the number:
 * descriptors made from one another by the dup family form a ring (`ring`), and a change made
 * through one of them is copied to all (gp_fd_file_changed). */
struct gp_fd {
	uint32_t gen;         /* bumped on every close/reuse: stale epoll events are recognised */
	uint8_t kind;
	uint8_t user_nb;
	uint8_t kern_nb;
	uint8_t stream;       /* SOCK_STREAM: sends loop until all is written */
	uint8_t created;      /* made by this process (socket, accept): not shared with a parent */
	uint8_t tcp;          /* TCP: a short read means the receive queue was empty (see io.c) */
	uint8_t rd_empty;     /* TCP receive queue drained and no EPOLLIN edge seen since */
	uint8_t urgent;       /* urgent data seen: short reads prove nothing, rd_empty unused */
	uint8_t rdhup;        /* the peer's FIN (or a hang-up) seen: no edge will follow, no hint */
	uint8_t no_nowait;    /* RWF_NOWAIT refused: pipes (1): poll before each call; files: 1 reads, 2 writes */
	uint8_t sync_io;      /* a file opened O_SYNC, O_DSYNC or O_DIRECT: every write waits for the disk */
	uint8_t unpollable;   /* epoll refused it: calls on it never wait, they are made as they are */
	uint8_t sock_err;     /* a socket error the kernel gave to a call that had already moved bytes:
			       * held for this descriptor's next call, as the kernel holds sk_err (io.c) */
	uint8_t sigfd;        /* a signalfd (see gp_signalfd_claim) */
	struct gp_hub *reg_hub; /* hub whose epoll set holds this fd, with reg_epoch */
	unsigned reg_epoch;
	int ring;             /* next descriptor of the same open file, plus one; 0: the only one */
	uint64_t rcvtimeo, sndtimeo; /* SO_RCVTIMEO/SO_SNDTIMEO in ns, 0 = none (see gp_timeo_ns) */
	struct gp_wq wq[2];   /* green threads waiting to read / write */
};

/* A socket timeout as the kernel takes it (sock_set_timeout): negative fails at once (kept as
 * 1 ns), zero waits for ever (0), anything too large for a deadline waits for ever too. */
static inline uint64_t gp_timeo_ns(long sec, long usec)
{
	if (sec < 0)
		return 1;
	if ((unsigned long)sec >= (UINT64_MAX / 1000000000ull) - 1)
		return 0;
	return (uint64_t)sec * 1000000000ull + (uint64_t)usec * 1000;
}

/* Entry for fd, classifying it on first sight (fstat); NULL if fd is out of range or not open. */
struct gp_fd *gp_fd_get(int fd);
/* Entry for fd without classification (NULL if out of range). */
struct gp_fd *gp_fd_slot(int fd);
/* A descriptor the program just created (socket, accept): fresh entry of the given kind. */
struct gp_fd *gp_fd_new(int fd, enum gp_fd_kind kind);
/* How many descriptors h's epoll set holds (a scan of the table: for the dump). */
unsigned gp_fd_watched_count(const struct gp_hub *h);
/* Is fd in the current hub's epoll set (so an arrival is sure to be reported)? */
int gp_fd_watched(struct gp_fd *f);
/* The program closes fd (or dup2 replaces it): waiters wake with -EBADF, epoll forgets it. */
void gp_fd_forget(int fd);
void gp_fd_atfork_child(void);
/* newfd now shares oldfd's open file (dup family). */
void gp_fd_dup(int oldfd, int newfd);
/* The open-file state of fd (user_nb, kern_nb, timeouts) changed: copy it to fd's dups. */
void gp_fd_file_changed(int fd);
/* Hide a runtime-owned descriptor: moved to a high number, close-on-exec, refused to the program. */
int gp_fd_internal(int fd);
/* The runtime's own descriptors, ascending, at most max of them; returns how many. */
int gp_fd_internal_list(int *out, int max);
/* The program closed every fd in [first, last] (close_range, closefrom): forget them, except the
 * runtime's own. */
void gp_fd_forget_range(unsigned first, unsigned last);
/* Park until fd is ready in direction dir, the deadline passes (-ETIMEDOUT), fd is closed
 * (-EBADF), a cancellation (-ECANCELED) or a signal handler (-EINTR, as `intr`: GP_INTR_*) ends
 * it. A spurious return (0 without readiness) is allowed: callers retry their call. */
int gp_fd_wait(int fd, struct gp_fd *f, int dir, uint64_t deadline, int intr);
/* Readiness wakes every poll-style waiter of a direction but only the first I/O waiter: N threads
 * in accept() on one socket are not all woken per connection. An I/O call that then succeeds
 * passes the baton: if more I/O waiters are queued, the next is woken (there may be more to read
 * or accept); one that finds EAGAIN simply parks again. */
void gp_fd_wake(struct gp_fd *f, int dir);
static inline void gp_fd_pass(struct gp_fd *f, int dir)
{
	if (gp_unlikely(f->wq[dir].head != NULL))
		gp_fd_wake(f, dir);
}
/* Kernel O_NONBLOCK on or off; returns 0 or -errno. */
int gp_fd_set_kernel_nb(int fd, int on);
/* Before an exec: the O_NONBLOCK the runtime set (kern_nb) comes off every descriptor the new
 * program would inherit (not close-on-exec; with `all`, every one: posix_spawn's file actions may
 * dup a close-on-exec descriptor into the child), so it sees the blocking mode it set. It stays
 * off in the open file the child now shares (accept sets it again: see io.c); if the exec fails,
 * gp_fd_exec_failed puts it back. */
void gp_fd_exec_prepare(int all);
void gp_fd_exec_failed(void);

/* ---- I/O: the one EAGAIN -> park -> retry loop ---- */
/* RECV/SEND use buf/len, the others msg (READV/WRITEV: only msg_iov/msg_iovlen, for pipes). */
enum gp_io_op { GP_IO_RECV, GP_IO_RECVMSG, GP_IO_SEND, GP_IO_SENDMSG, GP_IO_ACCEPT, GP_IO_READV, GP_IO_WRITEV };
struct gp_io {
	void *buf;
	size_t len;
	int flags;
	struct sockaddr *addr;     /* recvfrom/accept source; sendto destination */
	socklen_t *addrlen;        /* recvfrom/accept */
	socklen_t dlen;            /* sendto destination length */
	struct msghdr *msg;        /* recvmsg/sendmsg */
};
/* Run op on a socket (or, READV/WRITEV, a pipe or FIFO) the program sees as blocking, parking while it would block. Honours
 * SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN on expiry, as natively); stream sends and MSG_WAITALL receives
 * complete in full as blocking calls do, returning the partial count if an error or timeout cuts
 * them short. Returns the syscall's result or -errno. */
long gp_io(int fd, struct gp_fd *f, enum gp_io_op op, struct gp_io *a);
/* accept4 on a socket the program sees as blocking (a->flags are accept4's flags). */
long gp_io_accept(int fd, struct gp_fd *f, struct gp_io *a);
/* Blocking connect on a socket the program sees as blocking. */
long gp_io_connect(int fd, struct gp_fd *f, const struct sockaddr *addr, socklen_t len);
/* Wait until process pid (a child) has changed state, without blocking the hub: a pidfd in the
 * hub's set where the kernel has them. 0 when it may have (the caller asks with WNOHANG), or
 * -errno (-ENOSYS, -ESRCH: the caller falls back to polling). */
int gp_wait_pid(pid_t pid);
/* Wait for any of the pollfds (poll semantics; the caller re-polls): 0 when something may be ready,
 * -ETIMEDOUT, -ECANCELED, -EINTR (a handler ran for the thread: poll's kind always ends). */
int gp_poll_wait(struct pollfd *p, unsigned long n, uint64_t deadline);

/* ---- synchronisation ----
 * Green state lives inside the program's own objects (overlays of glibc's types, so the static
 * initializers, all zero, work). Parties may be green threads of any hub or native threads (each
 * its own hub): every object has a lock word (see "locks") and hands over through gp_wake. */
struct gp_mutex {        /* overlays pthread_mutex_t: 40 bytes, __kind kept at offset 16 */
	int lock;
	unsigned count;        /* recursion depth beyond the first lock */
	struct gp_gt *owner;
	int kind;              /* glibc __kind: type (low 2 bits) | 16 robust | 32 PI | 64 PP | ceiling << 19 */
	int state;             /* robust: GP_MUTEX_DEAD, GP_MUTEX_NOTREC */
	struct gp_wq wq;
};
#define GP_MUTEX_ROBUST 16
#define GP_MUTEX_PI 32
#define GP_MUTEX_PSHARED 128 /* glibc PTHREAD_MUTEX_PSHARED_BIT: a real, process-shared mutex */
#define GP_MUTEX_CEIL_SHIFT 19
enum { GP_MUTEX_DEAD = 1, GP_MUTEX_NOTREC = 2 };
struct gp_cond {         /* overlays pthread_cond_t: 48 bytes, all zero = static initializer */
	struct gp_wq wq;
	int clock;             /* clock of timed waits, stored as clockid + 1 (0 = REALTIME) */
	int lock;
	int pad[6];            /* pad[3] is glibc's __wrefs: bit 1 marks a real, process-shared one */
};
_Static_assert(sizeof(struct gp_mutex) == 40, "gp_mutex must overlay pthread_mutex_t");
_Static_assert(sizeof(struct gp_cond) == 48, "gp_cond must overlay pthread_cond_t");

/* 0 (owned), -EOWNERDEAD (owned, the last owner died: make it consistent), -ENOTRECOVERABLE,
 * -EDEADLK, -ETIMEDOUT, -EAGAIN (recursion count), -ECANCELED never (not a cancellation point) */
int gp_mutex_lock(struct gp_mutex *m, uint64_t deadline);
int gp_mutex_trylock(struct gp_mutex *m);     /* 0, -EBUSY, -EAGAIN, -EOWNERDEAD, -ENOTRECOVERABLE */
int gp_mutex_unlock(struct gp_mutex *m);      /* 0, -EPERM */
int gp_mutex_consistent(struct gp_mutex *m);  /* 0, -EINVAL */
/* The thread ends: its robust mutexes pass to their next owner as "owner died". */
void gp_mutex_owner_gone(struct gp_gt *t);
/* 0, -ETIMEDOUT, -EPERM, -ECANCELED (the mutex is held again in every case but -EPERM) */
int gp_cond_wait(struct gp_cond *c, struct gp_mutex *m, uint64_t deadline);
void gp_cond_signal(struct gp_cond *c);
void gp_cond_broadcast(struct gp_cond *c);
/* pthread_once; an init that ends by unwinding (cancellation, a C++ exception) leaves the once
 * not done, and one of the waiters runs it. */
int gp_once(int *once, void (*init)(void));

/* Semaphores: overlays sem_t (32 bytes); `green` marks one made by gp_sem_init (a sem_t made by
 * the real sem_init, process-shared or from sem_open, never carries it). sem_post is
 * async-signal-safe: a post from a handler that interrupted the lock holder is counted in
 * `pending` and done by the holder when it unlocks. */
#define GP_SEM_GREEN 0x67736d31u
struct gp_sem {
	unsigned value;
	unsigned green;
	struct gp_wq wq;
	int lock;
	unsigned pending;
};
_Static_assert(sizeof(struct gp_sem) == 32, "gp_sem must overlay sem_t");
void gp_sem_init(struct gp_sem *s, unsigned value);
int gp_sem_wait(struct gp_sem *s, uint64_t deadline); /* 0, -ETIMEDOUT, -ECANCELED */
int gp_sem_trywait(struct gp_sem *s);                 /* 0, -EAGAIN */
int gp_sem_post(struct gp_sem *s);                    /* 0, -EOVERFLOW */

/* Read-write locks: overlays pthread_rwlock_t (56 bytes) leaving glibc's __shared (offset 28) and
 * __flags (offset 48, the preference) in place, so static initializers and attributes work. One
 * FIFO of waiters, readers and writers alike (waiter tag: 1 writer, 0 reader). */
struct gp_rwlock {
	int readers;           /* 0 */
	int lock;              /* 4 */
	struct gp_gt *writer;  /* 8 */
	int writers_waiting;   /* 16 */
	int pad1[3];           /* 20..31: glibc's __shared at 28 stays as it was */
	struct gp_wq wq;       /* 32 */
	unsigned flags;        /* 48: PTHREAD_RWLOCK_PREFER_* */
	int pad2;
};
_Static_assert(sizeof(struct gp_rwlock) == 56, "gp_rwlock must overlay pthread_rwlock_t");
int gp_rwlock_rdlock(struct gp_rwlock *l, uint64_t deadline); /* 0, -EDEADLK, -ETIMEDOUT */
int gp_rwlock_wrlock(struct gp_rwlock *l, uint64_t deadline); /* 0, -EDEADLK, -ETIMEDOUT */
int gp_rwlock_tryrdlock(struct gp_rwlock *l);                 /* 0, -EBUSY */
int gp_rwlock_trywrlock(struct gp_rwlock *l);                 /* 0, -EBUSY, -EDEADLK */
int gp_rwlock_unlock(struct gp_rwlock *l);                    /* 0, -EPERM (another's write lock) */

/* Barriers: overlays pthread_barrier_t (32 bytes), glibc's __shared (offset 12) left as it was. */
struct gp_barrier {
	unsigned count, arrived;
	int lock;
	unsigned shared_unused;
	struct gp_wq wq;
};
_Static_assert(sizeof(struct gp_barrier) == 32, "gp_barrier must overlay pthread_barrier_t");
int gp_barrier_wait(struct gp_barrier *b); /* 0, or PTHREAD_BARRIER_SERIAL_THREAD for one */

/* ---- futexes (syscall(SYS_futex) from green threads) ---- */
/* Wait while *addr == val (bits: FUTEX_BITSET match mask), until woken or the deadline: 0,
 * -EAGAIN (value differs), -ETIMEDOUT, -ECANCELED never. */
int gp_futex_wait(const uint32_t *addr, uint32_t val, uint32_t bits, uint64_t deadline);
/* Wake up to n green waiters on addr whose mask meets bits; returns how many. */
int gp_futex_wake(const uint32_t *addr, int n, uint32_t bits);

/* ---- cancellation and thread exit by unwinding (cancel.c) ---- */
/* Deferred cancellation: the waits that are cancellation points return -ECANCELED when the thread
 * has a cancel request; the shim then calls gp_cancel_act. */
int gp_cancel(struct gp_gt *t);           /* 0, -ESRCH */
/* greenpatch_kill: end t at once where it waits or switches (cancellation that nothing defers);
 * its exit_err is ECANCELED. t itself: does not return. 0, -ESRCH. */
int gp_kill(struct gp_gt *t);
/* The calling thread should act on a cancellation request now. */
static inline int gp_cancel_due(void)
{
	struct gp_hub *h = gp_cur_hub;
	struct gp_gt *t;
	return h && gp_unlikely((t = h->cur)->cancel_pending) && (!t->cancel_off || t->killed) && !t->exiting;
}
int gp_park_cp(uint64_t deadline);        /* gp_park at a cancellation point, GP_INTR_RESTART */
void gp_cancel_act(void) __attribute__((noreturn)); /* unwind (cleanup handlers) and exit */
/* pthread_exit: run cleanup handlers and C++ destructors of the thread's frames, then gp_exit. */
void gp_exit_unwind(void *ret) __attribute__((noreturn));
void gp_cleanup_push(void *buf);          /* __pthread_register_cancel */
void gp_cleanup_pop(void *buf);           /* __pthread_unregister_cancel */
void gp_cleanup_next(void *buf) __attribute__((noreturn)); /* __pthread_unwind_next */
void gp_cleanup_push_defer(void *buf);    /* __pthread_register_cancel_defer */
void gp_cleanup_pop_restore(void *buf);   /* __pthread_unregister_cancel_restore */

/* ---- timeouts around any green wait (timeout.c, the API's greenpatch_timeout) ---- */
struct gp_timeout {
	struct gp_timer timer;
	struct gp_gt *gt;
	struct gp_timeout *next; /* the thread's list, innermost first */
	int fired;
	int silent;              /* the API's GREENPATCH_TIMEOUT_BLOCK: jump back instead of an error */
	void *jump;              /* where it jumps: a sigjmp_buf in the caller's frame */
};
/* Arm t for the calling thread: when the deadline passes, its current (or next) green wait ends
 * with -ETIME, an error no call makes by itself. */
void gp_timeout_start(struct gp_timeout *t, uint64_t deadline);
/* Disarm t (in any order among nested ones): 1 if it had fired, else 0. */
int gp_timeout_cancel(struct gp_timeout *t);
/* At a wait's -ETIME, on the way out to the program: a silent timeout that fired jumps back
 * (GREENPATCH_TIMEOUT_BLOCK); otherwise the error goes on. */
void gp_timeout_act(void);
/* The thread ends: its timeouts are disarmed. */
void gp_timeout_drop_all(struct gp_gt *t);

/* ---- the tpool (tpool.c): native workers for calls that cannot be green ---- */
struct gp_job {
	long (*fn)(struct gp_job *); /* runs on a worker with the real, blocking call */
	long nr;                     /* for gp_tpool_syscall: the system call */
	long a[8];                   /* its arguments, as the job's fn reads them */
	long result;
	struct gp_waiter w;          /* the green thread parked for it */
	struct gp_job *next;
	uint64_t queued_at;
	int carry;                   /* GP_JOB_*: what of the worker's state comes back to the caller */
	int err, h_err;              /* errno, h_errno after fn */
	/* a job its caller may give up on (gp_tpool_run_intr): called once after fn, by the caller
	 * or, when the caller gave up, by the worker (abandoned 1: undo what fn did) */
	void (*finish)(struct gp_job *, int abandoned);
	struct gp_wq waiting;        /* holds w until the job is done or given up (under the queue's lock) */
};
#define GP_JOB_ERRNO 1
#define GP_JOB_H_ERRNO 2
#define GP_TPOOL_MAX 100000 /* GREENPATCH_THREADPOOL_SIZE at most */
/* Run j on a worker while the calling green thread parks; returns j->fn's result. Not a
 * cancellation point and not interrupted by signals while the job runs. Without a pool (size 0,
 * or no worker could be started) the job runs in the caller. */
long gp_tpool_run(struct gp_job *j);
unsigned gp_tpool_workers(void);
unsigned gp_tpool_pending(void);
unsigned gp_tpool_queue_len(void);  /* jobs waiting for a worker */
int gp_tpool_queued(void);          /* jobs wait for a worker: the hub ticks at least every ms */
void gp_tpool_tick(uint64_t now);   /* maybe one more worker */
int gp_tpool_spin(const void *inbox_word); /* 1 if a completion came while looking briefly */
int gp_tpool_in_worker(void);       /* the calling OS thread is a tpool worker */
int gp_tpool_set_size(unsigned n);  /* eventlet's set_num_threads: 0, -EINVAL */
void gp_tpool_killall(void);        /* stop the workers (they restart on demand) */
/* The same for a job that waits for something outside the process (a file lock): the caller's
 * wait is one of the `flags` kind (GP_W_CANCEL, GP_INTR_*), ended by a handler, a cancellation
 * or a timeout as that wait would be. Then the caller gets -EINTR, -ECANCELED or -ETIME at once
 * and the worker finishes the job on its own, calling j->finish(j, 1) (which undoes it). j is
 * copied: the caller's copy is free when the call returns. */
long gp_tpool_run_intr(const struct gp_job *j, int flags);
/* A raw system call made on the tpool: its result or -errno. */
long gp_tpool_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* ---- regular files (disk.c) ---- */
/* readv/writev (off -1: at the file position) or preadv/pwritev of a regular file or block
 * device, greenly: the page cache first (RWF_NOWAIT), the tpool for the rest; completes in full
 * as the blocking call does. Result or -errno. */
long gp_disk_rw(int fd, struct gp_fd *f, int write, const struct iovec *iov, int cnt, long off);

/* ---- the deadlock report (deadlock.c) ---- */
/* Called by a hub about to wait with nothing that could wake it: reports once (and aborts with
 * GREENPATCH_DEADLOCK=abort) if every thread waits on a sync object and nothing else in the
 * process could end that. */
void gp_deadlock_check(struct gp_hub *h);

/* ---- backtraces (backtrace.c: libunwind, loaded on first use) ---- */
/* Write a backtrace of suspended green thread t (or the caller, t NULL) to fd, `indent` first.
 * Frames of greenpatch itself are left out. Not for signal handlers. */
void gp_backtrace(struct gp_gt *t, int fd, const char *indent);
/* The frames of a thread from its registers (a ucontext_t; only the general registers are read),
 * taken where a signal interrupted it (signal_frame: its rip is no return address), on this or
 * another OS thread of the process, whose stack does not move meanwhile: libunwind only (no
 * loader lock, no stdio). Returns how many, or -1 without libunwind. Then print them. */
#define GP_FRAMES 24
struct gp_frame {
	uintptr_t ip;
	unsigned long off;
	char name[128]; /* "" when libunwind has none */
};
int gp_backtrace_collect(const void *uc, int signal_frame, struct gp_frame *f, int max);
void gp_backtrace_print(const struct gp_frame *f, int n, int fd, const char *indent);
/* Load libunwind now (before a backtrace is needed where loading is unsafe): 1 if it is there. */
int gp_backtrace_ready(void);

/* ---- diagnostics (dump.c, monitor.c, overflow.c, stats.c, fiber.c; see README, Diagnostics) ---- */
#define GP_SIG_BACKTRACE 63       /* SIGRTMAX - 1: the watchdog asks a running thread for its registers */
#define GP_BLOCK_MS_MAX 3600000u  /* GREENPATCH_HUB_BLOCKING_DETECTION at most: an hour */
/* How the preload lends the runtime a signal (gp_config.sig_claim; shims/signal.c keeps the one
 * table of what the kernel has for each signal and of what the program set). The runtime's
 * function sees the signal on the OS thread that received it, as a handler (async-signal-safe
 * only), and returns 1 when the signal was the runtime's, 0 to pass it on to what the program set
 * (its handler, or the default action: SIG_DFL is put back and the signal raised again). */
enum gp_sig_mode {
	GP_SIG_CHAIN,  /* the function first on every delivery, then the program's (SIGSEGV) */
	GP_SIG_SHARED, /* the same; the runtime sends it only while the program set nothing for it */
	GP_SIG_YIELD,  /* the function only while the program set nothing: its own setting wins */
};
/* Something greenpatch prints (a dump, a report) runs on the hub's OS thread: mark it so that
 * the calls it makes (libunwind reads files) go real instead of parking inside the scheduler. */
static inline void gp_diag_enter(struct gp_hub *h) { h->in_diag++; }
static inline void gp_diag_leave(struct gp_hub *h) { h->in_diag--; }
/* The first green thread spawned on hub h: the alternate signal stack and the SIGSEGV claim for
 * the stack overflow line, the watchdog (GREENPATCH_HUB_BLOCKING_DETECTION). */
void gp_diag_spawn(struct gp_hub *h);
/* One line for thread t: its id, name, state and what it waits for, "  thread N ..." (dump.c). */
void gp_describe(const struct gp_gt *t, int fd);
/* GREENPATCH_DUMP_SIGNAL's function (GP_SIG_YIELD): asks the receiving OS thread's hub for the
 * dump (a thread without a hub passes the signal to the main thread). */
int gp_dump_signal(int sig, siginfo_t *si, void *uc);
/* Print every green thread of h (state, backtrace) and the hub's figures to fd. On h's OS thread. */
void gp_dump(struct gp_hub *h, int fd);
/* A report asked of h by a signal (GP_SIG_DIAG_BIT): print it now. */
void gp_diag_run(struct gp_hub *h);
/* Start the watchdog thread of GREENPATCH_HUB_BLOCKING_DETECTION (once; again in a fork child). */
void gp_monitor_start(void);
unsigned gp_monitor_threads(void); /* OS threads the watchdog adds to the process: 0 or 1 */
void gp_monitor_atfork_child(void);
void gp_monitor_exit(void); /* at exit: the closing line of an episode that just ended */
/* The hub's OS thread ends: its alternate signal stack goes (overflow.c). */
void gp_overflow_hub_gone(struct gp_hub *h);
/* GREENPATCH_STATS: fold the counters of a hub whose OS thread ends into the totals (under
 * gp_hubs.lock); print the totals. */
void gp_stats_retire(const struct gp_hub *h);
void gp_stats_print(int fd);
void gp_stats_alive(unsigned long alive); /* green threads alive now: the peak */
void gp_stats_atfork_child(struct gp_hub *h);
/* printf to fd with a raw write (at most 512 bytes a call). */
void gp_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A small file (/proc) into buf, NUL-terminated, with raw system calls: its length or -errno. */
long gp_read_file(const char *path, char *buf, size_t size);

/* ---- AddressSanitizer's fibers (fiber.c): found at run time, so a normal build needs no ASan ---- */
struct gp_fiber_api {
	void (*start)(void **fake_stack_save, const void *bottom, size_t size);
	void (*finish)(void *fake_stack_save, const void **bottom_old, size_t *size_old);
	void (*unpoison)(const volatile void *addr, size_t size);
};
extern struct gp_fiber_api gp_fiber; /* start NULL: no sanitizer in the process */
void gp_fiber_init(void);
/* The switch from cur to next with ASan told (reschedule, when gp_fiber.start is set). */
void gp_fiber_switch(struct gp_hub *h, struct gp_gt *cur, struct gp_gt *next);
void gp_fiber_enter(struct gp_hub *h, struct gp_gt *cur); /* a new thread's first words */
void gp_fiber_new_stack(const struct gp_stack *s);

/* ---- thread-specific data ---- */
int gp_key_create(unsigned *key, void (*dtor)(void *));
int gp_key_delete(unsigned key);
void *gp_key_get(unsigned key);
int gp_key_set(unsigned key, const void *v);
void gp_key_run_dtors(struct gp_gt *t);

/* ---- configuration the runtime reads (set by preload/ or by a program using the API) ---- */
struct gp_config {
	size_t stack_size; /* default green stack, bytes */
	size_t pool_max;   /* stacks kept for reuse */
	int deadlock;      /* GREENPATCH_DEADLOCK: 0 off, 1 report (default), 2 report and abort */
	unsigned tpool_size; /* GREENPATCH_THREADPOOL_SIZE: tpool workers at most */
	void (*housekeeping)(void); /* called by hubs about to sleep, at most every 100 ms (preload/) */
	/* how the tpool makes its native threads: the real pthread_create (set by preload/) */
	int (*thread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	unsigned long (*os_thread)(void); /* the calling OS thread's real pthread_t, if known */
	unsigned block_ms;  /* GREENPATCH_HUB_BLOCKING_DETECTION: ms without a switch, 0 off */
	int dump_sig;       /* GREENPATCH_DUMP_SIGNAL: the signal, 0 off */
	int stats;          /* GREENPATCH_STATS: print the counters at exit */
	/* the preload's signal table (see gp_sig_mode): lend fn the signal; 0 or -errno. NULL without
	 * the preload: the runtime has no signal of its own. */
	int (*sig_claim)(int sig, int (*fn)(int, siginfo_t *, void *), enum gp_sig_mode mode, const char *what);
	/* the program set a disposition of its own for sig (so the runtime does not send it) */
	int (*sig_program_has)(int sig);
};
extern struct gp_config gp_config;

#endif
