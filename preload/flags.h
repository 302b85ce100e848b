/* The preload's view of its configuration: parsed once by gp_init() (init.c). */
#ifndef GP_FLAGS_H
#define GP_FLAGS_H

#include "config.h"

extern unsigned gp_mods;       /* patched modules; 0 until gp_init() ran */
extern int gp_inited;
void gp_init(void);            /* idempotent: flags, real table, fork handler */
void gp_proc_atfork_child(void); /* shims/proc.c, from the fork handler: its locks are free */

#endif
