/* greenpatch: eventlet's monkey_patch for C binaries.
 *
 * Most programs never include this header: they run unmodified under
 * LD_PRELOAD=libgreenpatch.so. It is the entry point for programs that link the library
 * directly; eventlet's primary API (spawn, GreenPool, Queue, Timeout, ...) is added here as it is
 * built. Conventions: functions return 0 (or a count) on success and -1 with errno set on error. */
#ifndef GREENPATCH_H
#define GREENPATCH_H

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

/* ---- tpool: native threads for what cannot be green (eventlet.tpool) ----
 * A pool of native OS threads (GREENPATCH_THREADPOOL_SIZE, default 20, started as needed) runs a
 * call while the calling green thread waits and the others keep running. From a pool thread, or
 * with a pool of size 0, the call runs in the caller. errno, as the function left it on the pool
 * thread, is the caller's when the call returns. A call is not a cancellation point and is not cut
 * short by signals: its result belongs to the caller's memory. */

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
