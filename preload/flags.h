/* The preload's view of its configuration: parsed once by gp_init() (init.c). */
#ifndef GP_FLAGS_H
#define GP_FLAGS_H

#include <stdint.h>
#include "config.h"

extern unsigned gp_mods;       /* patched modules; 0 until gp_init() ran */
extern int gp_inited;
void gp_init(void);            /* idempotent: flags, real table, fork handler */

/* The code of the sanitizer runtimes in the process (AddressSanitizer's...), found by gp_init. */
#define GP_SANITIZERS 4
struct gp_range {
	uintptr_t lo, hi;
};
extern struct gp_range gp_sanitizers[GP_SANITIZERS];
/* A call from a sanitizer's runtime (ret: the caller's return address)? ASan keeps its state of
 * each OS thread in a pthread key: its key calls must stay the real, per OS thread ones. Empty
 * ranges (no sanitizer) cost two compares. */
static inline int gp_from_sanitizer(const void *ret)
{
	uintptr_t a = (uintptr_t)ret;
	for (int i = 0; i < GP_SANITIZERS && gp_sanitizers[i].hi; i++)
		if (a >= gp_sanitizers[i].lo && a < gp_sanitizers[i].hi)
			return 1;
	return 0;
}
void gp_proc_atfork_child(void); /* shims/proc.c, from the fork handler: its locks are free */
/* shims/signal.c: the signals the runtime borrows (gp_config.sig_claim, sig_program_has) */
#include <signal.h>
int gp_sig_claim(int sig, int (*fn)(int, siginfo_t *, void *), enum gp_sig_mode mode, const char *what);
int gp_sig_program_has(int sig);

#endif
