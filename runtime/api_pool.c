/* GreenPool, its imap, and GreenPile. A pool counts its running green threads; a spawn waits
 * (parks) while the count is at the size. Every pool thread runs a trampoline whose cleanup,
 * however the function ends (return, raise, kill), gives the slot back and wakes who waits for
 * one. imap runs a feeder green thread that spawns each input through the pool; results land in
 * slots in input order. A pile keeps the handles of its jobs in spawn order and waits for them
 * one by one. Hub-local objects: no locks. */
#include "api.h"
#include <string.h>

struct greenpatch_pool {
	int size, running;
	struct gp_wq spawners; /* spawns waiting for a slot */
	struct gp_wq idle;     /* waitall callers */
};

GP_EXPORT int greenpatch_pool_new(greenpatch_pool **p, int size)
{
	if (size < 1)
		return gp_api_fail(EINVAL);
	if (!(*p = calloc(1, sizeof(**p))))
		return gp_api_fail(ENOMEM);
	(*p)->size = size;
	return 0;
}

struct job {
	greenpatch_pool *pool;
	void *(*fn)(void *);
	void *arg;
};

static void job_done(struct job **jp)
{
	struct job *j = *jp;
	greenpatch_pool *p = j->pool;
	free(j);
	p->running--;
	if (p->running < p->size)
		gp_wq_wake_one(&p->spawners, 0);
	if (!p->running)
		gp_wq_wake_all(&p->idle, 0);
}

static void *job_run(void *arg)
{
	struct job *j __attribute__((cleanup(job_done))) = arg;
	return j->fn(j->arg);
}

GP_EXPORT int greenpatch_pool_spawn(greenpatch_pool *p, greenpatch_thread **t, void *(*fn)(void *), void *arg)
{
	while (p->running >= p->size)
		if (gp_api_wait(&p->spawners) < 0)
			return -1;
	struct job *j = malloc(sizeof(*j));
	if (!j)
		return gp_api_fail(ENOMEM);
	*j = (struct job){ p, fn, arg };
	p->running++;
	int r = t ? greenpatch_spawn(t, job_run, j) : greenpatch_spawn_n(job_run, j);
	if (r < 0) {
		p->running--;
		free(j);
	}
	if (p->running < p->size) /* a resize may have left room for more waiting spawns */
		gp_wq_wake_one(&p->spawners, 0);
	return r;
}

GP_EXPORT int greenpatch_pool_waitall(greenpatch_pool *p)
{
	while (p->running)
		if (gp_api_wait(&p->idle) < 0)
			return -1;
	return 0;
}

GP_EXPORT int greenpatch_pool_running(const greenpatch_pool *p)
{
	return p->running;
}

GP_EXPORT int greenpatch_pool_free(const greenpatch_pool *p)
{
	return p->size > p->running ? p->size - p->running : 0;
}

GP_EXPORT int greenpatch_pool_resize(greenpatch_pool *p, int size)
{
	if (size < 1)
		return gp_api_fail(EINVAL);
	p->size = size;
	for (int n = greenpatch_pool_free(p); n > 0 && gp_wq_wake_one(&p->spawners, 0); n--)
		;
	return 0;
}

GP_EXPORT int greenpatch_pool_destroy(greenpatch_pool *p)
{
	if (greenpatch_pool_waitall(p) < 0)
		return -1;
	free(p);
	return 0;
}

/* ---- imap ---- */

struct slot {
	void *result;
	int err;
	int done;
};

struct greenpatch_imap {
	greenpatch_pool *pool;
	void *(*fn)(void *);
	void *const *inputs;
	size_t n, next;      /* inputs, and the next to hand out */
	struct slot *slots;
	struct gp_wq readers; /* imap_next waiting for its slot */
	int live;            /* the feeder and the calls not finished */
	struct gp_wq idle;
};

struct call {
	greenpatch_imap *it;
	size_t i;
};

static void call_done(struct call **cp)
{
	struct call *c = *cp;
	greenpatch_imap *it = c->it;
	struct slot *s = &it->slots[c->i];
	if (!s->done)
		s->err = gp_self()->exit_err ? gp_self()->exit_err : ECANCELED; /* raised or killed */
	s->done = 1;
	free(c);
	gp_wq_wake_all(&it->readers, 0);
	if (!--it->live)
		gp_wq_wake_all(&it->idle, 0);
}

static void *call_run(void *arg)
{
	struct call *c __attribute__((cleanup(call_done))) = arg;
	struct slot *s = &c->it->slots[c->i];
	s->result = c->it->fn(c->it->inputs[c->i]);
	s->done = 1;
	return NULL;
}

static void *feed(void *arg)
{
	greenpatch_imap *it = arg;
	for (size_t i = 0; i < it->n; i++) {
		struct call *c = malloc(sizeof(*c));
		if (c)
			*c = (struct call){ it, i };
		it->live++;
		if (!c || greenpatch_pool_spawn(it->pool, NULL, call_run, c) < 0) {
			free(c);
			it->slots[i] = (struct slot){ .err = ENOMEM, .done = 1 };
			it->live--;
		}
	}
	if (!--it->live)
		gp_wq_wake_all(&it->idle, 0);
	gp_wq_wake_all(&it->readers, 0);
	return NULL;
}

GP_EXPORT int greenpatch_pool_imap(greenpatch_pool *p, greenpatch_imap **out, void *(*fn)(void *),
				   void *const *inputs, size_t n)
{
	greenpatch_imap *it = calloc(1, sizeof(*it));
	struct slot *slots = calloc(n ? n : 1, sizeof(*slots));
	if (!it || !slots) {
		free(it), free(slots);
		return gp_api_fail(ENOMEM);
	}
	*it = (greenpatch_imap){ .pool = p, .fn = fn, .inputs = inputs, .n = n, .slots = slots, .live = 1 };
	if (greenpatch_spawn_n(feed, it) < 0) {
		free(it->slots);
		free(it);
		return -1;
	}
	*out = it;
	return 0;
}

GP_EXPORT int greenpatch_imap_next(greenpatch_imap *it, void **result)
{
	if (it->next >= it->n)
		return 0;
	struct slot *s = &it->slots[it->next];
	while (!s->done)
		if (gp_api_wait(&it->readers) < 0)
			return -1;
	it->next++;
	if (s->err)
		return gp_api_fail(s->err);
	*result = s->result;
	return 1;
}

GP_EXPORT int greenpatch_imap_free(greenpatch_imap *it)
{
	while (it->live)
		if (gp_api_wait(&it->idle) < 0)
			return -1;
	free(it->slots);
	free(it);
	return 0;
}

/* ---- GreenPile ---- */

struct greenpatch_pile {
	greenpatch_pool *pool;
	int own_pool;
	greenpatch_thread **jobs;
	size_t n, cap, next;
};

GP_EXPORT int greenpatch_pile_new(greenpatch_pile **out, greenpatch_pool *p, int size)
{
	greenpatch_pile *pile = calloc(1, sizeof(*pile));
	int own = !p;
	if (!pile)
		return gp_api_fail(ENOMEM);
	if (own && greenpatch_pool_new(&p, size) < 0) {
		free(pile);
		return -1;
	}
	pile->pool = p;
	pile->own_pool = own;
	*out = pile;
	return 0;
}

GP_EXPORT int greenpatch_pile_spawn(greenpatch_pile *pile, void *(*fn)(void *), void *arg)
{
	if (pile->n == pile->cap) {
		size_t cap = pile->cap ? 2 * pile->cap : 16;
		greenpatch_thread **j = realloc(pile->jobs, cap * sizeof(*j));
		if (!j)
			return gp_api_fail(ENOMEM);
		pile->jobs = j;
		pile->cap = cap;
	}
	if (greenpatch_pool_spawn(pile->pool, &pile->jobs[pile->n], fn, arg) < 0)
		return -1;
	pile->n++;
	return 0;
}

/* Wait for the oldest job not read yet: the job's result and error, or the wait's own -errno
 * (a timeout of the reader's), in which case the job stays for the next call. */
static long pile_take(greenpatch_pile *pile, void **r, int *err)
{
	long w = gp_join_ex((struct gp_gt *)pile->jobs[pile->next], r, GP_NEVER, err);
	if (w == 0)
		pile->next++;
	return w;
}

GP_EXPORT int greenpatch_pile_next(greenpatch_pile *pile, void **result)
{
	if (pile->next >= pile->n)
		return 0;
	void *r = NULL;
	int err = 0;
	long w = pile_take(pile, &r, &err);
	if (w < 0)
		return (int)gp_api_ret(w);
	if (err)
		return gp_api_fail(err); /* the job's error */
	*result = r;
	return 1;
}

GP_EXPORT int greenpatch_pile_free(greenpatch_pile *pile)
{
	void *r;
	int err;
	while (pile->next < pile->n) {
		long w = pile_take(pile, &r, &err); /* a job's error goes with it */
		if (w < 0)
			return (int)gp_api_ret(w);
	}
	if (pile->own_pool && greenpatch_pool_destroy(pile->pool) < 0)
		return -1;
	free(pile->jobs);
	free(pile);
	return 0;
}
