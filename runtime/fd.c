/* The fd table: what the runtime knows about each descriptor, indexed by number in a two-level
 * table whose chunks never move (lookups take no lock; a chunk is installed with one CAS). An
 * entry is (re)made when the program creates the fd through a shim, or classified with fstat the
 * first time an unknown fd is used. Waiting on an fd registers it in the hub's epoll set once,
 * edge-triggered for both directions; the entry's generation, carried in the epoll data, makes
 * events of a closed-and-reused number harmless. */
#include "rt.h"
#include "sys.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <poll.h>
#include <netinet/in.h>

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define NCHUNKS 1024 /* up to 4M descriptors, beyond Linux's nr_open default of 1M */

static struct gp_fd *table[NCHUNKS];

struct gp_fd *gp_fd_slot(int fd)
{
	if (gp_unlikely(fd < 0 || (unsigned)fd >= CHUNK * NCHUNKS))
		return NULL;
	struct gp_fd *c = __atomic_load_n(&table[fd >> CHUNK_BITS], __ATOMIC_ACQUIRE);
	if (gp_unlikely(!c)) {
		struct gp_fd *n = calloc(CHUNK, sizeof(*n));
		if (!n)
			return NULL;
		if (__atomic_compare_exchange_n(&table[fd >> CHUNK_BITS], &c, n, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			c = n;
		else
			free(n);
	}
	return &c[fd & (CHUNK - 1)];
}

static uint64_t timeo_ns(int fd, int opt)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	if (gp_sys_getsockopt(fd, SOL_SOCKET, opt, &tv, &len) < 0)
		return 0;
	return gp_timeo_ns(tv.tv_sec, tv.tv_usec);
}

/* Anonymous inodes name their kind in /proc/self/fd: "anon_inode:[signalfd]". */
static int is_signalfd(int fd)
{
	char path[40], link[40];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	long n = GP_SC(SYS_readlinkat, AT_FDCWD, path, link, sizeof(link) - 1, 0, 0);
	return n > 0 && (link[n] = 0, strcmp(link, "anon_inode:[signalfd]") == 0);
}

/* First sight of a descriptor the program got some other way (inherited, open(), ...). Its
 * O_NONBLOCK, if set, was set by someone who meant it: it becomes the program's view. */
static int classify(int fd, struct gp_fd *f)
{
	struct stat st;
	if (GP_SC(SYS_fstat, fd, &st, 0, 0, 0, 0) < 0)
		return -EBADF;
	long fl = gp_sys_fcntl(fd, F_GETFL, 0);
	f->user_nb = fl >= 0 && (fl & O_NONBLOCK);
	f->kern_nb = 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFSOCK: {
		int type = 0;
		socklen_t len = sizeof(type);
		gp_sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
		f->stream = type == SOCK_STREAM;
		f->rcvtimeo = timeo_ns(fd, SO_RCVTIMEO);
		f->sndtimeo = timeo_ns(fd, SO_SNDTIMEO);
		int dom = 0, proto = 0;
		len = sizeof(dom);
		gp_sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len);
		len = sizeof(proto);
		gp_sys_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
		f->tcp = f->stream && (dom == AF_INET || dom == AF_INET6) && proto == IPPROTO_TCP;
		f->kind = GP_FD_SOCK;
		break;
	}
	case S_IFIFO:
		f->kind = GP_FD_FIFO;
		f->stream = 1; /* a blocking pipe write completes in full */
		break;
	case S_IFCHR:
		f->kind = GP_FD_CHR;
		f->stream = 1; /* a blocking tty write completes in full */
		break;
	case S_IFBLK: /* a disk as well: never "not ready", may block */
	case S_IFREG:
		f->kind = GP_FD_REG;
		f->sync_io = fl >= 0 && (fl & (O_SYNC | O_DSYNC | O_DIRECT));
		break;
	default:
		f->kind = GP_FD_OTHER;
		f->sigfd = is_signalfd(fd);
		break;
	}
	return 0;
}

/* fork child: the waiters belong to threads that did not survive, the epoll set is new. */
void gp_fd_atfork_child(void)
{
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct gp_fd *chunk = table[c];
		for (unsigned i = 0; chunk && i < CHUNK; i++) {
			chunk[i].wq[GP_RD] = chunk[i].wq[GP_WR] = (struct gp_wq){ 0 };
			chunk[i].reg_hub = NULL;
		}
	}
}

struct gp_fd *gp_fd_get(int fd)
{
	struct gp_fd *f = gp_fd_slot(fd);
	if (gp_likely(f && f->kind != GP_FD_UNKNOWN))
		return f;
	if (!f || classify(fd, f) < 0)
		return NULL;
	return f;
}

/* ---- the ring of descriptors sharing one open file ----
 * Rings are tiny (a dup2 onto 0/1/2, a daemon's copy of its listening socket) and change only in
 * the dup family and close, never on an I/O path; one lock for all of them is plenty. */
static int ring_lock;

static void ring_enter(void)
{
	while (__atomic_exchange_n(&ring_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void ring_exit(void)
{
	__atomic_store_n(&ring_lock, 0, __ATOMIC_RELEASE);
}

/* Take fd out of its ring (the caller holds the lock). */
static void ring_leave(int fd, struct gp_fd *f)
{
	int prev = f->ring - 1;
	struct gp_fd *p;
	while ((p = gp_fd_slot(prev)) && p->ring != fd + 1)
		prev = p->ring - 1;
	if (p)
		p->ring = f->ring == prev + 1 ? 0 : f->ring; /* a ring of two leaves p alone */
	f->ring = 0;
}

void gp_fd_file_changed(int fd)
{
	struct gp_fd *f = gp_fd_slot(fd), *d;
	if (!f || !f->ring)
		return;
	ring_enter();
	for (int x = f->ring - 1; x != fd && (d = gp_fd_slot(x)); x = d->ring - 1) {
		d->user_nb = f->user_nb;
		d->kern_nb = f->kern_nb;
		d->rcvtimeo = f->rcvtimeo;
		d->sndtimeo = f->sndtimeo;
	}
	ring_exit();
}

/* Reset an entry for a new open file behind the number. Waiters of the old one (there can be
 * none unless the close went unseen) are told the fd is gone. */
static void reset(int fd, struct gp_fd *f)
{
	if (f->ring) {
		ring_enter();
		ring_leave(fd, f);
		ring_exit();
	}
	gp_wq_wake_all(&f->wq[GP_RD], -EBADF);
	gp_wq_wake_all(&f->wq[GP_WR], -EBADF);
	uint32_t gen = f->gen + 1;
	*f = (struct gp_fd){ .gen = gen };
}

struct gp_fd *gp_fd_new(int fd, enum gp_fd_kind kind)
{
	struct gp_fd *f = gp_fd_slot(fd);
	if (!f)
		return NULL;
	reset(fd, f);
	f->kind = kind;
	return f;
}

void gp_fd_forget(int fd)
{
	struct gp_fd *f = gp_fd_slot(fd);
	if (!f || (f->kind == GP_FD_UNKNOWN && !f->reg_hub))
		return;
	struct gp_hub *h = f->reg_hub;
	if (h && h == gp_hub_peek() && f->reg_epoch == h->epoch && h->epfd >= 0)
		gp_sys_epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
	reset(fd, f);
}

void gp_fd_dup(int oldfd, int newfd)
{
	struct gp_fd *o = gp_fd_get(oldfd), *n = gp_fd_slot(newfd);
	if (!n)
		return;
	gp_fd_forget(newfd);
	if (!o)
		return;
	ring_enter();
	uint32_t gen = n->gen;
	*n = *o;
	n->gen = gen;
	n->reg_hub = NULL; /* the new number is not in any epoll set yet */
	n->rd_empty = 0;
	n->wq[0] = n->wq[1] = (struct gp_wq){ 0 };
	n->ring = o->ring ? o->ring : oldfd + 1;
	o->ring = newfd + 1;
	ring_exit();
}

int gp_fd_internal(int fd)
{
	struct rlimit rl;
	long lo = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256)
		lo = (long)(rl.rlim_cur > 4096 ? 4096 : rl.rlim_cur) - 64;
	long nfd = lo ? gp_sys_fcntl(fd, F_DUPFD_CLOEXEC, lo) : -1;
	if (nfd >= 0) {
		gp_sys_close(fd);
		fd = (int)nfd;
	} else {
		gp_sys_fcntl(fd, F_SETFD, FD_CLOEXEC); /* no room up there: hidden from exec all the same */
	}
	struct gp_fd *f = gp_fd_new(fd, GP_FD_INTERNAL);
	(void)f;
	return fd;
}

int gp_fd_internal_list(int *out, int max)
{
	int n = 0;
	for (unsigned c = 0; c < NCHUNKS && n < max; c++) {
		struct gp_fd *chunk = __atomic_load_n(&table[c], __ATOMIC_ACQUIRE);
		for (unsigned i = 0; chunk && i < CHUNK && n < max; i++)
			if (chunk[i].kind == GP_FD_INTERNAL)
				out[n++] = (int)(c * CHUNK + i);
	}
	return n;
}

void gp_fd_forget_range(unsigned first, unsigned last)
{
	for (unsigned c = first / CHUNK; c < NCHUNKS && c <= last / CHUNK; c++) {
		struct gp_fd *chunk = __atomic_load_n(&table[c], __ATOMIC_ACQUIRE);
		for (unsigned i = 0; chunk && i < CHUNK; i++) {
			unsigned fd = c * CHUNK + i;
			if (fd >= first && fd <= last && chunk[i].kind != GP_FD_INTERNAL)
				gp_fd_forget((int)fd);
		}
	}
}

int gp_fd_set_kernel_nb(int fd, int on)
{
	long fl = gp_sys_fcntl(fd, F_GETFL, 0);
	if (fl < 0)
		return (int)fl;
	long nfl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return nfl == fl ? 0 : (int)gp_sys_fcntl(fd, F_SETFL, nfl);
}

/* ---- exec: the hidden O_NONBLOCK is not passed on ----
 * Every entry is visited (each number of a dup'd socket too: the flag belongs to the open file,
 * and a close-on-exec number may share it with one that is not). Only raw syscalls and the
 * lock-free table: exec may be called from a fork child or a signal handler. */
static void hidden_nb(int on, int all)
{
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct gp_fd *chunk = __atomic_load_n(&table[c], __ATOMIC_ACQUIRE);
		for (unsigned i = 0; chunk && i < CHUNK; i++) {
			if (!chunk[i].kern_nb || chunk[i].user_nb)
				continue;
			int fd = (int)(c * CHUNK + i);
			long fdfl = all ? 0 : gp_sys_fcntl(fd, F_GETFD, 0);
			if (fdfl >= 0 && !(fdfl & FD_CLOEXEC))
				gp_fd_set_kernel_nb(fd, on);
		}
	}
}

void gp_fd_exec_prepare(int all)
{
	hidden_nb(0, all);
}

void gp_fd_exec_failed(void)
{
	hidden_nb(1, 1);
}

unsigned gp_fd_watched_count(const struct gp_hub *h)
{
	unsigned n = 0;
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct gp_fd *chunk = __atomic_load_n(&table[c], __ATOMIC_ACQUIRE);
		for (unsigned i = 0; chunk && i < CHUNK; i++)
			n += chunk[i].reg_hub == h && chunk[i].reg_epoch == h->epoch;
	}
	return n;
}

int gp_fd_watched(struct gp_fd *f)
{
	struct gp_hub *h = gp_hub_peek();
	return h && f->reg_hub == h && f->reg_epoch == h->epoch;
}

/* Register fd in the hub's epoll set unless it is there already. 1 if fd cannot be polled
 * (regular files, directories: always ready), 0 when registered, -errno otherwise. */
static int watch(struct gp_hub *h, int fd, struct gp_fd *f)
{
	if (gp_likely(f->reg_hub == h && f->reg_epoch == h->epoch))
		return 0;
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET,
		.data.u64 = (uint32_t)fd | ((uint64_t)f->gen << 32),
	};
	int ep = gp_hub_epfd(h);
	if (ep < 0)
		return ep;
	long r = gp_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	if (r == -EEXIST)
		r = gp_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	if (r == -EPERM) { /* a file epoll cannot watch (/dev/null, a regular file): always ready */
		f->unpollable = 1;
		return 1;
	}
	if (r < 0)
		return (int)r;
	f->reg_hub = h;
	f->reg_epoch = h->epoch;
	return 0;
}

void gp_fd_wake(struct gp_fd *f, int dir)
{
	int baton_given = 0;
	struct gp_waiter *w = f->wq[dir].head;
	while (w) {
		if (w->baton && baton_given) {
			w = w->next;
			continue;
		}
		baton_given |= w->baton;
		gp_ready(w->gt, 0);      /* unlinks every waiter of that thread, here or elsewhere */
		w = f->wq[dir].head;     /* so start over; woken ones are gone from the queue */
	}
}

/* A hub with a single green thread has nobody to switch to: it waits in the kernel with one
 * ppoll, as the native call would, and never touches the epoll set. This is every native OS
 * thread when the thread module is off (each is its own hub). A handler that interrupts the
 * ppoll ends the wait only as it would end the native call (signal.c); else it resumes. */
static int poll_alone(struct pollfd *p, unsigned long n, uint64_t deadline, int intr)
{
	for (;;) {
		struct timespec ts, *tsp = NULL;
		if (deadline != GP_NEVER) {
			uint64_t now = gp_now(), left = deadline > now ? deadline - now : 0;
			ts = (struct timespec){ (time_t)(left / GP_NS), (long)(left % GP_NS) };
			tsp = &ts;
		}
		long r = gp_sys_ppoll(p, n, tsp); /* revents are rewritten by the caller's re-poll */
		if (r != -EINTR)
			return r == 0 ? -ETIMEDOUT : 0;
		struct gp_hub *h = gp_hub();
		if (gp_signal_ends_wait(h, h->cur, intr))
			return -EINTR;
	}
}

static int wait_alone(int fd, int dir, uint64_t deadline, int intr)
{
	struct pollfd p = { .fd = fd, .events = dir == GP_RD ? POLLIN | POLLPRI : POLLOUT };
	return poll_alone(&p, 1, deadline, intr);
}

/* A wait without the hub's epoll set: the process is out of descriptors (the set could not be
 * made) or the kernel refuses one more watch. Ask the kernel without waiting, then sleep 1, 2, 4
 * up to 16 ms on the hub's timers, so that the other green threads run meanwhile, and try for the
 * set again: the program gets what the native call would give, a little late, never EMFILE. */
static int wait_unwatched(struct gp_hub *h, int fd, struct gp_fd *f, int dir, uint64_t deadline, int intr)
{
	static const struct timespec zero = { 0, 0 };
	struct pollfd p = { .fd = fd, .events = dir == GP_RD ? POLLIN | POLLPRI : POLLOUT };
	uint32_t gen = f->gen;
	for (uint64_t ms = 1;; ms = ms < 16 ? ms * 2 : 16) {
		if (gp_sys_ppoll(&p, 1, &zero) != 0)
			return 0; /* ready, or a state the caller's retry reports */
		uint64_t until = gp_deadline_in(ms * 1000000);
		if (gp_now() >= deadline)
			return -ETIMEDOUT;
		int s = gp_sleep_as(until < deadline ? until : deadline, intr);
		if (s < 0)
			return s;
		if (f->gen != gen)
			return -EBADF;
		int r = watch(h, fd, f);
		if (r >= 0 || r == -EBADF)
			return r > 0 ? 0 : r; /* the set exists now: the caller's retry parks on it */
	}
}

int gp_fd_wait(int fd, struct gp_fd *f, int dir, uint64_t deadline, int intr)
{
	struct gp_hub *h = gp_hub();
	if (gp_hub_alone(h))
		return wait_alone(fd, dir, deadline, intr);
	int r = watch(h, fd, f);
	if (r < 0 && r != -EBADF)
		return wait_unwatched(h, fd, f, dir, deadline, intr);
	if (r)
		return r > 0 ? 0 : r;
	struct gp_gt *cur = h->cur;
	struct gp_waiter w = { .gt = cur, .baton = 1 };
	uint32_t gen = f->gen;
	gp_wq_push(&f->wq[dir], &w);
	cur->waits = &w;
	cur->nwaits = 1;
	cur->state = GP_WAITING;
	cur->wait_what = dir == GP_RD ? "descriptor (read)" : "descriptor (write)";
	cur->wait_obj = f;
	cur->wait_fd = fd;
	h->fd_waits++;
	r = gp_park_as(deadline, GP_W_CANCEL | intr);
	h->fd_waits--;
	/* Woken (by readiness) and then, before it ran, the number was closed and perhaps reused: the
	 * call was for the old open file, which is gone. Retrying it by number would read another
	 * file's bytes or write into it; it ends as a waiter the close found does. */
	return r == 0 && f->gen != gen ? -EBADF : r;
}

#define POLL_RD (POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND)
#define POLL_WR (POLLOUT | POLLWRNORM | POLLWRBAND)

/* Queue one waiter per direction of interest on every fd, park once, let the first readiness (or
 * the deadline) unlink them all. Descriptors epoll refuses (regular files) are always ready. */
static int poll_hub(struct gp_hub *h, struct pollfd *p, unsigned long n, uint64_t deadline)
{
	struct gp_waiter stackw[32], *w = n <= 16 ? stackw : calloc(2 * n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	struct gp_gt *cur = h->cur;
	int nw = 0, ready = 0, unwatched = 0;
	for (unsigned long i = 0; i < n && !ready; i++) {
		struct gp_fd *f = gp_fd_slot(p[i].fd);
		if (!f)
			continue;
		int wr = watch(h, p[i].fd, f);
		if (wr > 0 || wr == -EBADF) {
			ready = 1; /* unpollable or gone: the caller's poll reports it */
			break;
		}
		if (wr < 0) {
			ready = unwatched = 1; /* no epoll set to wait in (see wait_unwatched) */
			break;
		}
		if (p[i].events & POLL_RD || !(p[i].events & POLL_WR)) {
			w[nw] = (struct gp_waiter){ .gt = cur, .tag = (int)i };
			gp_wq_push(&f->wq[GP_RD], &w[nw++]);
		}
		if (p[i].events & POLL_WR) {
			w[nw] = (struct gp_waiter){ .gt = cur, .tag = (int)i };
			gp_wq_push(&f->wq[GP_WR], &w[nw++]);
		}
	}
	int r = 0;
	cur->waits = w;
	cur->nwaits = nw;
	if (ready) {
		for (int i = 0; i < nw; i++)
			gp_wq_unlink(&w[i]);
		cur->nwaits = 0;
		if (unwatched && gp_now() >= deadline) {
			r = -ETIMEDOUT;
		} else if (unwatched) { /* the caller asks the kernel again after 4 ms */
			uint64_t until = gp_deadline_in(4000000);
			r = gp_sleep_as(until < deadline ? until : deadline, GP_INTR_ALWAYS);
			r = r == 0 && gp_now() >= deadline ? -ETIMEDOUT : r;
		}
	} else {
		cur->state = GP_WAITING;
		cur->wait_what = "poll set";
		cur->wait_obj = p;
		h->fd_waits++;
		r = gp_park_as(deadline, GP_W_CANCEL | GP_INTR_ALWAYS);
		h->fd_waits--;
	}
	if (w != stackw)
		free(w);
	return r == -ETIMEDOUT || r == -ECANCELED || r == -EINTR || r == -ETIME ? r : 0;
}

int gp_poll_wait(struct pollfd *p, unsigned long n, uint64_t deadline)
{
	struct gp_hub *h = gp_hub();
	if (gp_hub_alone(h))
		return poll_alone(p, n, deadline, GP_INTR_ALWAYS);
	return poll_hub(h, p, n, deadline);
}

int gp_wait_pid(pid_t pid)
{
	int pfd = (int)GP_SC(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
	if (pfd < 0)
		return pfd;
	struct gp_fd *f = gp_fd_new(pfd, GP_FD_OTHER);
	int r = f ? gp_fd_wait(pfd, f, GP_RD, GP_NEVER, GP_INTR_RESTART) : -ENOMEM;
	gp_fd_forget(pfd);
	gp_sys_close(pfd);
	return r;
}
