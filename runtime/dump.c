/* What each green thread is doing, in words: the dump of a hub on GREENPATCH_DUMP_SIGNAL, and the
 * lines of the deadlock report.
 *
 * The signal's handler only notes the request (GP_SIG_DIAG_BIT in the hub's sig_pending) and the
 * hub prints the dump itself, between picks or when the signal ends its wait: there every thread
 * but the current one is suspended with its registers on its stack, and the lists are consistent,
 * which they need not be at any instant a handler can interrupt. A thread that runs without
 * switching delays the dump until it switches (GREENPATCH_HUB_BLOCKING_DETECTION reports such a
 * thread, with its backtrace, while it runs). */
#include "rt.h"
#include "sys.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One line in a buffer, written with one write: reports of two OS threads do not interleave
 * within a line. */
struct line {
	char buf[512];
	size_t n;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		l->n = l->n + (size_t)r < sizeof(l->buf) - 1 ? l->n + (size_t)r : sizeof(l->buf) - 2;
}

static void add_ms_from_now(struct line *l, const char *what, uint64_t when)
{
	uint64_t now = gp_now();
	if (when >= now)
		add(l, "%s+%llu ms", what, (unsigned long long)((when - now) / 1000000));
	else
		add(l, "%s-%llu ms (due)", what, (unsigned long long)((now - when) / 1000000));
}

/* A poll-style wait: the descriptors of its waiters (tag: index in the pollfd array). */
static void add_poll_set(struct line *l, const struct gp_gt *t)
{
	const struct pollfd *p = t->wait_obj;
	add(l, "waits in poll on");
	for (int i = 0; i < t->nwaits && i < 8; i++) {
		const struct gp_waiter *w = &t->waits[i];
		const struct gp_fd *f = gp_fd_slot(p[w->tag].fd);
		add(l, "%s fd %d (%s)", i ? "," : "", p[w->tag].fd, f && w->q == &f->wq[GP_WR] ? "write" : "read");
	}
	if (t->nwaits > 8)
		add(l, ", ... (%d in all)", t->nwaits);
}

static int is(const char *what, const char *kind)
{
	return what && !strcmp(what, kind);
}

static void add_wait(struct line *l, const struct gp_gt *t)
{
	const char *what = t->wait_what;
	if (!what) {
		add(l, "waits");
	} else if (!strncmp(what, "descriptor (", 12)) {
		add(l, "waits on fd %d for %s", t->wait_fd, what[12] == 'r' ? "read" : "write");
	} else if (is(what, "poll set")) {
		add_poll_set(l, t);
	} else if (is(what, "sleep")) {
		add_ms_from_now(l, "sleeps until ", t->timer.when);
		return;
	} else if (is(what, "tpool job")) {
		const struct gp_job *j = t->wait_obj;
		add(l, "in the tpool (a job of %llu ms so far)", (unsigned long long)((gp_now() - j->queued_at) / 1000000));
	} else if (!t->wait_obj) {
		add(l, "waits in %s", what);
	} else {
		add(l, "waits on %s %p", what, t->wait_obj);
		if (!strncmp(what, "mutex", 5)) {
			const struct gp_gt *o = ((const struct gp_mutex *)t->wait_obj)->owner;
			if (o)
				add(l, ", held by thread %lu \"%s\"", o->id, o->name);
		} else if (is(what, "join")) {
			const struct gp_gt *o = t->wait_obj;
			add(l, " (thread %lu \"%s\")", o->id, o->name);
		}
	}
	if (t->timer.idx != SIZE_MAX)
		add_ms_from_now(l, ", until ", t->timer.when);
}

void gp_describe(const struct gp_gt *t, int fd)
{
	static const char *const states[] = { "running", "runnable", NULL, "ending" };
	struct line l = { .n = 0 };
	add(&l, "  thread %lu \"%s\"%s: ", t->id, t->name, t == &t->hub->main ? " (main)" : "");
	if (t->state == GP_WAITING)
		add_wait(&l, t);
	else
		add(&l, "%s", states[t->state]);
	l.buf[l.n++] = '\n';
	gp_sys_write(fd, l.buf, l.n);
}

static unsigned runnable(const struct gp_hub *h)
{
	unsigned n = 0;
	for (const struct gp_gt *t = h->rq_head; t; t = t->rq_next)
		n++;
	return n;
}

void gp_dump(struct gp_hub *h, int fd)
{
	gp_diag_enter(h);
	gp_say(fd, "greenpatch: dump (pid %d, OS thread %d): %u green threads, %u runnable, %zu timers, "
		   "%u descriptors watched; tpool: %u of %u workers, %u jobs queued, %u unfinished; "
		   "%llu switches, %llu hub iterations\n",
	       (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), h->tid, h->nthreads, runnable(h), h->nheap,
	       gp_fd_watched_count(h), gp_tpool_workers(), gp_config.tpool_size, gp_tpool_queue_len(),
	       gp_tpool_pending(), (unsigned long long)h->switches, (unsigned long long)h->polls);
	const struct gp_gt *t = h->all;
	while (t && t->all_next) /* the list is newest first: the dump goes oldest first, main first */
		t = t->all_next;
	for (; t; t = t->all_prev) {
		gp_describe(t, fd);
		gp_backtrace(t == h->cur ? NULL : (struct gp_gt *)t, fd, "    ");
	}
	gp_say(fd, "greenpatch: end of dump\n");
	gp_diag_leave(h);
}

void gp_diag_run(struct gp_hub *h)
{
	if (h->dump_pending) {
		h->dump_pending = 0;
		gp_dump(h, 2);
	}
}

/* In the handler: note the request on this OS thread's hub and kick it out of its wait, if it
 * waits; it prints before it waits again. */
int gp_dump_signal(int sig, siginfo_t *si, void *uc)
{
	static const char none[] = "greenpatch: dump: no green threads on the main OS thread\n";
	struct gp_hub *h = gp_cur_hub;
	int pid = (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (!h && gp_tid() != pid)
		GP_SC(SYS_tgkill, pid, pid, sig, 0, 0, 0); /* a thread without a hub: main's hub dumps */
	else if (!h)
		gp_sys_write(2, none, sizeof(none) - 1);
	else {
		h->dump_pending = 1;
		__atomic_fetch_or(&h->sig_pending, GP_SIG_DIAG_BIT, __ATOMIC_RELEASE);
		gp_hub_kick(h); /* its wait restarts after the handler (SA_RESTART): end it */
	}
	return 1;
}
