/* GREENPATCH_TPOOL_WRAP: eventlet's tpool.Proxy for C libraries that make their own syscalls
 * (database clients, vendor SDKs). Every call of a named function, from the program or from any
 * library, runs on the tpool while the calling green thread waits and the others run.
 *
 * Each name gets a libffi closure with the signature given; the closure makes the real call on a
 * pool thread (ffi_call there), or in place when the caller has nobody to give way to (alone on
 * its hub, a native thread, a pool thread: no self-deadlock). Calls are caught where they go
 * through a table the dynamic linker filled:
 * - the GOT slots (R_X86_64_JUMP_SLOT: PLT calls; R_X86_64_GLOB_DAT: addresses taken) of every
 *   loaded object, rewritten at start, and for objects loaded later at the next dlsym or within
 *   100 ms (the hub's housekeeping): dlopen itself is not interposed, because glibc resolves a
 *   dlopen's search path and namespace from its caller's address;
 * - dlsym of a wrapped name returns the closure (preload/dlsym-x86_64.S: a stub that keeps the
 *   caller's return address for the real dlsym, which RTLD_NEXT needs).
 * A call a library makes to its own function without the PLT (a hidden or static one) is not
 * seen. A name no loaded object defines is reported once; the program runs on. */
#include <dlfcn.h>
#include <elf.h>
#include <ffi.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rt.h"
#include "config.h"
#include "flags.h"
#include "real.h"

struct wrap {
	const struct gp_wrap_spec *spec;
	ffi_cif cif;
	ffi_type *args[GP_WRAP_ARGS];
	ffi_closure *closure;
	void *code;         /* the closure's entry: what the GOTs and dlsym give out */
	void (*real)(void); /* the function itself, once some object defines it */
	int told;           /* "not defined" was said */
};

static struct wrap wraps[GP_WRAP_MAX];
static int nwraps;
static unsigned long long seen_adds; /* dl_iterate_phdr's load count at the last scan */
void *gp_real_dlsym;                  /* read by the dlsym stub */

static ffi_type *type_of(char c)
{
	switch (c) {
	case 'v': return &ffi_type_void;
	case 'i': return &ffi_type_sint;
	case 'I': return &ffi_type_uint;
	case 'l': return &ffi_type_slong;
	case 'L': return &ffi_type_ulong;
	case 'z': return &ffi_type_ulong; /* size_t on x86-64 */
	case 'p': return &ffi_type_pointer;
	case 'd': return &ffi_type_double;
	case 'f': return &ffi_type_float;
	}
	return NULL;
}

static long call_job(struct gp_job *j)
{
	struct wrap *w = (struct wrap *)j->a[0];
	ffi_call(&w->cif, w->real, (void *)j->a[1], (void **)j->a[2]);
	return 0;
}

static void resolve(struct wrap *w)
{
	void *(*real_dlsym)(void *, const char *) = (void *(*)(void *, const char *))gp_real_dlsym;
	if (!w->real && real_dlsym)
		w->real = (void (*)(void))real_dlsym(RTLD_DEFAULT, w->spec->name);
}

/* The closure's body: the real call, on the pool when the caller can give way. */
static void on_call(ffi_cif *cif, void *ret, void **args, void *data)
{
	struct wrap *w = data;
	resolve(w);
	if (!w->real) {
		gp_panic("GREENPATCH_TPOOL_WRAP: %s was called but no object defines it", w->spec->name);
	}
	struct gp_hub *h = gp_hub_peek();
	if (!gp_inited || !h || (h->nthreads == 1 && !h->rq_head) || gp_tpool_in_worker()) {
		ffi_call(cif, w->real, ret, args);
		return;
	}
	struct gp_job j = { .fn = call_job, .a = { (long)w, (long)ret, (long)args }, .carry = GP_JOB_ERRNO };
	gp_tpool_run(&j);
}

static struct wrap *find(const char *name)
{
	for (int i = 0; i < nwraps; i++)
		if (!strcmp(wraps[i].spec->name, name))
			return &wraps[i];
	return NULL;
}

/* ---- rewriting GOT slots ---- */

struct object {
	ElfW(Addr) base;
	const ElfW(Sym) *symtab;
	const char *strtab;
	ElfW(Addr) relro, relro_end;
};

/* Write the closure into one GOT slot, unprotecting a RELRO page for the moment. */
static void patch_slot(const struct object *o, void **slot, void *code)
{
	if (*slot == code)
		return;
	uintptr_t page = (uintptr_t)slot & ~(uintptr_t)(getpagesize() - 1);
	int ro = (ElfW(Addr))slot >= o->relro && (ElfW(Addr))slot < o->relro_end;
	if (ro && mprotect((void *)page, (size_t)getpagesize(), PROT_READ | PROT_WRITE) != 0)
		return;
	__atomic_store_n(slot, code, __ATOMIC_RELEASE);
	if (ro)
		mprotect((void *)page, (size_t)getpagesize(), PROT_READ);
}

static void patch_relocs(const struct object *o, const ElfW(Rela) *r, size_t bytes)
{
	for (size_t i = 0; r && i < bytes / sizeof(*r); i++) {
		unsigned type = ELF64_R_TYPE(r[i].r_info), sym = ELF64_R_SYM(r[i].r_info);
		if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !sym)
			continue;
		struct wrap *w = find(o->strtab + o->symtab[sym].st_name);
		if (w)
			patch_slot(o, (void **)(o->base + r[i].r_offset), w->code);
	}
}

/* Dynamic-section addresses are already relocated by glibc except in the vDSO; skip oddities. */
static ElfW(Addr) dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) v)
{
	return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *mine)
{
	const ElfW(Dyn) *dyn = NULL;
	struct object o = { .base = info->dlpi_addr };
	if (!info->dlpi_name || strstr(info->dlpi_name, "linux-vdso"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		else if (ph->p_type == PT_GNU_RELRO)
			o.relro = info->dlpi_addr + ph->p_vaddr, o.relro_end = o.relro + ph->p_memsz;
	}
	if (!dyn || (void *)dyn == mine)
		return 0;
	const ElfW(Rela) *jmprel = NULL, *rela = NULL;
	size_t jmpsz = 0, relasz = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: o.symtab = (const ElfW(Sym) *)dyn_addr(info, dyn->d_un.d_ptr); break;
		case DT_STRTAB: o.strtab = (const char *)dyn_addr(info, dyn->d_un.d_ptr); break;
		case DT_JMPREL: jmprel = (const ElfW(Rela) *)dyn_addr(info, dyn->d_un.d_ptr); break;
		case DT_PLTRELSZ: jmpsz = dyn->d_un.d_val; break;
		case DT_RELA: rela = (const ElfW(Rela) *)dyn_addr(info, dyn->d_un.d_ptr); break;
		case DT_RELASZ: relasz = dyn->d_un.d_val; break;
		}
	}
	if (!o.symtab || !o.strtab)
		return 0;
	patch_relocs(&o, jmprel, jmpsz);
	patch_relocs(&o, rela, relasz);
	return 0;
}

static int count_adds(struct dl_phdr_info *info, size_t size, void *out)
{
	*(unsigned long long *)out = info->dlpi_adds;
	return 1; /* the count is the same in every record */
}

/* Our own dynamic section: the object whose GOT is never rewritten. */
extern ElfW(Dyn) _DYNAMIC[];

static void rescan(void)
{
	unsigned long long adds = 0;
	dl_iterate_phdr(count_adds, &adds);
	if (adds == __atomic_load_n(&seen_adds, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&seen_adds, adds, __ATOMIC_RELEASE);
	dl_iterate_phdr(scan_object, _DYNAMIC);
	for (int i = 0; i < nwraps; i++)
		resolve(&wraps[i]);
}

/* The hub's housekeeping: objects dlopen'ed since the last scan. */
static void housekeeping(void)
{
	rescan();
}

/* ---- dlsym ---- */

static void *wrap_lookup(const char *name)
{
	rescan(); /* a program's dlsym usually follows the dlopen of what it looks into */
	struct wrap *w = find(name);
	return w ? w->code : NULL;
}

/* Called by the dlsym stub first: the closure for a wrapped name, else NULL (the real dlsym). Not
 * instrumented, as real_dlsym (real.c): it may run before a sanitizer's runtime has started. */
GP_NO_SANITIZE void *gp_wrap_lookup(const char *name)
{
	if (!__atomic_load_n(&nwraps, __ATOMIC_RELAXED) || !name)
		return NULL;
	return wrap_lookup(name);
}

static int make_closure(struct wrap *w)
{
	const struct gp_wrap_spec *s = w->spec;
	int n = (int)strlen(s->args);
	for (int i = 0; i < n; i++)
		w->args[i] = type_of(s->args[i]);
	if (ffi_prep_cif(&w->cif, FFI_DEFAULT_ABI, (unsigned)n, type_of(s->ret), w->args) != FFI_OK)
		return -1;
	w->closure = ffi_closure_alloc(sizeof(ffi_closure), &w->code);
	if (!w->closure)
		return -1;
	return ffi_prep_closure_loc(w->closure, &w->cif, on_call, w, w->code) == FFI_OK ? 0 : -1;
}

/* At start (gp_init, after the real table): closures, the first scan, the report of names no
 * object defines. */
void gp_wrap_init(void)
{
	for (int i = 0; i < gp_nwraps; i++) {
		struct wrap *w = &wraps[nwraps];
		w->spec = &gp_wraps[i];
		if (make_closure(w) < 0) {
			gp_log("greenpatch: GREENPATCH_TPOOL_WRAP: cannot make a call wrapper for %s", w->spec->name);
			continue;
		}
		nwraps++;
	}
	if (!nwraps)
		return;
	rescan();
	for (int i = 0; i < nwraps; i++) {
		if (!wraps[i].real && !wraps[i].told) {
			wraps[i].told = 1;
			gp_log("greenpatch: GREENPATCH_TPOOL_WRAP: no loaded object defines %s (its calls are wrapped "
			       "if a library loaded later does)", wraps[i].spec->name);
		}
	}
	gp_config.housekeeping = housekeeping;
}
