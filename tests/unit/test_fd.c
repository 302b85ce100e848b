/* fd.c: classification of what a descriptor is, bookkeeping across new/forget/dup (generation
 * bumps, fields copied or reset), waits that end by readiness, timeout or close (-EBADF), a
 * reused number never waking a stale waiter, readiness waking one I/O waiter but every poll
 * waiter, internal descriptors moved high, forget_range, kernel O_NONBLOCK and the hidden one
 * around an exec. */
#include "unit.h"
#include <fcntl.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

static void close_both(int p[2])
{
	gp_fd_forget(p[0]);
	gp_fd_forget(p[1]);
	close(p[0]);
	close(p[1]);
}

TEST(classify_kinds)
{
	int us[2], ud[2], p[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, us) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, ud) == 0);
	REQUIRE(pipe(p) == 0);
	int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);
	int reg = open("/proc/self/exe", O_RDONLY), chr = open("/dev/null", O_RDWR);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	REQUIRE(tcp >= 0 && udp >= 0 && reg >= 0 && chr >= 0 && dir >= 0);
	struct gp_fd *f;
	REQUIRE((f = gp_fd_get(us[0])) != NULL);
	CHECK(f->kind == GP_FD_SOCK && f->stream == 1 && f->tcp == 0 && f->user_nb == 0);
	REQUIRE((f = gp_fd_get(ud[0])) != NULL);
	CHECK(f->kind == GP_FD_SOCK && f->stream == 0 && f->tcp == 0);
	REQUIRE((f = gp_fd_get(tcp)) != NULL);
	CHECK(f->kind == GP_FD_SOCK && f->stream == 1 && f->tcp == 1);
	REQUIRE((f = gp_fd_get(udp)) != NULL);
	CHECK(f->kind == GP_FD_SOCK && f->stream == 0 && f->tcp == 0);
	REQUIRE((f = gp_fd_get(p[0])) != NULL);
	CHECK(f->kind == GP_FD_FIFO && f->stream == 1);
	REQUIRE((f = gp_fd_get(p[1])) != NULL);
	CHECK_EQ(f->kind, GP_FD_FIFO);
	REQUIRE((f = gp_fd_get(reg)) != NULL);
	CHECK_EQ(f->kind, GP_FD_REG);
	REQUIRE((f = gp_fd_get(chr)) != NULL);
	CHECK_EQ(f->kind, GP_FD_CHR);
	REQUIRE((f = gp_fd_get(dir)) != NULL);
	CHECK_EQ(f->kind, GP_FD_OTHER);
	CHECK(gp_fd_get(-1) == NULL);
	CHECK(gp_fd_get(1 << 30) == NULL);
	CHECK(gp_fd_slot(-5) == NULL);
	close_both(us), close_both(ud), close_both(p);
	int all[] = { tcp, udp, reg, chr, dir };
	for (int i = 0; i < 5; i++)
		gp_fd_forget(all[i]), close(all[i]);
}

TEST(closed_fd_is_not_classified)
{
	int fd = open("/dev/null", O_RDONLY);
	REQUIRE(fd >= 0);
	close(fd);
	CHECK(gp_fd_get(fd) == NULL);
	struct gp_fd *f = gp_fd_slot(fd);
	REQUIRE(f != NULL);
	CHECK_EQ(f->kind, GP_FD_UNKNOWN);
	/* a number never opened, far up in the table */
	CHECK(gp_fd_get(100000) == NULL);
	CHECK(gp_fd_slot(100000) != NULL);
}

TEST(classification_reads_the_programs_settings_once)
{
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct timeval rcv = { 1, 500000 }, snd = { 0, 250000 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct gp_fd *f = gp_fd_get(sv[0]);
	REQUIRE(f != NULL);
	/* the kernel keeps these in jiffies: allow its rounding */
	CHECK_RANGE(f->rcvtimeo / 1e6, 1500, 1510);
	CHECK_RANGE(f->sndtimeo / 1e6, 250, 260);
	CHECK_EQ(f->user_nb, 1); /* found set: the program's own */
	CHECK_EQ(f->kern_nb, 0);
	uint32_t gen = f->gen;
	fcntl(sv[0], F_SETFL, 0);
	f = gp_fd_get(sv[0]); /* known now: not classified again */
	CHECK_EQ(f->user_nb, 1);
	CHECK_EQ(f->gen, gen);
	close_both(sv);
}

TEST(new_forget_dup_bookkeeping)
{
	struct gp_fd *f = gp_fd_slot(500);
	REQUIRE(f != NULL);
	uint32_t g0 = f->gen;
	gp_fd_forget(500); /* never known: nothing to do, no bump */
	CHECK_EQ(f->gen, g0);
	CHECK(gp_fd_new(500, GP_FD_SOCK) == f);
	CHECK_EQ(f->gen, g0 + 1); /* a new open file behind the number */
	CHECK_EQ(f->kind, GP_FD_SOCK);
	f->user_nb = 1;
	f->stream = 1;
	f->tcp = 1;
	f->rcvtimeo = 5;
	f->sndtimeo = 6;
	f->created = 1;
	struct gp_fd *g = gp_fd_slot(501);
	uint32_t g1 = g->gen;
	g->kind = GP_FD_FIFO; /* 501 was something else */
	gp_fd_dup(500, 501);
	CHECK(gp_fd_slot(501) == g);
	CHECK(g->kind == GP_FD_SOCK && g->user_nb == 1 && g->stream == 1 && g->tcp == 1);
	CHECK(g->rcvtimeo == 5 && g->sndtimeo == 6);
	CHECK(g->reg_hub == NULL && g->wq[0].head == NULL && g->wq[1].head == NULL);
	CHECK_EQ(g->gen, g1 + 1); /* its own generation, bumped: the old 501 is gone */
	CHECK_EQ(f->gen, g0 + 1); /* the source is untouched */
	CHECK_EQ(f->kind, GP_FD_SOCK);
	gp_fd_forget(500);
	CHECK_EQ(f->gen, g0 + 2);
	CHECK(f->kind == GP_FD_UNKNOWN && f->user_nb == 0 && f->rcvtimeo == 0 && f->stream == 0);
	CHECK_EQ(g->kind, GP_FD_SOCK); /* the dup lives on */
	/* gp_fd_new again: fresh entry, previous settings gone */
	g->user_nb = 1;
	CHECK(gp_fd_new(501, GP_FD_FIFO) == g);
	CHECK(g->kind == GP_FD_FIFO && g->user_nb == 0 && g->gen == g1 + 2);
	gp_fd_forget(501);
	/* dup of a closed, unknown source: the target is simply forgotten */
	gp_fd_new(502, GP_FD_SOCK);
	uint32_t g2 = gp_fd_slot(502)->gen;
	gp_fd_dup(503, 502); /* 503 is not open */
	CHECK_EQ(gp_fd_slot(502)->kind, GP_FD_UNKNOWN);
	CHECK_EQ(gp_fd_slot(502)->gen, g2 + 1);
}

static int sv[2];

static void *wait_dir(void *arg)
{
	long a = (long)arg;
	int fd = a & 0x100 ? sv[1] : sv[0];
	uint64_t deadline = a & 0x200 ? gp_deadline_in(30 * MS) : GP_NEVER;
	return (void *)(long)gp_fd_wait(fd, gp_fd_get(fd), (int)(a & 1), deadline, GP_INTR_RESTART);
}

static void *write_later(void *arg)
{
	sleep_ms(20);
	(void)!write(sv[1], "x", 1);
	return NULL;
}

TEST(wait_ends_by_readiness)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	double t0 = unit_ms();
	struct gp_gt *w = spawn(wait_dir, (void *)(long)GP_RD), *x = spawn(write_later, NULL);
	CHECK_EQ(join(w), 0);
	CHECK_RANGE(unit_ms() - t0, 19, 3000);
	join(x);
	CHECK(gp_fd_watched(gp_fd_slot(sv[0]))); /* registered once, stays */
	char c;
	CHECK_EQ(read(sv[0], &c, 1), 1);
	/* writable at once: the registration reports the current state */
	w = spawn(wait_dir, (void *)(long)(GP_WR | 0x100));
	CHECK_EQ(join(w), 0);
	close_both(sv);
}

TEST(wait_ends_by_timeout)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	double t0 = unit_ms();
	struct gp_gt *w = spawn(wait_dir, (void *)(long)(GP_RD | 0x200));
	CHECK_EQ(join(w), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	CHECK(gp_fd_slot(sv[0])->wq[GP_RD].head == NULL); /* left the queue */
	close_both(sv);
}

TEST(wait_alone_on_the_hub)
{
	/* only main on the hub: one ppoll, no epoll registration */
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct gp_fd *f = gp_fd_get(sv[0]);
	double t0 = unit_ms();
	CHECK_EQ(gp_fd_wait(sv[0], f, GP_RD, gp_deadline_in(30 * MS), GP_INTR_RESTART), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	(void)!write(sv[1], "y", 1);
	CHECK_EQ(gp_fd_wait(sv[0], f, GP_RD, gp_deadline_in(3000 * MS), GP_INTR_RESTART), 0);
	CHECK_EQ(gp_fd_wait(sv[0], f, GP_WR, GP_NEVER, GP_INTR_RESTART), 0);
	CHECK(!gp_fd_watched(f));
	close_both(sv);
}

static void *nap(void *arg)
{
	sleep_ms(20);
	return NULL;
}

/* Take every free descriptor number below the soft limit, which is lowered to the highest number
 * in use + 3 first: the process is out of descriptors. Returns the number taken, at least the two
 * numbers above the highest (a process with no holes below it, as under CI's 0, 1 and 2 only,
 * still has two to give back). */
static int use_up_descriptors(int *taken, int max)
{
	int hi = 0, n = 0;
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			hi = fd;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)hi + 3;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	while (n < max && (taken[n] = dup(0)) >= 0)
		n++;
	return n;
}

static void *poll_wait_dir(void *arg)
{
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	return (void *)(long)gp_poll_wait(&p, 1, gp_deadline_in(3000 * MS));
}

/* Out of descriptors, the hub cannot make its epoll set: waits ask the kernel between short
 * sleeps instead (the other threads run meanwhile), end by readiness or timeout as usual, and the
 * set is made once a descriptor is free again. */
TEST(waits_without_an_epoll_set_when_out_of_descriptors)
{
	static int taken[4096];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	REQUIRE(gp_fd_get(sv[0]) && gp_fd_get(sv[1]));
	int n = use_up_descriptors(taken, 4096);
	REQUIRE(n >= 2 && dup(0) < 0 && errno == EMFILE);
	double t0 = unit_ms();
	struct gp_gt *w = spawn(wait_dir, (void *)(long)GP_RD), *x = spawn(write_later, NULL);
	CHECK_EQ(join(w), 0);
	CHECK_RANGE(unit_ms() - t0, 19, 3000);
	join(x);
	CHECK(gp_hub()->epfd < 0 && !gp_fd_watched(gp_fd_slot(sv[0])));
	char c;
	CHECK_EQ(read(sv[0], &c, 1), 1);
	t0 = unit_ms();
	w = spawn(wait_dir, (void *)(long)(GP_RD | 0x200));
	CHECK_EQ(join(w), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	w = spawn(poll_wait_dir, NULL), x = spawn(write_later, NULL);
	CHECK_EQ(join(w), 0);
	join(x);
	CHECK_EQ(read(sv[0], &c, 1), 1);
	close(taken[--n]), close(taken[--n]); /* room for the set and its eventfd */
	w = spawn(wait_dir, (void *)(long)GP_RD), x = spawn(write_later, NULL);
	CHECK_EQ(join(w), 0);
	join(x);
	CHECK(gp_hub()->epfd >= 0 && gp_fd_watched(gp_fd_slot(sv[0])));
}

TEST(regular_files_are_always_ready)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	REQUIRE(fd >= 0);
	struct gp_gt *t = spawn(nap, NULL); /* company: the wait goes through the hub, not ppoll */
	double t0 = unit_ms();
	CHECK_EQ(gp_fd_wait(fd, gp_fd_get(fd), GP_RD, gp_deadline_in(2000 * MS), GP_INTR_RESTART), 0);
	CHECK_RANGE(unit_ms() - t0, 0, 1000);
	join(t);
	gp_fd_forget(fd);
	close(fd);
}

TEST(close_wakes_every_waiter_with_ebadf)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct gp_gt *w1 = spawn(wait_dir, (void *)(long)GP_RD), *w2 = spawn(wait_dir, (void *)(long)GP_RD);
	gp_yield();
	REQUIRE(w1->state == GP_WAITING && w2->state == GP_WAITING);
	struct gp_fd *f = gp_fd_slot(sv[0]);
	uint32_t gen = f->gen;
	gp_fd_forget(sv[0]); /* what close() does first */
	CHECK_EQ(join(w1), -EBADF);
	CHECK_EQ(join(w2), -EBADF);
	CHECK_EQ(f->gen, gen + 1);
	CHECK(f->wq[GP_RD].head == NULL && f->reg_hub == NULL);
	close(sv[0]);
	gp_fd_forget(sv[1]);
	close(sv[1]);
}

TEST(new_entry_wakes_waiters_of_an_unseen_close)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct gp_gt *w = spawn(wait_dir, (void *)(long)GP_RD);
	gp_yield();
	gp_fd_new(sv[0], GP_FD_SOCK); /* the number now stands for another open file */
	CHECK_EQ(join(w), -EBADF);
	close_both(sv);
}

static int reuse_fd;

static void *wait_reused(void *arg)
{
	return (void *)(long)gp_fd_wait(reuse_fd, gp_fd_slot(reuse_fd), GP_RD, gp_deadline_in(150 * MS), GP_INTR_RESTART);
}

/* A number closed and reused: events of the old open file (kept alive by a dup the runtime does not
 * know of) never wake a waiter of the new one. With `seen`, the close went through gp_fd_forget;
 * without, it went unseen and only the new entry's generation protects the waiter. */
static void stale_waiter_case(int seen)
{
	int old[2], nw[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, old) == 0);
	struct gp_fd *f = gp_fd_get(old[0]);
	/* register old[0] in the hub's set with a wait that times out */
	reuse_fd = old[0];
	CHECK_EQ(join(spawn(wait_reused, NULL)), -ETIMEDOUT);
	REQUIRE(gp_fd_watched(f));
	int keep = dup(old[0]); /* the old open file stays alive, its epoll registration too */
	int num = old[0];
	if (seen)
		gp_fd_forget(num);
	close(num);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, nw) == 0);
	REQUIRE(nw[0] == num); /* the lowest free number again */
	gp_fd_new(nw[0], GP_FD_SOCK)->stream = 1;
	struct gp_gt *w = spawn(wait_reused, NULL);
	gp_yield();
	(void)!write(old[1], "stale", 5); /* the old file becomes readable */
	CHECK_EQ(join(w), -ETIMEDOUT);
	gp_fd_forget(keep), close(keep);
	gp_fd_forget(old[1]), close(old[1]);
	close_both(nw);
}

TEST(reused_number_never_wakes_a_stale_waiter_close_seen)
{
	stale_waiter_case(1);
}

TEST(reused_number_never_wakes_a_stale_waiter_close_unseen)
{
	stale_waiter_case(0);
}

static void *wait_long(void *arg)
{
	return (void *)(long)gp_fd_wait(reuse_fd, gp_fd_slot(reuse_fd), GP_RD, gp_deadline_in(2000 * MS),
					GP_INTR_RESTART);
}

/* A waiter made runnable by readiness whose number is closed and reused before it runs: its call
 * was for the old open file, which is gone; it must not go on with the new one (a read would
 * return another file's bytes, a write put bytes into it): -EBADF, as a waiter the close found. */
TEST(woken_waiter_whose_number_is_reused_before_it_runs_gets_ebadf)
{
	int old[2], nw[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, old) == 0);
	REQUIRE(gp_fd_get(old[0]) != NULL);
	reuse_fd = old[0];
	struct gp_gt *w = spawn(wait_long, NULL);
	gp_yield();
	REQUIRE(w->state == GP_WAITING);
	(void)!write(old[1], "x", 1);
	gp_hub_poll(gp_hub(), 0); /* readies w; it has not run yet */
	REQUIRE(w->state == GP_RUNNABLE);
	gp_fd_forget(old[0]);
	close(old[0]);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, nw) == 0);
	REQUIRE(nw[0] == reuse_fd);
	gp_fd_new(nw[0], GP_FD_SOCK)->stream = 1;
	CHECK_EQ(join(w), -EBADF);
	gp_fd_forget(old[1]), close(old[1]);
	close_both(nw);
}

static char woke_order[16];
static int nwoke;

static void *io_waiter(void *arg)
{
	int r = gp_fd_wait(sv[0], gp_fd_slot(sv[0]), GP_RD, GP_NEVER, GP_INTR_RESTART);
	woke_order[nwoke++] = (char)(long)arg;
	return (void *)(long)r;
}

static void *poll_waiter(void *arg)
{
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	int r = gp_poll_wait(&p, 1, GP_NEVER);
	woke_order[nwoke++] = (char)(long)arg;
	return (void *)(long)r;
}

/* N threads in accept() on one socket are not all woken per connection: readiness readies the
 * first I/O waiter only; the others get their turn when it passes the baton. Poll-style waiters
 * are all woken. */
TEST(readiness_wakes_one_io_waiter_and_every_poll_waiter)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct gp_fd *f = gp_fd_get(sv[0]);
	nwoke = 0;
	struct gp_gt *a = spawn(io_waiter, (void *)'a'), *b = spawn(io_waiter, (void *)'b'),
		     *c = spawn(io_waiter, (void *)'c');
	struct gp_gt *p = spawn(poll_waiter, (void *)'p'), *q = spawn(poll_waiter, (void *)'q');
	gp_yield();
	REQUIRE(a->state == GP_WAITING && c->state == GP_WAITING && q->state == GP_WAITING);
	(void)!write(sv[1], "1", 1);
	sleep_ms(20); /* the hub polls and wakes */
	woke_order[nwoke] = 0;
	CHECK_STR(woke_order, "apq");
	CHECK_EQ(b->state, GP_WAITING);
	CHECK_EQ(c->state, GP_WAITING);
	gp_fd_pass(f, GP_RD); /* the baton: the next I/O waiter */
	gp_yield();
	woke_order[nwoke] = 0;
	CHECK_STR(woke_order, "apqb");
	CHECK_EQ(c->state, GP_WAITING);
	gp_fd_forget(sv[0]);
	CHECK_EQ(join(c), -EBADF);
	CHECK_EQ(join(a), 0);
	CHECK_EQ(join(b), 0);
	CHECK_EQ(join(p), 0);
	CHECK_EQ(join(q), 0);
	close(sv[0]);
	gp_fd_forget(sv[1]), close(sv[1]);
}

TEST(internal_fd_moves_high)
{
	struct rlimit rl;
	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur < 1024 && rl.rlim_max >= 1024) {
		rl.rlim_cur = 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	int p[2];
	REQUIRE(pipe(p) == 0);
	int fd = gp_fd_internal(p[0]);
	if (rl.rlim_cur > 256) {
		long lo = (long)(rl.rlim_cur > 4096 ? 4096 : rl.rlim_cur) - 64;
		CHECK(fd >= lo);
		CHECK(fd > p[1]);
		CHECK_EQ(fcntl(p[0], F_GETFD), -1); /* the low number is free again */
	} else {
		printf("  (RLIMIT_NOFILE %lu: no room to move up, not checked)\n", (unsigned long)rl.rlim_cur);
	}
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(gp_fd_slot(fd)->kind, GP_FD_INTERNAL);
	CHECK(gp_fd_get(fd) != NULL && gp_fd_get(fd)->kind == GP_FD_INTERNAL);
	int list[8];
	int n = gp_fd_internal_list(list, 8), found = 0;
	for (int i = 0; i < n; i++)
		found += list[i] == fd;
	CHECK_EQ(found, 1);
	/* the pipe still works through the new number */
	CHECK_EQ(write(p[1], "k", 1), 1);
	char c = 0;
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, 'k');
	/* closefrom-style forgetting steps around it */
	gp_fd_new(p[1], GP_FD_FIFO);
	gp_fd_forget_range(0, ~0u);
	CHECK_EQ(gp_fd_slot(fd)->kind, GP_FD_INTERNAL);
	CHECK_EQ(gp_fd_slot(p[1])->kind, GP_FD_UNKNOWN);
	close(p[1]);
	gp_fd_forget(fd);
	close(fd);
	CHECK_EQ(gp_fd_internal_list(list, 8), n - 1);
}

/* Where there is no room to move it up (a low RLIMIT_NOFILE), a runtime descriptor must still be
 * hidden from exec'd programs: the contract says close-on-exec. */
TEST(internal_fd_is_cloexec_even_when_it_cannot_move)
{
	struct rlimit rl;
	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = 128;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0); /* this test's own process */
	int p[2];
	REQUIRE(pipe(p) == 0);
	int fd = gp_fd_internal(p[0]);
	CHECK_EQ(gp_fd_slot(fd)->kind, GP_FD_INTERNAL);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST(forget_range_forgets_only_the_range)
{
	for (int fd = 600; fd < 610; fd++)
		gp_fd_new(fd, GP_FD_SOCK);
	gp_fd_forget_range(603, 606);
	for (int fd = 600; fd < 610; fd++)
		CHECK_EQ(gp_fd_slot(fd)->kind, fd >= 603 && fd <= 606 ? GP_FD_UNKNOWN : GP_FD_SOCK);
	gp_fd_forget_range(0, ~0u);
	CHECK_EQ(gp_fd_slot(600)->kind, GP_FD_UNKNOWN);
	CHECK_EQ(gp_fd_slot(609)->kind, GP_FD_UNKNOWN);
}

TEST(kernel_nonblock)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	CHECK_EQ(gp_fd_set_kernel_nb(p[0], 1), 0);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(gp_fd_set_kernel_nb(p[0], 1), 0); /* already: no change */
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(gp_fd_set_kernel_nb(p[0], 0), 0);
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	close(p[0]), close(p[1]);
	CHECK_EQ(gp_fd_set_kernel_nb(p[0], 1), -EBADF);
}

/* The hidden O_NONBLOCK comes off what an exec passes on (with `all`, off every one), never off a
 * descriptor whose program asked for it, and comes back when the exec failed. */
TEST(exec_takes_the_hidden_nonblock_off)
{
	int s[4];
	for (int i = 0; i < 4; i++) {
		REQUIRE((s[i] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		REQUIRE(fcntl(s[i], F_SETFL, O_NONBLOCK) == 0);
		struct gp_fd *f = gp_fd_new(s[i], GP_FD_SOCK);
		f->kern_nb = i != 3;  /* s[3]: set by the program itself, not hidden */
		f->user_nb = i == 2; /* s[2]: hidden, and wanted by the program too */
	}
	REQUIRE(fcntl(s[1], F_SETFD, FD_CLOEXEC) == 0);
	gp_fd_exec_prepare(0);
	CHECK(!(fcntl(s[0], F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(s[1], F_GETFL) & O_NONBLOCK); /* close-on-exec: no new program sees it */
	CHECK(fcntl(s[2], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(s[3], F_GETFL) & O_NONBLOCK);
	gp_fd_exec_failed();
	CHECK(fcntl(s[0], F_GETFL) & O_NONBLOCK);
	gp_fd_exec_prepare(1);
	CHECK(!(fcntl(s[0], F_GETFL) & O_NONBLOCK));
	CHECK(!(fcntl(s[1], F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(s[2], F_GETFL) & O_NONBLOCK);
	gp_fd_exec_failed();
	CHECK(fcntl(s[0], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(s[1], F_GETFL) & O_NONBLOCK);
	for (int i = 0; i < 4; i++)
		gp_fd_forget(s[i]), close(s[i]);
}

RUN_TESTS()
