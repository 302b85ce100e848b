/* The preload's view of its configuration: parsed once by gp_init() (init.c). */
#ifndef GP_FLAGS_H
#define GP_FLAGS_H

#include "config.h"

extern unsigned gp_mods;       /* patched modules; 0 until gp_init() ran */
extern int gp_inited;
void gp_init(void);            /* idempotent: flags, real table, fork handler */
void gp_proc_atfork_child(void); /* shims/proc.c, from the fork handler: its locks are free */
/* shims/signal.c: the signals the runtime borrows (gp_config.sig_claim, sig_program_has) */
#include <signal.h>
int gp_sig_claim(int sig, int (*fn)(int, siginfo_t *, void *), enum gp_sig_mode mode, const char *what);
int gp_sig_program_has(int sig);

#endif
