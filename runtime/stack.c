/* Green stacks: one anonymous mapping each, the guard at the low end installed with
 * MADV_GUARD_INSTALL where the kernel has it (Linux 6.13+: the guard is a page-table marker, so
 * the mapping is not split and adjacent stacks merge into one VMA: 100,000 stacks fit under
 * vm.max_map_count), else with mprotect (two VMAs a stack). Freed stacks of the default size are
 * pooled for reuse, so create+join costs no syscall. Pages stay lazily allocated: a thread pays
 * only for the stack it touches.
 *
 * Every stack is registered with Valgrind (a client request: a few no-op instructions natively,
 * and only when a mapping is made or unmade), so that memcheck takes a switch to it for a stack
 * switch, not for a wild jump of the stack pointer. */
#include "rt.h"
#include <sys/mman.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

struct gp_config gp_config = { .stack_size = 256 * 1024, .pool_max = 1024, .deadlock = 1, .tpool_size = 20 };

struct pooled {
	struct pooled *next;
	struct gp_stack st;
};

static struct {
	int lock;
	struct pooled *head;
	size_t n;
	int guard_mode; /* 0 unknown, 1 madvise, 2 mprotect */
} pool;

static size_t page_size(void)
{
	static size_t ps;
	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static void pool_lock(void)
{
	while (__atomic_exchange_n(&pool.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void pool_unlock(void)
{
	__atomic_store_n(&pool.lock, 0, __ATOMIC_RELEASE);
}

static int install_guard(void *map, size_t guard)
{
	if (!guard)
		return 0;
	if (pool.guard_mode != 2) {
		if (madvise(map, guard, MADV_GUARD_INSTALL) == 0) {
			pool.guard_mode = 1;
			return 0;
		}
		pool.guard_mode = 2;
	}
	return mprotect(map, guard, PROT_NONE);
}

static int pool_take(struct gp_stack *s, size_t size, size_t guard)
{
	int found = 0;
	pool_lock();
	struct pooled **pp = &pool.head;
	if (*pp && (*pp)->st.size == size && (*pp)->st.guard == guard) {
		struct pooled *p = *pp;
		*pp = p->next;
		pool.n--;
		*s = p->st;
		found = 1;
	}
	pool_unlock();
	return found;
}

int gp_stack_get(struct gp_stack *s, size_t size, size_t guard)
{
	size_t ps = page_size();
	size = round_up(size < 16384 ? 16384 : size, ps);
	guard = guard == SIZE_MAX ? ps : round_up(guard, ps);
	if (pool_take(s, size, guard))
		return 0;
	void *map = mmap(NULL, size + guard, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (install_guard(map, guard) < 0) {
		int e = errno;
		munmap(map, size + guard);
		return -e;
	}
	*s = (struct gp_stack){ .map = map, .size = size, .guard = guard };
	s->vg_id = VALGRIND_STACK_REGISTER((char *)map + guard, (char *)map + guard + size);
	return 0;
}

void gp_stack_user(struct gp_stack *s, void *addr, size_t size)
{
	*s = (struct gp_stack){ .map = addr, .size = size, .user = 1 };
	s->vg_id = VALGRIND_STACK_REGISTER(addr, (char *)addr + size);
}

static void unmap(struct gp_stack *s)
{
	VALGRIND_STACK_DEREGISTER(s->vg_id);
	munmap(s->map, s->size + s->guard);
}

/* The pool keeps stacks of the default size only (the common case, and what makes reuse hit). The
 * pooled record lives in the stack's own top bytes. A put never unmaps: munmap of one stack in the
 * middle of the merged stack VMA costs several microseconds, so the excess beyond pool_max is
 * trimmed by gp_stack_trim when the hub is about to sleep anyway. */
void gp_stack_put(struct gp_stack *s)
{
	if (!s->map)
		return;
	if (s->user) {
		VALGRIND_STACK_DEREGISTER(s->vg_id);
		return;
	}
	size_t dflt = round_up(gp_config.stack_size + sizeof(struct gp_gt) + 64, page_size());
	if (s->size != dflt || s->guard != page_size()) {
		unmap(s);
		return;
	}
	struct pooled *p = (struct pooled *)((char *)s->map + s->guard + s->size) - 1;
	p->st = *s;
	pool_lock();
	p->next = pool.head;
	pool.head = p;
	pool.n++;
	pool_unlock();
}

int gp_stack_trim(unsigned most)
{
	unsigned done = 0;
	while (done < most && pool.n > gp_config.pool_max) {
		pool_lock();
		struct pooled *p = pool.n > gp_config.pool_max ? pool.head : NULL;
		if (p) {
			pool.head = p->next;
			pool.n--;
		}
		pool_unlock();
		if (!p)
			break;
		struct gp_stack st = p->st;
		unmap(&st);
		done++;
	}
	return pool.n > gp_config.pool_max;
}

/* Lay out a new thread's stack so that the first switch to it "returns" into gp_ctx_start with
 * r12 = entry, r13 = arg, and the creator's MXCSR/x87 control words: POSIX has a new thread inherit
 * the floating-point environment of the thread that created it (see arch/switch-x86_64.S). */
void gp_ctx_start(void);
void gp_ctx_init(struct gp_gt *t, void (*entry)(void *), void *arg)
{
	uintptr_t top = (uintptr_t)t & ~(uintptr_t)15; /* the struct sits just above; after the
							    * first switch rsp == top, aligned for the call */
	uint64_t *sp = (uint64_t *)top;
	*--sp = (uint64_t)gp_ctx_start;  /* return address of the switch */
	*--sp = 0;                       /* rbp */
	*--sp = 0;                       /* rbx */
	*--sp = (uint64_t)entry;         /* r12 */
	*--sp = (uint64_t)arg;           /* r13 */
	*--sp = 0;                       /* r14 */
	*--sp = 0;                       /* r15 */
	uint32_t mxcsr;
	uint16_t fpucw;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fpucw));
	*--sp = mxcsr | ((uint64_t)fpucw << 32);
	t->sp = sp;
}
