/* fd.c: classification, bookkeeping across new/forget/dup, waits that end by readiness, timeout
 * or close, internal descriptors. */
#include "unit.h"
#include <fcntl.h>
#include <sys/socket.h>

TEST(classify_kinds)
{
	int sv[2], p[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(pipe(p), 0);
	int f = open("/proc/self/status", O_RDONLY);
	CHECK_EQ(gp_fd_get(sv[0])->kind, GP_FD_SOCK);
	CHECK_EQ(gp_fd_get(sv[0])->stream, 1);
	CHECK_EQ(gp_fd_get(p[0])->kind, GP_FD_FIFO);
	CHECK_EQ(gp_fd_get(f)->kind, GP_FD_REG);
	close(f);
	gp_fd_forget(f);
	CHECK(gp_fd_get(f) == NULL); /* closed: not classified */
	CHECK(gp_fd_get(-1) == NULL);
	CHECK(gp_fd_get(1 << 30) == NULL);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	CHECK_EQ(gp_fd_get(p[1])->user_nb, 1); /* a flag found set is the program's own */
	close(sv[0]), close(sv[1]), close(p[0]), close(p[1]);
	gp_fd_forget(sv[0]), gp_fd_forget(sv[1]), gp_fd_forget(p[0]), gp_fd_forget(p[1]);
}

TEST(new_forget_dup_bookkeeping)
{
	struct gp_fd *f = gp_fd_new(500, GP_FD_SOCK);
	uint32_t gen = f->gen;
	f->user_nb = 1;
	f->rcvtimeo = 5;
	gp_fd_dup(500, 501);
	struct gp_fd *g = gp_fd_slot(501);
	CHECK(g->kind == GP_FD_SOCK && g->user_nb == 1 && g->rcvtimeo == 5 && g->reg_hub == NULL);
	gp_fd_forget(500);
	CHECK(f->kind == GP_FD_UNKNOWN && f->gen == gen + 1 && f->user_nb == 0);
	gp_fd_forget(501);
}

TEST(internal_fd_moves_high)
{
	int p[2];
	CHECK_EQ(pipe(p), 0);
	int fd = gp_fd_internal(p[0]);
	CHECK(fd > p[1]);
	CHECK_EQ(gp_fd_slot(fd)->kind, GP_FD_INTERNAL);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd), close(p[1]);
	gp_fd_forget(fd);
}

static int sv[2];

static void *wait_read(void *arg)
{
	return (void *)(long)gp_fd_wait(sv[0], gp_fd_get(sv[0]), GP_RD, (uint64_t)(long)arg);
}

static void *write_later(void *arg)
{
	gp_sleep_until(gp_deadline_in(20000000));
	(void)!write(sv[1], "x", 1);
	return NULL;
}

TEST(wait_ends_by_readiness_timeout_or_close)
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct gp_gt *w = spawn(wait_read, (void *)GP_NEVER), *x = spawn(write_later, NULL);
	void *r;
	gp_join(w, &r);
	gp_join(x, NULL);
	CHECK_EQ((long)r, 0);
	char c;
	CHECK_EQ(read(sv[0], &c, 1), 1);
	double t0 = unit_ms();
	w = spawn(wait_read, (void *)gp_deadline_in(30000000));
	gp_join(w, &r);
	CHECK_EQ((long)r, -ETIMEDOUT);
	CHECK(unit_ms() - t0 >= 29);
	struct gp_gt *w1 = spawn(wait_read, (void *)GP_NEVER), *w2 = spawn(wait_read, (void *)GP_NEVER);
	gp_yield();
	gp_fd_forget(sv[0]); /* what close() does first */
	void *r1, *r2;
	gp_join(w1, &r1);
	gp_join(w2, &r2);
	CHECK_EQ((long)r1, -EBADF);
	CHECK_EQ((long)r2, -EBADF);
	close(sv[0]), close(sv[1]);
}

static void *poll_two(void *arg)
{
	struct pollfd p[2] = { { sv[0], POLLIN, 0 }, { sv[1], POLLIN, 0 } };
	return (void *)(long)gp_poll_wait(p, 2, (uint64_t)(long)arg);
}

TEST(poll_wait)
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct gp_gt *w = spawn(poll_two, (void *)gp_deadline_in(20000000));
	void *r;
	gp_join(w, &r);
	CHECK_EQ((long)r, -ETIMEDOUT);
	w = spawn(poll_two, (void *)GP_NEVER);
	struct gp_gt *x = spawn(write_later, NULL);
	gp_join(w, &r);
	gp_join(x, NULL);
	CHECK_EQ((long)r, 0);
	gp_fd_forget(sv[0]), gp_fd_forget(sv[1]);
	close(sv[0]), close(sv[1]);
}

RUN_TESTS()
