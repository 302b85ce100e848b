/* greenpatch: eventlet's monkey_patch for C binaries, and eventlet's primary API in C.
 *
 * Most programs never include this header: they run unmodified under
 * LD_PRELOAD=libgreenpatch.so. A program that links the library (`pkg-config --cflags --libs
 * greenpatch`, or -lgreenpatch) gets the same greening of its ordinary blocking calls, and this
 * API on the same hubs: green threads, pools, piles, queues, timeouts, servers, the tpool.
 *
 * Conventions, everywhere:
 * - A function returns 0 (or a count, or 1/0 for a yes/no) on success and -1 with errno set on
 *   error; results come back through pointer arguments. The errors each function can set are
 *   listed with it.
 * - Green threads run functions of the pthread shape, void *fn(void *arg). C has no exceptions:
 *   a function "raises" with greenpatch_raise(err), which ends its green thread (running its
 *   cleanup handlers, as pthread_exit does) and hands err to whoever waits for it.
 * - Times are in seconds, as doubles (eventlet's). A negative timeout means "no timeout" where a
 *   timeout is optional; NaN is EINVAL.
 * - A call that waits fails with ETIME when a greenpatch_timeout of the caller's fires while it
 *   waits; it has then done nothing, and may be called again. A greenpatch_kill of the waiting
 *   thread ends the thread right there. (Listed below as "waits".)
 * - Every object belongs to the OS thread (the hub) that made it, as eventlet's do to their
 *   thread; use them from green threads of that OS thread. */
#ifndef GREENPATCH_H
#define GREENPATCH_H

#include <setjmp.h>
#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GREENPATCH_VERSION "0.1.0"

/* The version of the loaded library, e.g. "0.1.0". Never fails. */
const char *greenpatch_version(void);

/* The modules patched in this process, as a mask of GREENPATCH_MOD_* bits, decided from the
 * environment at start (see README, Options). Never fails. */
#define GREENPATCH_MOD_OS 0x01
#define GREENPATCH_MOD_SELECT 0x02
#define GREENPATCH_MOD_SOCKET 0x04
#define GREENPATCH_MOD_THREAD 0x08
#define GREENPATCH_MOD_TIME 0x10
unsigned greenpatch_patched(void);

/* ---- green threads (eventlet.spawn, spawn_n, spawn_after, sleep, kill) ---- */

/* A green thread's handle. It lives until greenpatch_wait or greenpatch_release has been called
 * for it (exactly one of them, once), like a pthread_t until join or detach. */
typedef struct greenpatch_thread greenpatch_thread;

/* Start fn(arg) in a new green thread of the calling OS thread; it runs when the caller next
 * waits or yields. *t gets the handle. EAGAIN: no stack could be had. */
int greenpatch_spawn(greenpatch_thread **t, void *(*fn)(void *), void *arg);

/* The same without a handle: cheaper, nothing to wait for or release. EAGAIN. */
int greenpatch_spawn_n(void *(*fn)(void *), void *arg);

/* Start fn(arg) after `seconds` (0: as greenpatch_spawn). Until it starts, greenpatch_cancel or
 * greenpatch_kill prevents it from starting at all. EAGAIN; EINVAL for a negative or NaN time. */
int greenpatch_spawn_after(greenpatch_thread **t, double seconds, void *(*fn)(void *), void *arg);

/* Wait for t to end and release it. *result (if given) gets fn's return value. Returns -1 with
 * errno = the error fn raised (greenpatch_raise), or ECANCELED when it was killed or cancelled
 * before it started; EDEADLK when t is the caller; EINVAL for a released or waited-for handle.
 * Waits. */
int greenpatch_wait(greenpatch_thread *t, void **result);

/* Nobody will wait for t: it is released when it ends. EINVAL: released or waited for already. */
int greenpatch_release(greenpatch_thread *t);

/* Prevent a spawn_after'ed thread from starting; one that has started is left alone (eventlet's
 * cancel). Returns 1 if it was prevented, 0 if it had started already. */
int greenpatch_cancel(greenpatch_thread *t);

/* End t: one not started yet never starts; one that waits ends there, one that is runnable ends
 * when it would run (its cleanup handlers run, as at a cancellation); its wait says ECANCELED.
 * A green thread may kill itself: the call does not return. Killing one that ended does nothing.
 * Returns 0. */
int greenpatch_kill(greenpatch_thread *t);

/* The calling green thread (NULL from a native thread that is alone on its hub). */
greenpatch_thread *greenpatch_current(void);

/* End the calling green thread with error err (non-zero) for its waiter. Does not return. */
void greenpatch_raise(int err) __attribute__((noreturn));

/* Let the other green threads run for `seconds`; 0 only yields (they all run once). A green
 * sleep: not ended by signals. EINVAL: negative or NaN. Waits. */
int greenpatch_sleep(double seconds);

/* ---- GreenPool: a bounded number of green threads (eventlet.GreenPool) ---- */

typedef struct greenpatch_pool greenpatch_pool;

/* A pool of at most `size` green threads running at once. EINVAL: size < 1. ENOMEM. */
int greenpatch_pool_new(greenpatch_pool **p, int size);
/* Spawn fn(arg) in the pool, waiting (greenly) while it is full; *t as greenpatch_spawn (t may be
 * NULL: nobody waits for it, as spawn_n). EAGAIN: no stack. Waits. */
int greenpatch_pool_spawn(greenpatch_pool *p, greenpatch_thread **t, void *(*fn)(void *), void *arg);
/* Wait until every green thread of the pool has ended. Returns 0. Waits. */
int greenpatch_pool_waitall(greenpatch_pool *p);
/* How many of its green threads run now, and how many more it would start without waiting. */
int greenpatch_pool_running(const greenpatch_pool *p);
int greenpatch_pool_free(const greenpatch_pool *p);
/* Change the size: a larger one lets waiting spawns through at once; a smaller one lets the
 * running threads end in their own time. EINVAL: size < 1. */
int greenpatch_pool_resize(greenpatch_pool *p, int size);
/* Free the pool once its threads have ended (it waits for them). Returns 0. Waits. */
int greenpatch_pool_destroy(greenpatch_pool *p);

/* imap: fn applied to each input, through the pool (at most its size at once), results handed
 * back in input order, however they complete. */
typedef struct greenpatch_imap greenpatch_imap;
/* Start mapping fn over inputs[0..n). ENOMEM. */
int greenpatch_pool_imap(greenpatch_pool *p, greenpatch_imap **it, void *(*fn)(void *), void *const *inputs,
			 size_t n);
/* The next result in input order: 1 with *result set, 0 when all were handed out, -1 with errno
 * = the error that input's call raised (the next call goes on with the next input), or ECANCELED
 * when it was killed. Waits. */
int greenpatch_imap_next(greenpatch_imap *it, void **result);
/* Free the map, first waiting for the calls still running. Returns 0. Waits. */
int greenpatch_imap_free(greenpatch_imap *it);

/* ---- GreenPile: spawn work, read results in spawn order (eventlet.GreenPile) ---- */

typedef struct greenpatch_pile greenpatch_pile;
/* A pile spawning through pool p, or through a pool of its own of `size` when p is NULL.
 * EINVAL: p NULL and size < 1. ENOMEM. */
int greenpatch_pile_new(greenpatch_pile **pile, greenpatch_pool *p, int size);
/* Spawn fn(arg): waits while the pool is full. EAGAIN, ENOMEM. Waits. */
int greenpatch_pile_spawn(greenpatch_pile *pile, void *(*fn)(void *), void *arg);
/* The result of the oldest job not read yet, waiting for it: 1 with *result, 0 when none is left,
 * -1 with errno = the error that job raised (the job is used up all the same). Waits. */
int greenpatch_pile_next(greenpatch_pile *pile, void **result);
/* Free the pile, waiting for its jobs. Returns 0. Waits. */
int greenpatch_pile_free(greenpatch_pile *pile);

/* ---- Queue (eventlet.queue.Queue, LightQueue, and Queue(0)) ---- */

typedef struct greenpatch_queue greenpatch_queue;
/* maxsize < 0: unbounded (LightQueue); 0: a rendezvous channel (a put waits for a get);
 * > 0: bounded. ENOMEM. */
int greenpatch_queue_new(greenpatch_queue **q, int maxsize);
/* Put item (any pointer, NULL included). block 0: never wait (EAGAIN if full); else wait at most
 * `timeout` seconds (negative: for ever; ETIMEDOUT). Waits. */
int greenpatch_queue_put(greenpatch_queue *q, void *item, int block, double timeout);
/* Take the oldest item into *item. block 0: never wait (EAGAIN if empty); else at most `timeout`
 * seconds (negative: for ever; ETIMEDOUT). Waits. */
int greenpatch_queue_get(greenpatch_queue *q, void **item, int block, double timeout);
/* Items in the queue; 1 if empty / full (a rendezvous channel is always both); the green threads
 * waiting in get / in put now. */
int greenpatch_queue_qsize(const greenpatch_queue *q);
int greenpatch_queue_empty(const greenpatch_queue *q);
int greenpatch_queue_full(const greenpatch_queue *q);
int greenpatch_queue_getting(const greenpatch_queue *q);
int greenpatch_queue_putting(const greenpatch_queue *q);
/* Free the queue. EBUSY: green threads wait in it. */
int greenpatch_queue_free(greenpatch_queue *q);

/* ---- Timeout (eventlet.Timeout) ---- */

/* A timeout around whatever green waits the calling thread makes next: when it fires, the wait in
 * progress (or the next one) fails with errno ETIME, which no call gives by itself, so the
 * program tells it from its own ETIMEDOUTs; greenpatch_timeout_fired says which of nested ones
 * it was. Every wait the preload greens counts (read, accept, sleep, mutex, condvar, queue...),
 * except a tpool call, which is never cut short. Lives in the caller's memory until cancelled. */
typedef struct greenpatch_timeout {
	_Alignas(16) unsigned char opaque[96];
	sigjmp_buf jump;
} greenpatch_timeout;
/* Arm t for `seconds`. Nests (each fires on its own deadline). EINVAL: negative or NaN. */
int greenpatch_timeout_start(greenpatch_timeout *t, double seconds);
/* Disarm t; must be called before t goes out of scope (any order among nested ones). Returns 1
 * if it had fired, 0 if not. */
int greenpatch_timeout_cancel(greenpatch_timeout *t);
/* 1 if t has fired. */
int greenpatch_timeout_fired(const greenpatch_timeout *t);
/* A timeout that fires silently (eventlet's Timeout(seconds, False)): the block is left for the
 * else branch, at the wait it cuts short; frames in between are left as by longjmp (no cleanup).
 *   greenpatch_timeout t;
 *   GREENPATCH_TIMEOUT_BLOCK(t, 0.5) { ...waits...; greenpatch_timeout_cancel(&t); }
 *   else { timed out: t is cancelled already }
 * With a negative or NaN time neither branch runs (errno EINVAL). */
#define GREENPATCH_TIMEOUT_BLOCK(t, seconds) \
	if (greenpatch__timeout_silent(&(t), (seconds)) != 0) { \
	} else if (sigsetjmp((t).jump, 0) == 0)
int greenpatch__timeout_silent(greenpatch_timeout *t, double seconds);

/* ---- network (eventlet.listen, connect, serve) ---- */

#define GREENPATCH_REUSE_PORT 0x1 /* listen: SO_REUSEPORT as well */
/* A listening TCP socket on host (a numeric IPv4 or IPv6 address, NULL or "" for any IPv4) and
 * port (0: any), with SO_REUSEADDR, backlog 50 when backlog <= 0. Returns the descriptor, or -1:
 * EINVAL (host), and socket/bind/listen's errors. */
int greenpatch_listen(const char *host, int port, int backlog, int flags);
/* A TCP connection to host:port (a numeric address, whose form chooses the family: IPv4 or
 * IPv6), bound first to bind_host:bind_port when bind_host is not NULL. Returns the descriptor,
 * or -1: EINVAL (host, bind_host or a port), and socket/bind/connect's errors (EAFNOSUPPORT when
 * bind_host is of the other family; a connect waits greenly). */
int greenpatch_connect(const char *host, int port, const char *bind_host, int bind_port);
/* What a serve handler returns: go on, or stop serving (eventlet's StopServe); any other value is
 * a positive errno that ends serve() with that error. */
#define GREENPATCH_SERVE_OK 0
#define GREENPATCH_STOP_SERVE (-1)
/* Accept connections on sock and run handler(client, peer, peerlen, arg) in a green thread for
 * each, at most `concurrency` at once (1000 when <= 0): at that limit serve stops accepting until
 * one ends. The client descriptor is closed when the handler returns. serve returns 0 when a
 * handler returned GREENPATCH_STOP_SERVE, -1 with errno = the error a handler returned (or
 * raised), or accept's error (EBADF, EINVAL...); a timeout or kill of the serving thread ends
 * it where it waits (ETIME; the kill unwinds). Handlers still running go on. */
int greenpatch_serve(int sock, int (*handler)(int client, const struct sockaddr *peer, socklen_t len, void *arg),
		     void *arg, int concurrency);

/* Green I/O on a socket whatever GREENPATCH_* patches (eventlet's green socket recv and
 * sendall): waits greenly while it would block, honouring SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN) and
 * the caller's timeouts (ETIME). recv is recv(2): the count (0 at end of stream) or -1 with its
 * errno. sendall sends all of buf (never raising SIGPIPE: EPIPE instead) and returns len, or -1
 * with the error that stopped it. */
ssize_t greenpatch_recv(int fd, void *buf, size_t len, int flags);
ssize_t greenpatch_sendall(int fd, const void *buf, size_t len);

/* ---- tpool: native threads for what cannot be green (eventlet.tpool) ----
 * A pool of native OS threads (GREENPATCH_THREADPOOL_SIZE, default 20, started as needed) runs a
 * call while the calling green thread waits and the others keep running. From a pool thread, or
 * with a pool of size 0, the call runs in the caller. errno, as the function left it on the pool
 * thread, is the caller's when the call returns. A call is not a cancellation point and is not cut
 * short by signals or timeouts: its result belongs to the caller's memory. */

/* Run fn(arg) on the pool and return its result. Never fails (without a pool it runs inline). */
void *greenpatch_tpool_execute(void *(*fn)(void *), void *arg);

/* Run fn with any signature on the pool: ffi_call(cif, fn, rvalue, avalue) there, for a cif made
 * with libffi's ffi_prep_cif. Returns 0, or -1 with errno EINVAL for a NULL cif or fn. Declared
 * when <ffi.h> is included first. */
#ifdef LIBFFI_H
int greenpatch_tpool_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue);
#endif

/* eventlet's set_num_threads: a larger size takes effect at once; a smaller one once
 * greenpatch_tpool_killall has stopped the current threads (at once if none has started yet).
 * Returns 0, or -1 with errno EINVAL for n < 0 or n > 100000. */
int greenpatch_tpool_set_num_threads(int n);
/* The pool's size (its largest number of threads). Never fails. */
int greenpatch_tpool_num_threads(void);
/* Stop every pool thread (idle ones at once, busy ones after their call) and wait until they are
 * gone; later calls start new ones. Never fails. */
void greenpatch_tpool_killall(void);

#ifdef __cplusplus
}
#endif
#endif
