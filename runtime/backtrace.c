/* Backtraces of green threads, with libunwind, loaded with dlopen on first use and kept out of the
 * program's symbol scope (its _Unwind_* functions must not stand in for libgcc's). A suspended
 * thread's registers are the ones gp_ctx_switch pushed on its stack; a running thread's come from
 * a signal handler (monitor.c), and are unwound from another OS thread while that handler keeps the
 * stack still. Frames of greenpatch itself are left out: the report is about the program.
 *
 * A walk has two halves: collecting the frames (libunwind alone: no loader lock, no stdio, so a
 * thread held still in a handler can be walked whatever it was doing) and naming them (dladdr,
 * which takes the loader's lock, and the write), done once the thread may go on.
 *
 * libunwind reads /proc/self/maps and the ELF files with open and read, which reach the preload's
 * shims: whoever prints a backtrace on a hub's OS thread marks the hub (gp_diag_enter), so those
 * calls go real instead of parking inside the scheduler. */
#define UNW_LOCAL_ONLY
#include "rt.h"
#include "sys.h"
#include <dlfcn.h>
#include <link.h>
#include <libunwind.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static struct {
	int (*getcontext)(unw_context_t *);
	int (*init_local)(unw_cursor_t *, unw_context_t *);
	int (*init_local2)(unw_cursor_t *, unw_context_t *, int);
	int (*step)(unw_cursor_t *);
	int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
	int (*proc_name)(unw_cursor_t *, char *, size_t, unw_word_t *);
	int tried, ok;
	int lock;
	uintptr_t lo, hi; /* greenpatch's own code */
} u;

/* The loaded object that holds this code: its lowest and highest address. */
static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t me = (uintptr_t)find_self, lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		if (p->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + p->p_vaddr;
		lo = a < lo ? a : lo;
		hi = a + p->p_memsz > hi ? a + p->p_memsz : hi;
	}
	if (me < lo || me >= hi)
		return 0;
	u.lo = lo, u.hi = hi;
	return 1;
}

int gp_backtrace_ready(void)
{
	if (__atomic_load_n(&u.tried, __ATOMIC_ACQUIRE))
		return u.ok;
	gp_lock(&u.lock);
	if (!u.tried) {
		void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
		if (h) {
			u.getcontext = (__typeof__(u.getcontext))dlsym(h, "_Ux86_64_getcontext");
			u.init_local = (__typeof__(u.init_local))dlsym(h, "_ULx86_64_init_local");
			u.init_local2 = (__typeof__(u.init_local2))dlsym(h, "_ULx86_64_init_local2"); /* 1.3+ */
			u.step = (__typeof__(u.step))dlsym(h, "_ULx86_64_step");
			u.get_reg = (__typeof__(u.get_reg))dlsym(h, "_ULx86_64_get_reg");
			u.proc_name = (__typeof__(u.proc_name))dlsym(h, "_ULx86_64_get_proc_name");
		}
		dl_iterate_phdr(find_self, NULL);
		u.ok = u.getcontext && u.init_local && u.step && u.get_reg && u.proc_name;
		__atomic_store_n(&u.tried, 1, __ATOMIC_RELEASE);
	}
	gp_unlock(&u.lock);
	return u.ok;
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

static int ours(unw_word_t ip)
{
	return ip >= u.lo && ip < u.hi;
}

/* Frames of greenpatch are left out wherever they are: above the program's (the park, the shim),
 * between them (a shim that called the real function, or back into the program), below them (the
 * green thread's start, where the walk ends: gp_ctx_start has no caller). */
static int collect(unw_cursor_t *c, struct gp_frame *f, int max)
{
	int n = 0;
	for (int depth = 0; depth < 64 && n < max; depth++) {
		unw_word_t ip = 0, off = 0;
		u.get_reg(c, UNW_REG_IP, &ip);
		if (!ip)
			break;
		if (!ours(ip)) {
			f[n].ip = ip;
			if (u.proc_name(c, f[n].name, sizeof(f[n].name), &off) < 0)
				f[n].name[0] = 0, off = 0;
			f[n++].off = off;
		}
		if (u.step(c) <= 0)
			break;
	}
	return n;
}

void gp_backtrace_print(const struct gp_frame *f, int n, int fd, const char *indent)
{
	for (int i = 0; i < n; i++) {
		Dl_info di = { 0 };
		const char *obj = dladdr((void *)f[i].ip, &di) && di.dli_fname && *di.dli_fname ? di.dli_fname : NULL;
		const char *name = f[i].name;
		unsigned long off = f[i].off;
		if (!*name && di.dli_sname) /* libunwind found none (the vDSO): the dynamic symbol */
			name = di.dli_sname, off = f[i].ip - (uintptr_t)di.dli_saddr;
		if (obj && strrchr(obj, '/'))
			obj = strrchr(obj, '/') + 1;
		gp_say(fd, "%s#%d 0x%lx %s+0x%lx%s%s\n", indent, i, (unsigned long)f[i].ip, *name ? name : "??", off,
		       obj ? " in " : "", obj ? obj : "");
	}
	if (!n)
		gp_say(fd, "%s(no frames of the program)\n", indent);
}

static int no_libunwind(int fd, const char *indent)
{
	if (gp_backtrace_ready())
		return 0;
	if (fd >= 0)
		gp_say(fd, "%s(no backtrace: libunwind.so.8 not found)\n", indent);
	return 1;
}

void gp_backtrace(struct gp_gt *t, int fd, const char *indent)
{
	unw_context_t uc;
	unw_cursor_t c;
	struct gp_frame f[GP_FRAMES];
	if (no_libunwind(fd, indent))
		return;
	if (t)
		suspended_context(t, &uc);
	else
		u.getcontext(&uc);
	if (u.init_local(&c, &uc) == 0)
		gp_backtrace_print(f, collect(&c, f, GP_FRAMES), fd, indent);
}

int gp_backtrace_collect(const void *regs, int signal_frame, struct gp_frame *f, int max)
{
	unw_context_t uc;
	unw_cursor_t c;
	if (no_libunwind(-1, ""))
		return -1;
	memset(&uc, 0, sizeof(uc));
	memcpy(((ucontext_t *)&uc)->uc_mcontext.gregs, ((const ucontext_t *)regs)->uc_mcontext.gregs,
	       sizeof(gregset_t));
	int r = signal_frame && u.init_local2 ? u.init_local2(&c, &uc, UNW_INIT_SIGNAL_FRAME) : u.init_local(&c, &uc);
	return r == 0 ? collect(&c, f, max) : 0;
}
