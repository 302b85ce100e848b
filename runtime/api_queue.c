/* Queues (eventlet.queue): unbounded, bounded, and the rendezvous channel (maxsize 0). Items are
 * handed over directly where someone waits: a put with a getter waiting gives it the item; a get
 * from a full bounded queue moves the first waiting putter's item in; on a channel every item
 * goes from a putter to a getter. A waiter's item travels in its waiter record (the tag and key
 * of the runtime's gp_waiter hold the slot's address). FIFO on both sides. Hub-local: no locks. */
#include "api.h"

struct greenpatch_queue {
	int maxsize;  /* < 0 unbounded */
	void **ring;  /* the buffered items */
	int cap, head, count;
	struct gp_wq getters, putters;
	int ngetters, nputters;
};

GP_EXPORT int greenpatch_queue_new(greenpatch_queue **out, int maxsize)
{
	greenpatch_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return gp_api_fail(ENOMEM);
	q->maxsize = maxsize;
	*out = q;
	return 0;
}

static int push(greenpatch_queue *q, void *item)
{
	if (q->count == q->cap) {
		int cap = q->cap ? 2 * q->cap : 16;
		void **r = malloc((size_t)cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		for (int i = 0; i < q->count; i++)
			r[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = r;
		q->cap = cap;
		q->head = 0;
	}
	q->ring[(q->head + q->count++) % q->cap] = item;
	return 0;
}

static void *pop(greenpatch_queue *q)
{
	void *item = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return item;
}

static int has_room(const greenpatch_queue *q)
{
	return q->maxsize < 0 || q->count < q->maxsize;
}

/* The slot a waiter's item travels in (set on its queueing, see wait_item). */
static void **slot_of(struct gp_waiter *w)
{
	return (void **)w->key;
}

/* Park on wq with the item slot; 0 when the hand-over happened, else the wait's error. */
static int wait_item(struct gp_wq *wq, int *count, void **slot, uint64_t deadline, const char *what)
{
	struct gp_gt *cur = gp_self();
	struct gp_waiter w = { .gt = cur, .key = slot };
	gp_wq_push(wq, &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	cur->wait_what = what;
	(*count)++;
	int r = gp_park_as(deadline, GP_W_CANCEL);
	(*count)--;
	return r;
}

GP_EXPORT int greenpatch_queue_put(greenpatch_queue *q, void *item, int block, double timeout)
{
	struct gp_waiter *g = gp_wq_pop(&q->getters);
	if (g) { /* someone waits for it: straight to them */
		*slot_of(g) = item;
		gp_ready(g->gt, 0);
		return 0;
	}
	if (has_room(q))
		return gp_api_ret(push(q, item));
	uint64_t deadline;
	if (!block)
		return gp_api_fail(EAGAIN);
	if (gp_api_deadline(timeout, &deadline) < 0)
		return gp_api_fail(EINVAL);
	void *slot = item;
	return gp_api_ret(wait_item(&q->putters, &q->nputters, &slot, deadline, "queue (put)"));
}

GP_EXPORT int greenpatch_queue_get(greenpatch_queue *q, void **item, int block, double timeout)
{
	struct gp_waiter *p;
	if (q->count) {
		*item = pop(q);
		if ((p = gp_wq_pop(&q->putters)) != NULL) { /* its item moves into the room made */
			push(q, *slot_of(p));
			gp_ready(p->gt, 0);
		}
		return 0;
	}
	if ((p = gp_wq_pop(&q->putters)) != NULL) { /* a channel, or a putter of an empty queue */
		*item = *slot_of(p);
		gp_ready(p->gt, 0);
		return 0;
	}
	uint64_t deadline;
	if (!block)
		return gp_api_fail(EAGAIN);
	if (gp_api_deadline(timeout, &deadline) < 0)
		return gp_api_fail(EINVAL);
	return gp_api_ret(wait_item(&q->getters, &q->ngetters, item, deadline, "queue (get)"));
}

GP_EXPORT int greenpatch_queue_qsize(const greenpatch_queue *q)
{
	return q->count;
}

GP_EXPORT int greenpatch_queue_empty(const greenpatch_queue *q)
{
	return q->count == 0;
}

GP_EXPORT int greenpatch_queue_full(const greenpatch_queue *q)
{
	return q->maxsize >= 0 && q->count >= q->maxsize;
}

GP_EXPORT int greenpatch_queue_getting(const greenpatch_queue *q)
{
	return q->ngetters;
}

GP_EXPORT int greenpatch_queue_putting(const greenpatch_queue *q)
{
	return q->nputters;
}

GP_EXPORT int greenpatch_queue_free(greenpatch_queue *q)
{
	if (q->ngetters || q->nputters)
		return gp_api_fail(EBUSY);
	free(q->ring);
	free(q);
	return 0;
}
