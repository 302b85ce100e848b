/* Thread-specific data for green threads: a process-wide table of keys (PTHREAD_KEYS_MAX slots,
 * each with its destructor and a sequence number so a deleted-and-reused slot is not mistaken for
 * the old key) and, per green thread, a value array grown only as far as the keys it sets. */
#include "rt.h"
#include <limits.h>
#include <string.h>

#define NKEYS PTHREAD_KEYS_MAX
#define DTOR_ROUNDS 4 /* PTHREAD_DESTRUCTOR_ITERATIONS */

static struct {
	int used;
	unsigned seq; /* bumped by each delete: values set under an older key read as NULL */
	void (*dtor)(void *);
} keys[NKEYS];
static int keys_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&keys_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&keys_lock, 0, __ATOMIC_RELEASE);
}

int gp_key_create(unsigned *key, void (*dtor)(void *))
{
	lock();
	for (unsigned k = 0; k < NKEYS; k++) {
		if (!keys[k].used) {
			keys[k].used = 1;
			keys[k].dtor = dtor;
			unlock();
			*key = k;
			return 0;
		}
	}
	unlock();
	return -EAGAIN;
}

/* POSIX: deleting a key runs no destructor; values still set are simply abandoned, and read as
 * NULL should the slot be reused by a new key (its generation differs). */
int gp_key_delete(unsigned key)
{
	if (key >= NKEYS || !keys[key].used)
		return -EINVAL;
	lock();
	keys[key].used = 0;
	keys[key].dtor = NULL;
	keys[key].seq++;
	unlock();
	return 0;
}

void *gp_key_get(unsigned key)
{
	struct gp_gt *t = gp_self();
	if (key >= t->nkeys || t->keyseq[key] != __atomic_load_n(&keys[key].seq, __ATOMIC_RELAXED))
		return NULL;
	return t->keys[key];
}

static int grow(struct gp_gt *t, unsigned key)
{
	unsigned n = key < 8 ? 8 : key + 1 + key / 2;
	if (n > NKEYS)
		n = NKEYS;
	void **nk = realloc(t->keys, n * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	t->keys = nk;
	unsigned *ns = realloc(t->keyseq, n * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	t->keyseq = ns;
	memset(nk + t->nkeys, 0, (n - t->nkeys) * sizeof(*nk));
	memset(ns + t->nkeys, 0, (n - t->nkeys) * sizeof(*ns));
	t->nkeys = n;
	return 0;
}

int gp_key_set(unsigned key, const void *v)
{
	if (key >= NKEYS || !keys[key].used)
		return -EINVAL;
	struct gp_gt *t = gp_self();
	int r = key < t->nkeys ? 0 : grow(t, key);
	if (r)
		return r;
	t->keys[key] = (void *)v;
	t->keyseq[key] = __atomic_load_n(&keys[key].seq, __ATOMIC_RELAXED);
	return 0;
}

/* At thread exit: call each destructor whose value is non-NULL (value cleared first), in rounds,
 * as long as destructors set new values, at most DTOR_ROUNDS times. */
void gp_key_run_dtors(struct gp_gt *t)
{
	for (int round = 0; round < DTOR_ROUNDS; round++) {
		int again = 0;
		for (unsigned k = 0; k < t->nkeys; k++) {
			void *v = t->keys[k];
			void (*d)(void *) = keys[k].dtor;
			if (!v || !d || t->keyseq[k] != keys[k].seq)
				continue;
			t->keys[k] = NULL;
			d(v);
			again = 1;
		}
		if (!again)
			break;
	}
}
