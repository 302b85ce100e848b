/* The stack overflow line. A green stack has a guard page at its low end; a thread that runs into
 * it faults there, on a stack with no room left for the signal's frame. So every OS thread that
 * runs green threads gets an alternate signal stack (unless the program gave it one, which is then
 * used), and the preload lends SIGSEGV to overflow_signal first (GP_SIG_CHAIN): if the fault
 * address lies in a green thread's guard, it prints one line naming the thread, its stack size and
 * the setting that raises it; then the program's own SIGSEGV handler runs, or, without one, the
 * ordinary crash follows (SIG_DFL, the faulting instruction again: the same core dump and status).
 *
 * The line is made with async-signal-safe code only (no stdio): the fault may come from anywhere. */
#include "rt.h"
#include "sys.h"
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define ALTSTACK_MIN (64 * 1024)
#define BELOW_GUARD (64 * 1024) /* a frame that jumped past the guard still names its thread */

struct line {
	char buf[320];
	size_t n;
};

static void put(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

static void put_num(struct line *l, unsigned long long v)
{
	char d[24];
	int i = sizeof(d) - 1;
	d[i] = 0;
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(l, d + i);
}

static void put_size(struct line *l, size_t bytes)
{
	put_num(l, bytes % 1024 ? bytes : bytes / 1024);
	put(l, bytes % 1024 ? " bytes" : " KiB");
}

static void say_overflow(const struct gp_gt *t)
{
	struct line l = { .n = 0 };
	char name[sizeof(t->name) + 1];
	memcpy(name, t->name, sizeof(t->name));
	name[sizeof(t->name)] = 0;
	put(&l, "greenpatch: stack overflow in green thread ");
	put_num(&l, t->id);
	put(&l, " \"");
	put(&l, name);
	put(&l, "\": its stack is ");
	if (t->stack_asked) {
		put_size(&l, t->stack_asked);
		put(&l, ", as the program set with pthread_attr_setstacksize (give it more there)\n");
	} else {
		put_size(&l, gp_config.stack_size);
		put(&l, ", set by GREENPATCH_STACK_SIZE (raise it, e.g. GREENPATCH_STACK_SIZE=");
		put_num(&l, gp_config.stack_size * 2 / 1024);
		put(&l, "k)\n");
	}
	gp_sys_write(2, l.buf, l.n);
}

static int in_guard(const struct gp_gt *t, uintptr_t a, uintptr_t sp)
{
	const struct gp_stack *s = &t->stack;
	if (!gp_is_gt(t) || !s->map || s->user || !s->guard)
		return 0;
	uintptr_t lo = (uintptr_t)s->map, top = lo + s->guard;
	return (a >= lo && a < top) || (sp && a < lo && a + BELOW_GUARD >= lo && sp < top + BELOW_GUARD);
}

/* Which green thread of this OS thread's hub the fault address belongs to: the running one first
 * (its stack pointer is known too), then any other (a wild pointer into a guard). */
static struct gp_gt *owner(struct gp_hub *h, uintptr_t a, uintptr_t sp)
{
	if (in_guard(h->cur, a, sp))
		return h->cur;
	unsigned long n = 0;
	for (struct gp_gt *t = h->all; t && n < 1000000; t = t->all_next, n++)
		if (in_guard(t, a, 0))
			return t;
	return NULL;
}

static int overflow_signal(int sig, siginfo_t *si, void *ucv)
{
	struct gp_hub *h = gp_cur_hub;
	if (!h || !si || si->si_code <= 0) /* sent by someone, not a fault */
		return 0;
	const ucontext_t *uc = ucv;
	uintptr_t sp = uc ? (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] : 0;
	struct gp_gt *t = owner(h, (uintptr_t)si->si_addr, sp);
	if (t && !t->overflow_told) {
		t->overflow_told = 1;
		say_overflow(t);
	}
	return 0; /* the program's handler, or the crash */
}

/* The OS thread's alternate signal stack: the program's if it set one, else one of ours. */
static void altstack(struct gp_hub *h)
{
	stack_t old;
	if (h->altstack || (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)))
		return;
	long ps = sysconf(_SC_PAGESIZE), min = sysconf(_SC_MINSIGSTKSZ);
	size_t size = (size_t)(4 * min > ALTSTACK_MIN ? 4 * min : ALTSTACK_MIN);
	size = (size + (size_t)ps - 1) / (size_t)ps * (size_t)ps;
	char *map = mmap(NULL, size + (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return;
	mprotect(map, (size_t)ps, PROT_NONE);
	stack_t ss = { .ss_sp = map + ps, .ss_size = size };
	if (sigaltstack(&ss, NULL) == 0) {
		h->altstack = map;
		h->altstack_size = size + (size_t)ps;
	} else {
		munmap(map, size + (size_t)ps);
	}
}

void gp_overflow_hub_gone(struct gp_hub *h)
{
	stack_t cur, off = { .ss_flags = SS_DISABLE };
	if (!h->altstack)
		return;
	if (sigaltstack(NULL, &cur) == 0 && (char *)cur.ss_sp == (char *)h->altstack + sysconf(_SC_PAGESIZE))
		sigaltstack(&off, NULL);
	munmap(h->altstack, h->altstack_size);
	h->altstack = NULL;
}

void gp_diag_spawn(struct gp_hub *h)
{
	static int claimed;
	h->diag_ready = 1;
	altstack(h);
	if (gp_config.sig_claim && !__atomic_exchange_n(&claimed, 1, __ATOMIC_ACQ_REL))
		gp_config.sig_claim(SIGSEGV, overflow_signal, GP_SIG_CHAIN, NULL);
	if (gp_config.block_ms)
		gp_monitor_start();
}
