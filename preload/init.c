/* The .so's start: parse the environment, resolve the real functions, install the fork handler,
 * lend the runtime the preload's signal table and claim GREENPATCH_DUMP_SIGNAL. Runs from the
 * constructor, or earlier from the first shim another library's constructor calls, so that every
 * interposed call sees one consistent configuration from the very first. It also notes where the
 * sanitizer runtimes' code is (see gp_from_sanitizer). The stats are printed
 * by the destructor: after the program's atexit handlers and its libraries' destructors. */
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt.h"
#include "sys.h"
#include "flags.h"
#include "real.h"
#include "greenpatch.h"

_Static_assert(GP_M_OS == GREENPATCH_MOD_OS && GP_M_SELECT == GREENPATCH_MOD_SELECT &&
		       GP_M_SOCKET == GREENPATCH_MOD_SOCKET && GP_M_THREAD == GREENPATCH_MOD_THREAD &&
		       GP_M_TIME == GREENPATCH_MOD_TIME, "public module bits");

unsigned gp_mods;
int gp_inited;
struct gp_range gp_sanitizers[GP_SANITIZERS];

/* The sanitizer runtimes loaded (libasan, libtsan, liblsan, libubsan): their code's range. */
static int find_sanitizers(struct dl_phdr_info *info, size_t size, void *arg)
{
	static const char *const names[] = { "/libasan.so", "/libtsan.so", "/liblsan.so", "/libubsan.so" };
	int *n = arg, known = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		known |= info->dlpi_name && strstr(info->dlpi_name, names[i]) != NULL;
	if (!known || *n == GP_SANITIZERS)
		return 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X)) {
			uintptr_t a = info->dlpi_addr + p->p_vaddr;
			lo = a < lo ? a : lo;
			hi = a + p->p_memsz > hi ? a + p->p_memsz : hi;
		}
	}
	gp_sanitizers[(*n)++] = (struct gp_range){ lo, hi };
	return 0;
}

static unsigned long real_self(void)
{
	return (unsigned long)REAL(pthread_self)();
}

static void atfork_child(void)
{
	gp_hub_atfork_child();
	gp_proc_atfork_child();
}

void gp_init(void)
{
	static int started;
	if (gp_inited || __atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
		return;
	char err[512];
	unsigned mods = 0;
	if (gp_flags_parse(secure_getenv, &mods, err, sizeof(err)) < 0) {
		size_t n = strlen(err);
		err[n] = '\n';
		gp_sys_write(2, err, n + 1);
		_exit(2);
	}
	gp_real_init();
	int nsan = 0;
	dl_iterate_phdr(find_sanitizers, &nsan);
	void gp_wrap_init(void);
	gp_wrap_init();
	gp_config.os_thread = real_self;
	gp_config.thread_create = gp_real.pthread_create;
	gp_config.sig_claim = gp_sig_claim;
	gp_config.sig_program_has = gp_sig_program_has;
	pthread_atfork(NULL, NULL, atfork_child);
	gp_mods = mods;
	__atomic_store_n(&gp_inited, 1, __ATOMIC_RELEASE);
	/* The starting thread's hub now, not at its first green call: that call may come from a
	 * signal handler, whose mask (sa_mask and the signal) would pass for the thread's own. */
	if (mods)
		(void)gp_hub();
	if (mods && gp_config.dump_sig)
		gp_sig_claim(gp_config.dump_sig, gp_dump_signal, GP_SIG_YIELD, "GREENPATCH_DUMP_SIGNAL");
}

__attribute__((constructor(101))) static void gp_ctor(void)
{
	gp_init();
}

__attribute__((destructor(101))) static void gp_dtor(void)
{
	if (!gp_mods)
		return;
	gp_monitor_exit();
	if (gp_config.stats)
		gp_stats_print(2);
}

GP_EXPORT const char *greenpatch_version(void)
{
	return GREENPATCH_VERSION;
}

GP_EXPORT unsigned greenpatch_patched(void)
{
	gp_init();
	return gp_mods;
}
