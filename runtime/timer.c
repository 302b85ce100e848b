/* Timers: a binary min-heap of deadlines per hub. Each armed timer knows its heap index, so a
 * wait that ends early (its fd became ready) disarms in O(log n). The heap holds each deadline
 * beside its pointer: with 100,000 sleepers the timers sit on 100,000 different stacks, and
 * comparing without following the pointers keeps the sift in cache. A green thread has one timer,
 * embedded in it: it waits for one thing at a time. */
#include "rt.h"

static int before(struct gp_heap_slot a, struct gp_heap_slot b)
{
	return a.when < b.when;
}

static void place(struct gp_hub *h, size_t i, struct gp_heap_slot s)
{
	h->heap[i] = s;
	s.t->idx = i;
}

static void sift_up(struct gp_hub *h, size_t i)
{
	struct gp_heap_slot t = h->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(t, h->heap[p]))
			break;
		place(h, i, h->heap[p]);
		i = p;
	}
	place(h, i, t);
}

static void sift_down(struct gp_hub *h, size_t i)
{
	struct gp_heap_slot t = h->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->nheap)
			break;
		if (c + 1 < h->nheap && before(h->heap[c + 1], h->heap[c]))
			c++;
		if (!before(h->heap[c], t))
			break;
		place(h, i, h->heap[c]);
		i = c;
	}
	place(h, i, t);
}

void gp_timer_arm(struct gp_hub *h, struct gp_timer *t, uint64_t when)
{
	gp_assert(t->idx == SIZE_MAX);
	if (h->nheap == h->capheap) {
		size_t cap = h->capheap ? 2 * h->capheap : 64;
		struct gp_heap_slot *heap = realloc(h->heap, cap * sizeof(*heap));
		if (!heap)
			gp_panic("out of memory growing the timer heap");
		h->heap = heap;
		h->capheap = cap;
	}
	t->when = when;
	place(h, h->nheap++, (struct gp_heap_slot){ when, t });
	sift_up(h, t->idx);
}

void gp_timer_disarm(struct gp_hub *h, struct gp_timer *t)
{
	size_t i = t->idx;
	gp_assert(i < h->nheap && h->heap[i].t == t);
	t->idx = SIZE_MAX;
	struct gp_heap_slot last = h->heap[--h->nheap];
	if (last.t == t)
		return;
	place(h, i, last);
	sift_down(h, i);
	sift_up(h, last.t->idx);
}

uint64_t gp_timer_next(struct gp_hub *h)
{
	return h->nheap ? h->heap[0].when : GP_NEVER;
}

void gp_timer_run(struct gp_hub *h, uint64_t now)
{
	while (h->nheap && h->heap[0].when <= now) {
		struct gp_timer *t = h->heap[0].t;
		gp_timer_disarm(h, t);
		t->fire(t);
	}
}

uint64_t gp_deadline_in(uint64_t rel_ns)
{
	uint64_t now = gp_now();
	return rel_ns >= GP_NEVER - now ? GP_NEVER : now + rel_ns;
}

uint64_t gp_deadline_at(clockid_t clock, const struct timespec *abs)
{
	struct timespec now;
	clock_gettime(clock, &now);
	if (abs->tv_sec < 0)
		return gp_now();
	if ((uint64_t)abs->tv_sec >= GP_NEVER / GP_NS - 1) /* beyond 2554: "never", not a wrap-around */
		return GP_NEVER;
	uint64_t a = gp_ts_ns(abs), n = gp_ts_ns(&now);
	return a <= n ? gp_now() : gp_deadline_in(a - n);
}
