/* Resolving the real functions: dlsym(RTLD_NEXT), or dlvsym where glibc keeps several versions
 * (pthread_cond_*: plain dlsym may hand back the 2.2.5 compatibility one). Resolution runs once,
 * early (the constructor, or the first shim called before it). dlsym may allocate (its error
 * buffer goes through calloc); should that allocation come back into a shim while the table is
 * being filled, the shim finds `resolving` set and the entry it needs may still be NULL: entries
 * are filled in manifest order and every entry any allocator path could touch (none today: no
 * allocator is interposed) must come first. */
#include <dlfcn.h>
#include "rt.h"
#include "real.h"

struct gp_real gp_real;
int gp_real_ready;
static int resolving;

static void *resolve(const char *name, const char *ver)
{
	void *p = ver ? dlvsym(RTLD_NEXT, name, ver) : NULL;
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	return p;
}

extern void *gp_real_dlsym; /* wrap.c: where the dlsym stub goes for everything but wrapped names */

/* The real dlsym comes first: every other resolution below goes through the dlsym stub. dlvsym is
 * not interposed. Not instrumented in a sanitizer build: AddressSanitizer's runtime calls dlsym
 * while it starts, before its shadow memory exists. */
GP_NO_SANITIZE static void *real_dlsym(void)
{
	void *p = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
	return p ? p : dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
}

/* The dlsym stub, when it is called before gp_real_init. */
GP_NO_SANITIZE void *gp_real_dlsym_get(void)
{
	void *p = real_dlsym();
	__atomic_store_n(&gp_real_dlsym, p, __ATOMIC_RELEASE);
	return p;
}

void gp_real_init(void)
{
	if (gp_real_ready || __atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
		return;
	gp_real_dlsym_get();
#define GP_REAL_RESOLVE(module, ret, name, params, ver) \
	*(void **)&gp_real.name = resolve(#name, ver);
	GP_MANIFEST(GP_REAL_RESOLVE)
#undef GP_REAL_RESOLVE
	__atomic_store_n(&gp_real_ready, 1, __ATOMIC_RELEASE);
}
