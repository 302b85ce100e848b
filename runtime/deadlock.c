/* The deadlock report, and backtraces of suspended green threads.
 *
 * A hub about to wait with no timer armed and no thread parked on a descriptor asks here whether
 * anything at all could end the wait. If every green thread of the hub waits on a sync object,
 * this is the only hub, the process has no other OS thread (one that could unlock or post) and no
 * armed timer whose signal has a handler (which could end a wait or post), nothing can: the
 * report names each thread, what it waits on, and where (a backtrace), once; then
 * the hub waits on, as the native program would hang (GREENPATCH_DEADLOCK=abort aborts instead).
 *
 * Backtraces use libunwind, loaded with dlopen on first use and kept out of the program's symbol
 * scope (its _Unwind_* functions must not stand in for libgcc's). A suspended thread's registers
 * are the ones gp_ctx_switch pushed on its stack. */
#define UNW_LOCAL_ONLY
#include "rt.h"
#include "sys.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <libunwind.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static struct {
	int (*getcontext)(unw_context_t *);
	int (*init_local)(unw_cursor_t *, unw_context_t *);
	int (*step)(unw_cursor_t *);
	int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
	int (*proc_name)(unw_cursor_t *, char *, size_t, unw_word_t *);
	int tried;
} u;

static int libunwind(void)
{
	if (!u.tried) {
		u.tried = 1;
		void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
		if (!h)
			return 0;
		u.getcontext = (__typeof__(u.getcontext))dlsym(h, "_Ux86_64_getcontext");
		u.init_local = (__typeof__(u.init_local))dlsym(h, "_ULx86_64_init_local");
		u.step = (__typeof__(u.step))dlsym(h, "_ULx86_64_step");
		u.get_reg = (__typeof__(u.get_reg))dlsym(h, "_ULx86_64_get_reg");
		u.proc_name = (__typeof__(u.proc_name))dlsym(h, "_ULx86_64_get_proc_name");
	}
	return u.getcontext && u.init_local && u.step && u.get_reg && u.proc_name;
}

static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		gp_sys_write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* The registers of a thread suspended in gp_ctx_switch: [control words][r15 r14 r13 r12 rbx rbp]
 * [return address], then the caller's frame. */
static void suspended_context(const struct gp_gt *t, unw_context_t *uc)
{
	const uint64_t *sp = t->sp;
	ucontext_t *c = (ucontext_t *)uc;
	memset(uc, 0, sizeof(*uc));
	c->uc_mcontext.gregs[REG_R15] = (greg_t)sp[1];
	c->uc_mcontext.gregs[REG_R14] = (greg_t)sp[2];
	c->uc_mcontext.gregs[REG_R13] = (greg_t)sp[3];
	c->uc_mcontext.gregs[REG_R12] = (greg_t)sp[4];
	c->uc_mcontext.gregs[REG_RBX] = (greg_t)sp[5];
	c->uc_mcontext.gregs[REG_RBP] = (greg_t)sp[6];
	c->uc_mcontext.gregs[REG_RIP] = (greg_t)sp[7];
	c->uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)(sp + 8);
}

/* Frames inside this library (the park, the shim; the green thread's start) are left out. */
static int ours(unw_word_t ip)
{
	Dl_info mine, it;
	return dladdr((void *)gp_backtrace, &mine) && dladdr((void *)ip, &it) && it.dli_fbase == mine.dli_fbase;
}

void gp_backtrace(struct gp_gt *t, int fd, const char *indent)
{
	unw_context_t uc;
	unw_cursor_t c;
	if (!libunwind()) {
		say(fd, "%s(no backtrace: libunwind.so.8 not found)\n", indent);
		return;
	}
	if (t)
		suspended_context(t, &uc);
	else
		u.getcontext(&uc);
	if (u.init_local(&c, &uc) < 0)
		return;
	int shown = 0, skipping = 1;
	for (int depth = 0; depth < 64 && shown < 24; depth++) {
		unw_word_t ip = 0, off = 0;
		char name[160] = "??";
		u.get_reg(&c, UNW_REG_IP, &ip);
		if (!ip)
			break;
		int mine = ours(ip);
		if (!skipping && mine)
			break; /* back in the runtime: the green thread's start */
		if (!mine) {
			skipping = 0;
			if (u.proc_name(&c, name, sizeof(name), &off) < 0)
				strcpy(name, "??");
			Dl_info di;
			const char *obj = dladdr((void *)ip, &di) && di.dli_fname ? strrchr(di.dli_fname, '/') : NULL;
			say(fd, "%s#%d 0x%lx %s+0x%lx%s%s\n", indent, shown++, (unsigned long)ip, name, (unsigned long)off,
			    obj ? " in " : "", obj ? obj + 1 : "");
		}
		if (u.step(&c) <= 0)
			break;
	}
}

/* OS threads of the process now (/proc/self/stat field 20), read with raw syscalls. */
static long os_threads(void)
{
	char buf[1024];
	int fd = (int)GP_SC(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -1;
	long n = GP_SC(SYS_read, fd, buf, sizeof(buf) - 1, 0, 0, 0);
	gp_sys_close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
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

static void describe(const struct gp_gt *t, int fd)
{
	say(fd, "  thread %lu \"%s\"%s: waits on %s %p", t->id, t->name, t == &t->hub->main ? " (main)" : "",
	    t->wait_what ? t->wait_what : "?", t->wait_obj);
	if (t->wait_what && !strncmp(t->wait_what, "mutex", 5)) {
		const struct gp_gt *o = ((const struct gp_mutex *)t->wait_obj)->owner;
		if (o)
			say(fd, ", held by thread %lu \"%s\"", o->id, o->name);
	} else if (t->wait_what && !strcmp(t->wait_what, "join")) {
		const struct gp_gt *o = t->wait_obj;
		say(fd, " (thread %lu \"%s\")", o->id, o->name);
	}
	say(fd, "\n");
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
	    os_threads() != 1 + (long)gp_tpool_workers())
		return; /* another OS thread (not one of ours, idle) could still post or unlock */
	if (timer_may_wake())
		return; /* its signal's handler may end a wait or post */
	h->deadlock_told = 1;
	say(2, "greenpatch: deadlock: every green thread waits and nothing can wake them (pid %d)\n",
	    (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0));
	for (const struct gp_gt *t = h->all; t; t = t->all_next) {
		describe(t, 2);
		gp_backtrace(t == h->cur ? NULL : (struct gp_gt *)t, 2, "    ");
	}
	if (gp_config.deadlock == 2) {
		say(2, "greenpatch: GREENPATCH_DEADLOCK=abort: aborting\n");
		abort();
	}
	say(2, "greenpatch: waiting on, as the program would without greenpatch\n");
}
