/* Futex waits of green threads: syscall(SYS_futex, FUTEX_WAIT...) is how libstdc++ implements
 * std::atomic::wait, std::counting_semaphore, std::latch, std::barrier and std::future. A green
 * thread must not wait in the kernel (its hub would stop), so it parks in a process-wide table of
 * queues hashed by address, as the kernel's own futex table does. The value check and the
 * queueing happen under the bucket's lock, and a wake takes that lock too, so no wake-up between
 * "the value is still val" and "queued" can be lost. The shim also passes every wake on to the
 * kernel for native threads waiting there. */
#include "rt.h"

#define NBUCKETS 256

static struct bucket {
	int lock;
	struct gp_wq q;
} buckets[NBUCKETS];

static struct bucket *bucket_of(const uint32_t *addr)
{
	uintptr_t a = (uintptr_t)addr;
	return &buckets[((a >> 2) ^ (a >> 12)) % NBUCKETS];
}

int gp_futex_wait(const uint32_t *addr, uint32_t val, uint32_t bits, uint64_t deadline)
{
	struct bucket *b = bucket_of(addr);
	gp_lock(&b->lock);
	if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != val) {
		gp_unlock(&b->lock);
		return -EAGAIN;
	}
	return gp_wait_locked(&b->q, &b->lock, (int)bits, deadline, GP_INTR_RESTART, "futex", addr);
}

int gp_futex_wake(const uint32_t *addr, int n, uint32_t bits)
{
	struct bucket *b = bucket_of(addr);
	struct gp_waiter *chain = NULL, **tail = &chain;
	int woken = 0;
	gp_lock(&b->lock);
	for (struct gp_waiter *w = b->q.head, *next; w && woken < n; w = next) {
		next = w->next;
		if (w->key != addr || !((uint32_t)w->tag & bits))
			continue;
		gp_wq_unlink(w);
		w->inbox_next = NULL;
		*tail = w;
		tail = &w->inbox_next;
		woken++;
	}
	gp_unlock(&b->lock);
	while (chain) {
		struct gp_waiter *next = chain->inbox_next;
		gp_wake(chain, 0, 0);
		chain = next;
	}
	return woken;
}

void gp_futex_atfork_child(void)
{
	for (int i = 0; i < NBUCKETS; i++)
		buckets[i] = (struct bucket){ 0 };
}
