/* io.c: the retry loop (park until data, timeouts as EAGAIN, complete stream sends), accept and
 * connect over loopback, the TCP read hint. */
#include "unit.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int sv[2];

static struct gp_fd *sock(int fd, int stream)
{
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	f->stream = stream;
	return f;
}

static void *recv_one(void *arg)
{
	char c = 0;
	struct gp_io a = { .buf = &c, .len = 1 };
	long r = gp_io(sv[0], gp_fd_slot(sv[0]), GP_IO_RECV, &a);
	return (void *)(r == 1 ? (long)c : r);
}

static void *send_later(void *arg)
{
	gp_sleep_until(gp_deadline_in(10000000));
	(void)!write(sv[1], "z", 1);
	return NULL;
}

TEST(recv_parks_until_data)
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	sock(sv[0], 1), sock(sv[1], 1);
	struct gp_gt *r = spawn(recv_one, NULL), *w = spawn(send_later, NULL);
	void *got;
	gp_join(r, &got);
	gp_join(w, NULL);
	CHECK_EQ((long)got, 'z');
}

TEST(rcvtimeo_gives_eagain)
{
	gp_fd_slot(sv[0])->rcvtimeo = 20000000;
	double t0 = unit_ms();
	struct gp_gt *r = spawn(recv_one, NULL);
	void *got;
	gp_join(r, &got);
	CHECK_EQ((long)got, -EAGAIN);
	CHECK(unit_ms() - t0 >= 19);
	gp_fd_slot(sv[0])->rcvtimeo = 0;
}

static void *send_big(void *arg)
{
	static char big[8 << 20];
	struct gp_io a = { .buf = big, .len = sizeof(big) };
	long r = gp_io(sv[0], gp_fd_slot(sv[0]), GP_IO_SEND, &a);
	shutdown(sv[0], SHUT_WR);
	return (void *)r;
}

/* A reader on the same hub must be green too: it reads through gp_io. */
static void *drain_green(void *arg)
{
	static char buf[65536];
	long total = 0, n;
	struct gp_fd *f = gp_fd_slot(sv[1]);
	for (;;) {
		struct gp_io a = { .buf = buf, .len = sizeof(buf) };
		n = gp_io(sv[1], f, GP_IO_RECV, &a);
		if (n <= 0)
			break;
		total += n;
	}
	return (void *)total;
}

TEST(stream_send_completes_in_full)
{
	struct gp_gt *s = spawn(send_big, NULL), *d = spawn(drain_green, NULL);
	void *sent, *got;
	gp_join(s, &sent);
	gp_join(d, &got);
	CHECK_EQ((long)sent, 8 << 20);
	CHECK_EQ((long)got, 8 << 20);
	gp_fd_forget(sv[0]), gp_fd_forget(sv[1]);
	close(sv[0]), close(sv[1]);
}

static struct sockaddr_in addr;
static int lfd;

static void *accept_one(void *arg)
{
	struct gp_io a = { 0 };
	return (void *)gp_io_accept(lfd, gp_fd_slot(lfd), &a);
}

static void *connect_one(void *arg)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct gp_fd *f = sock(fd, 1);
	long r = gp_io_connect(fd, f, (struct sockaddr *)&addr, sizeof(addr));
	gp_fd_forget(fd);
	close(fd);
	return (void *)r;
}

TEST(accept_and_connect)
{
	socklen_t len = sizeof(addr);
	addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	CHECK_EQ(listen(lfd, 8), 0);
	getsockname(lfd, (struct sockaddr *)&addr, &len);
	sock(lfd, 1);
	struct gp_gt *a = spawn(accept_one, NULL), *c = spawn(connect_one, NULL);
	void *fd, *cr;
	gp_join(a, &fd);
	gp_join(c, &cr);
	CHECK((long)fd > 0);
	CHECK_EQ((long)cr, 0);
	close((int)(long)fd);
	gp_fd_forget(lfd);
	close(lfd);
	c = spawn(connect_one, NULL); /* the port is closed now */
	gp_join(c, &cr);
	CHECK_EQ((long)cr, -ECONNREFUSED);
}

RUN_TESTS()
