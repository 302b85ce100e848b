/* The deadlock report.
 *
 * A hub about to wait with no timer armed and no thread parked on a descriptor asks here whether
 * anything at all could end the wait. If every green thread of the hub waits on a sync object,
 * this is the only hub, the process has no other OS thread (one that could unlock or post;
 * the tpool's idle workers and greenpatch's watchdog do not count) and no armed timer whose
 * signal has a handler (which could end a wait or post), nothing can: the report names each
 * thread, what it waits on, and where (a backtrace), once; then the hub waits on, as the native
 * program would hang (GREENPATCH_DEADLOCK=abort aborts instead). */
#include "rt.h"
#include "sys.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* OS threads of the process now (/proc/self/stat field 20), read with raw syscalls. */
static long os_threads(void)
{
	char buf[1024];
	if (gp_read_file("/proc/self/stat", buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p ? atol(p + 1) : -1;
}

/* A handler is installed for sig (the kernel's view: the preload's trampoline for a program's). */
static int has_handler(int sig)
{
	struct {
		unsigned long handler, flags, restorer, mask;
	} sa;
	return GP_SC(SYS_rt_sigaction, sig, NULL, &sa, 8, 0, 0) == 0 && sa.handler > 1; /* not DFL, IGN */
}

/* A timer of the process will send a signal that has a handler: the handler may end a wait (a
 * semaphore wait without SA_RESTART) or post, unlock, write. (A timer whose signal kills the
 * process, a watchdog alarm, ends nothing: the deadlock is still reported.) Interval timers
 * (alarm, setitimer) by getitimer; POSIX timers (timer_create) have no call that lists them:
 * /proc/self/timers, read only here, its "signal: N/..." and "notify: signal|thread|none" lines. */
static int timer_may_wake(void)
{
	static const int itimer_sig[3] = { SIGALRM, SIGVTALRM, SIGPROF };
	for (int which = 0; which < 3; which++) {
		struct { long is, iu, vs, vu; } it;
		if (GP_SC(SYS_getitimer, which, &it, 0, 0, 0, 0) == 0 && (it.vs || it.vu) &&
		    has_handler(itimer_sig[which]))
			return 1;
	}
	char buf[4096];
	int fd = (int)GP_SC(SYS_openat, AT_FDCWD, "/proc/self/timers", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	long n = GP_SC(SYS_read, fd, buf, sizeof(buf) - 1, 0, 0, 0);
	gp_sys_close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (const char *p = buf; (p = strstr(p, "signal: ")); p++) {
		int sig = atoi(p + 8);
		const char *notify = strstr(p, "notify: ");
		if (sig > 0 && sig < 65 && notify && strncmp(notify + 8, "none", 4) && has_handler(sig))
			return 1;
	}
	return 0;
}

/* Waits something other than a sync object ends: a timer, a job, a signal. */
static int ends_by_itself(const char *what)
{
	static const char *const kinds[] = { "sleep", "tpool job", "pause", "sigsuspend" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(what, kinds[i]))
			return 1;
	return 0;
}

static int all_wait_on_sync(const struct gp_hub *h)
{
	for (const struct gp_gt *t = h->all; t; t = t->all_next)
		if (t->state != GP_WAITING || !t->wait_what || ends_by_itself(t->wait_what))
			return 0;
	return h->all != NULL;
}

void gp_deadlock_check(struct gp_hub *h)
{
	if (!gp_config.deadlock || h->deadlock_told || h->rq_head || h->nheap || h->fd_waits ||
	    __atomic_load_n(&h->inbox, __ATOMIC_ACQUIRE))
		return;
	if (gp_hubs_alive() != 1 || gp_tpool_pending() || !all_wait_on_sync(h) ||
	    os_threads() != 1 + (long)gp_tpool_workers() + (long)gp_monitor_threads())
		return; /* another OS thread (not one of ours, idle) could still post or unlock */
	if (timer_may_wake())
		return; /* its signal's handler may end a wait or post */
	h->deadlock_told = 1;
	gp_diag_enter(h);
	gp_say(2, "greenpatch: deadlock: every green thread waits and nothing can wake them (pid %d)\n",
	       (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0));
	for (const struct gp_gt *t = h->all; t; t = t->all_next) {
		gp_describe(t, 2);
		gp_backtrace(t == h->cur ? NULL : (struct gp_gt *)t, 2, "    ");
	}
	gp_diag_leave(h);
	if (gp_config.deadlock == 2) {
		gp_say(2, "greenpatch: GREENPATCH_DEADLOCK=abort: aborting\n");
		abort();
	}
	gp_say(2, "greenpatch: waiting on, as the program would without greenpatch\n");
}
