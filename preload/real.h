/* The real libc functions behind every interposed name, resolved once (see real.c). */
#ifndef GP_REAL_H
#define GP_REAL_H

#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>
#include "manifest.h"

struct gp_real {
#define GP_REAL_FIELD(module, ret, name, params, ver) ret (*name) params;
	GP_MANIFEST(GP_REAL_FIELD)
#undef GP_REAL_FIELD
};
extern struct gp_real gp_real;
extern int gp_real_ready;
void gp_real_init(void);

/* The real function, resolving the table first if a shim runs before the constructor. */
#define REAL(name) (*(gp_likely(gp_real_ready) ? gp_real.name : (gp_real_init(), gp_real.name)))

#endif
