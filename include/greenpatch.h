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

#ifdef __cplusplus
}
#endif
#endif
