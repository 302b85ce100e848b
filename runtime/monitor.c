/* Hub blocking detection (GREENPATCH_HUB_BLOCKING_DETECTION=ms; eventlet's
 * debug.hub_blocking_detection, gevent's monitor thread). A native watchdog thread, started with
 * the first green thread, samples every hub's sign of life (its switch and iteration counters,
 * which the hub counts anyway) a few times per period. A hub that has other green threads, is not
 * asleep in its own wait, and has not moved for the period is blocked by the thread it runs: the
 * report names that thread, says for how long, and shows where it is; once per episode, with a
 * closing line when the hub moves again.
 *
 * Where it is, for a thread that runs on another OS thread: its registers, which only that OS
 * thread has. The watchdog sends it GP_SIG_BACKTRACE (SIGRTMAX-1, with a mark of its own in
 * si_value); the handler copies the interrupted registers, answers, and keeps the thread still
 * until the watchdog has unwound its stack (a few milliseconds, bounded). So the handler itself
 * does nothing but copy and wait (async-signal-safe); libunwind, dladdr and stdio run on the
 * watchdog, in an ordinary context.
 *
 * The program must not notice: the signal goes only to a thread on the CPU, or blocked in a call
 * the kernel restarts after a handler (SA_RESTART: read, write, wait4, futex...; not on a socket,
 * where a timeout would make it EINTR); never to a thread that blocks it, nor while the program has
 * set a disposition of its own for that signal (its use wins: the report then has no backtrace).
 * Otherwise the report names the system call the thread is blocked in. The watchdog blocks every
 * signal and makes only raw system calls of its own: it never gets a hub. */
#include "rt.h"
#include "sys.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <linux/futex.h>

#define MARK 0x67700000 /* si_value of the watchdog's requests: MARK | sequence (16 bits) */
#define ANSWER_NS (250 * 1000000ull)  /* how long the watchdog waits for the handler */
#define HOLD_NS (2000 * 1000000ull)   /* how long the handler keeps its thread still at most */
#define MAX_SUSPECTS 16

static int started; /* 1 while a watchdog thread runs in this process */

/* One request at a time. state is the futex word: the handler takes ASKED (so a request the
 * watchdog gave up on cannot be answered half-way), fills, answers, and waits for IDLE. */
enum { IDLE, ASKED, TAKEN, ANSWERED };
static struct {
	int state;
	int seq;
	struct gp_hub *hub;
	gregset_t regs;
	unsigned long id;
	char name[16];
	int main;
	uint64_t progress;
} req;

struct suspect {
	struct gp_hub *hub;
	int tid;
	uint64_t progress, since;
	unsigned long id; /* filled by the report */
	char name[16];
};

struct ended {
	unsigned long id;
	char name[16];
	uint64_t ms;
};

unsigned gp_monitor_threads(void)
{
	return (unsigned)__atomic_load_n(&started, __ATOMIC_RELAXED);
}

static void futex_wait(int *word, int val, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / GP_NS), (long)(ns % GP_NS) };
	GP_SC(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, &ts, 0, 0);
}

static void futex_wake(int *word)
{
	GP_SC(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

/* ---- the handler, on the blocked hub's OS thread ---- */

static int backtrace_signal(int sig, siginfo_t *si, void *ucv)
{
	int pid = (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (!si || si->si_code != SI_QUEUE || si->si_pid != pid || (si->si_value.sival_int & ~0xffff) != MARK)
		return 0; /* not the watchdog's: the program's disposition */
	struct gp_hub *h = gp_cur_hub;
	int asked = ASKED;
	if (!h || req.hub != h || req.seq != (si->si_value.sival_int & 0xffff) ||
	    !__atomic_compare_exchange_n(&req.state, &asked, TAKEN, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 1; /* a request the watchdog gave up on */
	memcpy(req.regs, ((const ucontext_t *)ucv)->uc_mcontext.gregs, sizeof(req.regs));
	req.id = h->cur->id;
	memcpy(req.name, h->cur->name, sizeof(req.name));
	req.main = h->cur == &h->main;
	req.progress = h->switches + h->polls;
	__atomic_store_n(&req.state, ANSWERED, __ATOMIC_RELEASE);
	futex_wake(&req.state);
	uint64_t end = gp_now() + HOLD_NS, now;
	while (__atomic_load_n(&req.state, __ATOMIC_ACQUIRE) == ANSWERED && (now = gp_now()) < end)
		futex_wait(&req.state, ANSWERED, end - now); /* the stack stays as it is meanwhile */
	return 1;
}

/* ---- the watchdog ---- */

/* Read n bytes of this process at src without faulting: a hub or thread may be freed meanwhile. */
static int peek(void *dst, const void *src, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)src, n };
	return GP_SC(SYS_process_vm_readv, GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), &l, 1, &r, 1, 0) == (long)n ? 0 : -1;
}

/* The OS thread's scheduler state (R, S, D...) and blocked signals, from /proc. */
static char task_state(int tid, uint64_t *blocked)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if (gp_read_file(path, buf, sizeof(buf)) <= 0)
		return '?';
	const char *st = strstr(buf, "\nState:"), *blk = strstr(buf, "\nSigBlk:");
	*blocked = blk ? strtoull(blk + 8, NULL, 16) : ~0ull;
	return st ? st[8] : '?';
}

/* The system call the OS thread is blocked in: its number (or -1), first argument, sp and pc. */
static long task_syscall(int tid, long *arg0, unsigned long *sp, unsigned long *pc)
{
	char path[64], buf[512];
	unsigned long a[6];
	long nr;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	if (gp_read_file(path, buf, sizeof(buf)) <= 0)
		return -2;
	if (sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], sp,
		   pc) != 9)
		return -2;
	*arg0 = (long)a[0];
	return nr;
}

static const char *syscall_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} names[] = { { SYS_read, "read" },	    { SYS_write, "write" },	  { SYS_readv, "readv" },
		      { SYS_writev, "writev" },	    { SYS_pread64, "pread64" },	  { SYS_pwrite64, "pwrite64" },
		      { SYS_preadv, "preadv" },	    { SYS_pwritev, "pwritev" },	  { SYS_preadv2, "preadv2" },
		      { SYS_pwritev2, "pwritev2" }, { SYS_wait4, "wait4" },	  { SYS_waitid, "waitid" },
		      { SYS_futex, "futex" },	    { SYS_flock, "flock" },	  { SYS_fcntl, "fcntl" },
		      { SYS_ioctl, "ioctl" },	    { SYS_openat, "openat" },	  { SYS_open, "open" },
		      { SYS_fsync, "fsync" },	    { SYS_fdatasync, "fdatasync" }, { SYS_poll, "poll" },
		      { SYS_ppoll, "ppoll" },	    { SYS_select, "select" },	  { SYS_pselect6, "pselect6" },
		      { SYS_nanosleep, "nanosleep" }, { SYS_clock_nanosleep, "clock_nanosleep" },
		      { SYS_epoll_wait, "epoll_wait" }, { SYS_epoll_pwait, "epoll_pwait" },
		      { SYS_pause, "pause" },	    { SYS_accept, "accept" },	  { SYS_accept4, "accept4" },
		      { SYS_connect, "connect" },   { SYS_recvfrom, "recvfrom" }, { SYS_sendto, "sendto" },
		      { SYS_recvmsg, "recvmsg" },   { SYS_sendmsg, "sendmsg" },	  { SYS_rt_sigtimedwait, "rt_sigtimedwait" },
		      { SYS_rt_sigsuspend, "rt_sigsuspend" } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return "?";
}

/* A call the kernel restarts after a handler installed with SA_RESTART, whatever the descriptor
 * (signal(7)); read and write only off sockets (a socket timeout makes them end with EINTR). */
static int restarts(long nr, long fd)
{
	static const long always[] = { SYS_wait4, SYS_waitid, SYS_futex, SYS_flock, SYS_fcntl, SYS_openat, SYS_open,
				       SYS_ioctl, SYS_fsync, SYS_fdatasync };
	static const long on_fd[] = { SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64,
				      SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2 };
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (nr == always[i])
			return 1;
	for (size_t i = 0; i < sizeof(on_fd) / sizeof(on_fd[0]); i++) {
		if (nr != on_fd[i])
			continue;
		char path[64], link[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
		long n = GP_SC(SYS_readlinkat, AT_FDCWD, path, link, sizeof(link) - 1, 0, 0);
		return n > 0 && strncmp(link, "socket:", 7) != 0;
	}
	return 0;
}

/* Ask the hub's OS thread for its registers. 1: answered, the thread held still until release(). */
static int ask(const struct suspect *s)
{
	req.hub = s->hub;
	req.seq = (req.seq + 1) & 0xffff;
	__atomic_store_n(&req.state, ASKED, __ATOMIC_RELEASE);
	int pid = (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
	siginfo_t si = { .si_signo = GP_SIG_BACKTRACE, .si_code = SI_QUEUE };
	si.si_pid = pid;
	si.si_uid = (uid_t)GP_SC(SYS_getuid, 0, 0, 0, 0, 0, 0);
	si.si_value.sival_int = MARK | req.seq;
	if (GP_SC(SYS_rt_tgsigqueueinfo, pid, s->tid, GP_SIG_BACKTRACE, &si, 0, 0) < 0) {
		__atomic_store_n(&req.state, IDLE, __ATOMIC_RELEASE);
		return 0;
	}
	uint64_t end = gp_now() + ANSWER_NS, now;
	int st;
	while ((st = __atomic_load_n(&req.state, __ATOMIC_ACQUIRE)) != ANSWERED && (now = gp_now()) < end)
		futex_wait(&req.state, st, end - now);
	int asked = ASKED;
	if (st != ANSWERED && __atomic_compare_exchange_n(&req.state, &asked, IDLE, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0; /* no answer: a late handler finds the request gone */
	while (__atomic_load_n(&req.state, __ATOMIC_ACQUIRE) != ANSWERED) /* taken: the answer is coming */
		futex_wait(&req.state, TAKEN, 1000000);
	return 1;
}

static void release(void)
{
	__atomic_store_n(&req.state, IDLE, __ATOMIC_RELEASE);
	futex_wake(&req.state);
}

/* Id, name and main-ness of the thread h runs, read without trusting h to be alive. */
static int who(struct gp_hub *h, unsigned long *id, char *name, int *main)
{
	struct gp_gt *cur;
	if (peek(&cur, &h->cur, sizeof(cur)) < 0 || peek(id, &cur->id, sizeof(*id)) < 0 ||
	    peek(name, cur->name, 16) < 0)
		return -1;
	name[15] = 0;
	*main = cur == &h->main;
	return 0;
}

static void header(int pid, unsigned long id, const char *name, int main, uint64_t ms, const char *how)
{
	gp_say(2, "greenpatch: hub blocked (pid %d): green thread %lu \"%s\"%s has run %llu ms without a switch%s "
		  "(GREENPATCH_HUB_BLOCKING_DETECTION=%u)\n",
	       pid, id, name, main ? " (main)" : "", (unsigned long long)ms, how, gp_config.block_ms);
}

/* The program counter alone, named (no walk of a stack that may move). */
static void pc_line(unsigned long pc)
{
	Dl_info di;
	if (dladdr((void *)pc, &di) && di.dli_sname)
		gp_say(2, "    #0 0x%lx %s+0x%lx in %s\n", pc, di.dli_sname, pc - (unsigned long)di.dli_saddr,
		       strrchr(di.dli_fname, '/') ? strrchr(di.dli_fname, '/') + 1 : di.dli_fname);
	else
		gp_say(2, "    #0 0x%lx\n", pc);
}

/* NULL if the watchdog may send its signal, else why not. */
static const char *no_signal(char state, uint64_t blocked, long nr, long arg0)
{
	if (blocked & (1ull << (GP_SIG_BACKTRACE - 1)))
		return "the thread blocks signal 63";
	if (gp_config.sig_program_has && gp_config.sig_program_has(GP_SIG_BACKTRACE))
		return "the program uses signal 63 itself";
	if (state == 'R' || (state == 'S' && restarts(nr, arg0)))
		return NULL;
	return state == 'S' && nr >= 0 ? "a signal would end that call" : "the thread cannot take a signal now";
}

/* Report suspect s; its thread's id and name go to s for the closing line. */
static void report(struct suspect *s, uint64_t now)
{
	int pid = (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
	uint64_t blocked = 0, ms = (now - s->since) / 1000000;
	unsigned long sp = 0, pc = 0;
	long arg0 = -1, nr = -2;
	char how[96] = "";
	char state = task_state(s->tid, &blocked);
	if (state != 'R')
		nr = task_syscall(s->tid, &arg0, &sp, &pc);
	if (nr >= 0)
		snprintf(how, sizeof(how), ", blocked in system call %ld (%s)", nr, syscall_name(nr));
	const char *why = no_signal(state, blocked, nr, arg0);
	if (!why && ask(s)) {
		struct gp_frame f[GP_FRAMES];
		int n = -1, same = req.progress == s->progress; /* still the same episode */
		if (same) {
			ucontext_t uc;
			memset(&uc, 0, sizeof(uc));
			memcpy(uc.uc_mcontext.gregs, req.regs, sizeof(req.regs));
			n = gp_backtrace_collect(&uc, 1, f, GP_FRAMES);
			s->id = req.id;
			memcpy(s->name, req.name, sizeof(s->name));
		}
		int main = req.main;
		release(); /* the thread goes on; the frames are named after */
		if (!same)
			return;
		header(pid, s->id, s->name, main, ms, how);
		if (n >= 0)
			gp_backtrace_print(f, n, 2, "    ");
		else
			gp_say(2, "    (no backtrace: libunwind.so.8 not found)\n");
		return;
	}
	int main = 0;
	if (who(s->hub, &s->id, s->name, &main) < 0)
		return;
	header(pid, s->id, s->name, main, ms, how);
	if (nr >= 0)
		pc_line(pc);
	gp_say(2, "    (no backtrace: %s)\n", why ? why : "the thread did not answer");
}

static int listed(const struct gp_hub *h)
{
	for (const struct gp_hub *x = gp_hubs.head; x; x = x->hubs_next)
		if (x == h)
			return 1;
	return 0;
}

/* Under the lock: every hub's sign of life. A hub that moved ends its episode (into `ended`); one
 * that has not moved for the period, with company, awake, becomes a suspect (once). */
static int sample(uint64_t now, uint64_t period, struct suspect *sus, struct ended *end, int *nend)
{
	int n = 0;
	*nend = 0;
	for (struct gp_hub *h = gp_hubs.head; h; h = h->hubs_next) {
		uint64_t p = __atomic_load_n(&h->switches, __ATOMIC_RELAXED) + __atomic_load_n(&h->polls, __ATOMIC_RELAXED);
		if (!h->mon_since) { /* a hub seen for the first time */
			h->mon_seen = p;
			h->mon_since = now;
			continue;
		}
		if (p != h->mon_seen) {
			if (h->mon_told == 2 && *nend < MAX_SUSPECTS) {
				struct ended *e = &end[(*nend)++];
				e->id = h->mon_id;
				e->ms = (now - h->mon_since) / 1000000;
				memcpy(e->name, h->mon_name, sizeof(e->name));
			}
			h->mon_seen = p;
			h->mon_since = now;
			h->mon_told = 0;
			continue;
		}
		if (h->mon_told || n == MAX_SUSPECTS || now - h->mon_since < period || h->in_diag ||
		    __atomic_load_n(&h->sleeping, __ATOMIC_RELAXED) || __atomic_load_n(&h->nthreads, __ATOMIC_RELAXED) < 2)
			continue;
		h->mon_told = 1;
		sus[n++] = (struct suspect){ .hub = h, .tid = h->tid, .progress = p, .since = h->mon_since };
	}
	return n;
}

/* After a report: the hub (if still there) remembers whom, for the closing line. */
static void reported(const struct suspect *s)
{
	gp_lock(&gp_hubs.lock);
	if (listed(s->hub) && s->hub->mon_told == 1 && s->hub->mon_seen == s->progress) {
		s->hub->mon_told = 2;
		s->hub->mon_id = s->id;
		memcpy(s->hub->mon_name, s->name, sizeof(s->name));
	}
	gp_unlock(&gp_hubs.lock);
}

static void say_ended(const struct ended *end, int n)
{
	for (int i = 0; i < n; i++)
		gp_say(2, "greenpatch: hub moves again (pid %d): green thread %lu \"%s\" ran %llu ms without a switch\n",
		       (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), end[i].id, end[i].name, (unsigned long long)end[i].ms);
}

static void *watchdog(void *arg)
{
	gp_internal_thread = 1;
	uint64_t all = ~0ull, period = (uint64_t)gp_config.block_ms * 1000000;
	gp_sys_sigmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, "gp-watchdog");
	gp_backtrace_ready(); /* libunwind loaded now, not in the middle of a report */
	uint64_t step = period / 4 < 1000000 ? 1000000 : period / 4 > 100000000 ? 100000000 : period / 4;
	struct suspect sus[MAX_SUSPECTS];
	struct ended end[MAX_SUSPECTS];
	for (;;) {
		struct timespec ts = { (time_t)(step / GP_NS), (long)(step % GP_NS) };
		GP_SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL, 0, 0);
		uint64_t now = gp_now();
		int nend;
		gp_lock(&gp_hubs.lock);
		int n = sample(now, period, sus, end, &nend);
		gp_unlock(&gp_hubs.lock);
		say_ended(end, nend);
		for (int i = 0; i < n; i++) {
			report(&sus[i], now);
			reported(&sus[i]);
		}
	}
	return arg;
}

void gp_monitor_start(void)
{
	pthread_t t;
	pthread_attr_t a;
	if (!gp_config.block_ms || !gp_config.thread_create || __atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
		return;
	if (gp_config.sig_claim)
		gp_config.sig_claim(GP_SIG_BACKTRACE, backtrace_signal, GP_SIG_SHARED, NULL);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (gp_config.thread_create(&t, &a, watchdog, NULL) != 0)
		__atomic_store_n(&started, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&a);
}

/* The process exits: an episode that ended since the last look gets its closing line. */
void gp_monitor_exit(void)
{
	struct suspect sus[MAX_SUSPECTS];
	struct ended end[MAX_SUSPECTS];
	int nend = 0;
	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return;
	gp_lock(&gp_hubs.lock);
	sample(gp_now(), UINT64_MAX, sus, end, &nend);
	gp_unlock(&gp_hubs.lock);
	say_ended(end, nend);
}

/* fork child: the watchdog did not come along; the next green thread starts another. */
void gp_monitor_atfork_child(void)
{
	started = 0;
	req.state = IDLE;
}
