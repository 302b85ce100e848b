/* io.c (and the poll-set wait of fd.c): the one EAGAIN -> park -> retry loop. Receives park until
 * another green thread writes; SO_RCVTIMEO/SO_SNDTIMEO as -EAGAIN or a partial count; stream sends
 * and MSG_WAITALL receives complete in full; EOF and close while parked; message and pipe vector
 * ops; accept and connect over 127.0.0.1 (a listener's hidden O_NONBLOCK set again when someone
 * cleared it) and a unix socket with a full backlog; the TCP read hint;
 * gp_poll_wait with several fds ready, with none, with many. */
#include "unit.h"
#include <sys/eventfd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>

__attribute__((constructor)) static void no_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN); /* a write to a closed peer is an EPIPE result, not a death */
}

static int sv[2];

static void pair(int type)
{
	if (socketpair(AF_UNIX, type, 0, sv) != 0) {
		printf("  socketpair: %s\n", strerror(errno));
		exit(UNIT_FAIL_STATUS);
	}
	gp_fd_get(sv[0]);
	gp_fd_get(sv[1]);
}

static void unpair(void)
{
	gp_fd_forget(sv[0]), gp_fd_forget(sv[1]);
	close(sv[0]), close(sv[1]);
}

static long io_recv(int fd, void *buf, size_t len, int flags)
{
	struct gp_io a = { .buf = buf, .len = len, .flags = flags };
	return gp_io(fd, gp_fd_get(fd), GP_IO_RECV, &a);
}

static long io_send(int fd, const void *buf, size_t len)
{
	struct gp_io a = { .buf = (void *)buf, .len = len };
	return gp_io(fd, gp_fd_get(fd), GP_IO_SEND, &a);
}

static int kernel_nonblocking(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

/* Company for the thread under test: with another green thread alive, waits go through the hub
 * (epoll) rather than the lone-thread ppoll. */
static void *quick_nap(void *arg)
{
	sleep_ms(arg ? (unsigned)(long)arg : 20);
	return NULL;
}

static char events[32];
static int nev;

static void event(char c)
{
	events[nev++] = c;
	events[nev] = 0;
}

static void *recv_one(void *arg)
{
	char c = 0;
	long r = io_recv(sv[0], &c, 1, 0);
	event('r');
	return (void *)(r == 1 ? (long)c : r);
}

static void *send_later(void *arg)
{
	sleep_ms(30);
	event('w');
	io_send(sv[1], "z", 1);
	return NULL;
}

TEST(recv_parks_until_another_green_thread_writes)
{
	pair(SOCK_STREAM);
	nev = 0;
	double t0 = unit_ms();
	struct gp_gt *r = spawn(recv_one, NULL), *w = spawn(send_later, NULL);
	gp_yield();
	CHECK_EQ(r->state, GP_WAITING); /* parked, not blocking the hub */
	CHECK_EQ(join(r), 'z');
	join(w);
	CHECK_STR(events, "wr");
	CHECK_RANGE(unit_ms() - t0, 29, 3000);
	CHECK_EQ(kernel_nonblocking(sv[0]), 0); /* driven with MSG_DONTWAIT, the file untouched */
	unpair();
}

TEST(ready_data_is_read_without_parking)
{
	pair(SOCK_STREAM);
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	char buf[8] = { 0 };
	uint64_t sw = gp_hub()->switches;
	CHECK_EQ(io_recv(sv[0], buf, sizeof(buf), 0), 3);
	CHECK_STR(buf, "abc");
	CHECK_EQ(gp_hub()->switches, sw);
	unpair();
}

TEST(rcvtimeo_gives_eagain)
{
	pair(SOCK_STREAM);
	gp_fd_slot(sv[0])->rcvtimeo = 40 * MS;
	/* alone on the hub, and with company */
	for (int company = 0; company < 2; company++) {
		double t0 = unit_ms();
		long r;
		if (company)
			r = join(spawn(recv_one, NULL));
		else {
			char c;
			r = io_recv(sv[0], &c, 1, 0);
		}
		CHECK_EQ(r, -EAGAIN);
		CHECK_RANGE(unit_ms() - t0, 39.9, 3000);
	}
	/* data within the timeout: no EAGAIN */
	gp_fd_slot(sv[0])->rcvtimeo = 2000 * MS;
	nev = 0;
	struct gp_gt *r = spawn(recv_one, NULL), *w = spawn(send_later, NULL);
	CHECK_EQ(join(r), 'z');
	join(w);
	unpair();
}

static long send_n(size_t n, int shut)
{
	unsigned char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7 + i / 4096);
	long r = io_send(sv[0], big, n);
	if (shut)
		shutdown(sv[0], SHUT_WR);
	free(big);
	return r;
}

static void *send_big(void *arg)
{
	return (void *)send_n((size_t)arg, 1);
}

/* Reads until EOF, or until arg bytes when arg is not 0. */
static void *drain_check(void *arg)
{
	static unsigned char buf[65536];
	long total = 0, n, bad = 0, stop = (long)arg;
	for (;;) {
		if (stop && total == stop)
			break;
		n = io_recv(sv[1], buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++, total++)
			bad += buf[i] != (unsigned char)(total * 7 + total / 4096);
	}
	return (void *)(n < 0 ? n : bad ? -1000000 - bad : total);
}

TEST(large_stream_send_completes_in_full)
{
	pair(SOCK_STREAM);
	size_t n = 16 << 20;
	struct gp_gt *s = spawn(send_big, (void *)n), *d = spawn(drain_check, NULL);
	CHECK_EQ(join(s), (long)n);
	CHECK_EQ(join(d), (long)n); /* every byte, in order */
	CHECK_EQ(kernel_nonblocking(sv[0]), 0);
	unpair();
}

TEST(large_stream_send_over_tcp)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	REQUIRE(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0);
	getsockname(l, (struct sockaddr *)&a, &len);
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(connect(sv[0], (struct sockaddr *)&a, sizeof(a)) == 0);
	sv[1] = accept(l, NULL, NULL);
	REQUIRE(sv[1] >= 0);
	close(l);
	REQUIRE(gp_fd_get(sv[0])->tcp == 1);
	size_t n = 16 << 20;
	/* the reader stops at n bytes rather than at EOF: see tcp_eof_after_a_short_read */
	struct gp_gt *s = spawn(send_big, (void *)n), *d = spawn(drain_check, (void *)n);
	CHECK_EQ(join(s), (long)n);
	CHECK_EQ(join(d), (long)n);
	unpair();
}

static void *send_with_timeout(void *arg)
{
	return (void *)send_n(16 << 20, 0);
}

TEST(sndtimeo_cuts_a_send_short)
{
	pair(SOCK_STREAM);
	gp_fd_slot(sv[0])->sndtimeo = 50 * MS;
	double t0 = unit_ms();
	long r = join(spawn(send_with_timeout, NULL)); /* nobody reads */
	CHECK_RANGE(r, 1, (16 << 20) - 1);              /* the part that fitted */
	CHECK_RANGE(unit_ms() - t0, 49.9, 5000);
	/* the buffer is full now: nothing fits, EAGAIN after the timeout */
	t0 = unit_ms();
	char c = 0;
	struct gp_io a = { .buf = &c, .len = 1 };
	CHECK_EQ(gp_io(sv[0], gp_fd_slot(sv[0]), GP_IO_SEND, &a), -EAGAIN);
	CHECK_RANGE(unit_ms() - t0, 49.9, 5000);
	unpair();
}

static void *recv_waitall(void *arg)
{
	char *buf = arg;
	return (void *)io_recv(sv[0], buf, 12, MSG_WAITALL);
}

static void *trickle(void *arg)
{
	const char *parts[] = { "hel", "lo ", "wor", "ld!" };
	for (int i = 0; i < 4; i++) {
		sleep_ms(5);
		io_send(sv[1], parts[i], 3);
	}
	return NULL;
}

TEST(msg_waitall_receives_in_full)
{
	pair(SOCK_STREAM);
	char buf[16] = { 0 };
	struct gp_gt *r = spawn(recv_waitall, buf), *w = spawn(trickle, NULL);
	CHECK_EQ(join(r), 12);
	CHECK_STR(buf, "hello world!");
	join(w);
	/* cut short by EOF: the partial count */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	shutdown(sv[1], SHUT_WR);
	CHECK_EQ(join(spawn(recv_waitall, buf)), 3);
	CHECK_STR(buf, "abc");
	unpair();
}

static void *shut_later(void *arg)
{
	sleep_ms(20);
	shutdown(sv[1], SHUT_WR);
	return NULL;
}

static void *forget_later(void *arg)
{
	sleep_ms(20);
	gp_fd_forget(sv[0]); /* close() */
	return NULL;
}

TEST(eof_and_close_end_a_parked_recv)
{
	pair(SOCK_STREAM);
	struct gp_gt *r = spawn(recv_one, NULL), *s = spawn(shut_later, NULL);
	CHECK_EQ(join(r), 0); /* EOF */
	join(s);
	unpair();
	pair(SOCK_STREAM);
	r = spawn(recv_one, NULL), s = spawn(forget_later, NULL);
	CHECK_EQ(join(r), -EBADF);
	join(s);
	unpair();
}

static void *recvmsg_three(void *arg)
{
	char *b = arg;
	struct iovec iov[3] = { { b, 2 }, { b + 4, 3 }, { b + 8, 4 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	struct gp_io a = { .msg = &m, .flags = MSG_WAITALL };
	long r = gp_io(sv[0], gp_fd_slot(sv[0]), GP_IO_RECVMSG, &a);
	/* the caller's iovecs are its own: not advanced */
	if (iov[0].iov_base != b || iov[0].iov_len != 2 || iov[2].iov_len != 4)
		return (void *)-999L;
	return (void *)r;
}

static void *sendmsg_later(void *arg)
{
	sleep_ms(10);
	struct iovec iov[2] = { { "ABCDE", 5 }, { "fgh", 3 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	struct gp_io a = { .msg = &m };
	long r = gp_io(sv[1], gp_fd_slot(sv[1]), GP_IO_SENDMSG, &a);
	sleep_ms(10);
	iov[0] = (struct iovec){ "ij", 2 };
	m.msg_iovlen = 1;
	gp_io(sv[1], gp_fd_slot(sv[1]), GP_IO_SENDMSG, &a);
	return (void *)r;
}

TEST(message_ops_with_iovecs)
{
	pair(SOCK_STREAM);
	char b[16];
	memset(b, '.', sizeof(b));
	b[15] = 0;
	struct gp_gt *r = spawn(recvmsg_three, b), *w = spawn(sendmsg_later, NULL);
	CHECK_EQ(join(w), 8);
	CHECK_EQ(join(r), 9);
	CHECK_STR(b, "AB..CDE.fghi...");
	unpair();
}

static void *dgram_recv(void *arg)
{
	char buf[64] = { 0 };
	long r = io_recv(sv[0], buf, sizeof(buf), 0);
	return (void *)(r == 5 && !memcmp(buf, "dgram", 5) ? 1L : r);
}

static void *dgram_send_later(void *arg)
{
	sleep_ms(10);
	return (void *)io_send(sv[1], "dgram", 5);
}

TEST(datagrams)
{
	pair(SOCK_DGRAM);
	CHECK_EQ(gp_fd_slot(sv[0])->stream, 0);
	struct gp_gt *r = spawn(dgram_recv, NULL), *w = spawn(dgram_send_later, NULL);
	CHECK_EQ(join(r), 1);
	CHECK_EQ(join(w), 5);
	unpair();
}

static int pp[2];

static void *pipe_read(void *arg)
{
	char buf[8] = { 0 };
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct gp_io a = { .msg = &m };
	long r = gp_io(pp[0], gp_fd_get(pp[0]), GP_IO_READV, &a);
	return (void *)(r == 4 && !strcmp(buf, "pipe") ? 1L : r);
}

static void *pipe_write_later(void *arg)
{
	sleep_ms(20);
	struct iovec iov[2] = { { "pi", 2 }, { "pe", 2 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	struct gp_io a = { .msg = &m };
	return (void *)gp_io(pp[1], gp_fd_get(pp[1]), GP_IO_WRITEV, &a);
}

static void *pipe_write_big(void *arg)
{
	size_t n = (size_t)arg;
	char *big = malloc(n);
	memset(big, 'p', n);
	struct iovec iov[2] = { { big, n / 2 }, { big + n / 2, n - n / 2 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	struct gp_io a = { .msg = &m };
	long r = gp_io(pp[1], gp_fd_get(pp[1]), GP_IO_WRITEV, &a);
	free(big);
	gp_fd_forget(pp[1]);
	close(pp[1]);
	return (void *)r;
}

static void *pipe_drain(void *arg)
{
	static char buf[65536];
	long total = 0, r;
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct gp_io a = { .msg = &m };
		r = gp_io(pp[0], gp_fd_get(pp[0]), GP_IO_READV, &a);
		if (r <= 0)
			break;
		total += r;
	}
	return (void *)(r < 0 ? r : total);
}

TEST(pipes_park_and_write_in_full)
{
	REQUIRE(pipe(pp) == 0);
	double t0 = unit_ms();
	struct gp_gt *r = spawn(pipe_read, NULL), *w = spawn(pipe_write_later, NULL);
	CHECK_EQ(join(r), 1);
	CHECK_EQ(join(w), 4);
	CHECK_RANGE(unit_ms() - t0, 19, 3000);
	CHECK_EQ(kernel_nonblocking(pp[0]), 0);
	size_t n = 4 << 20;
	w = spawn(pipe_write_big, (void *)n), r = spawn(pipe_drain, NULL);
	CHECK_EQ(join(w), (long)n);
	CHECK_EQ(join(r), (long)n);
	gp_fd_forget(pp[0]);
	close(pp[0]);
}

/* ---- accept and connect ---- */

static struct sockaddr_in addr;
static int lfd;

static int listen_loopback(int backlog)
{
	socklen_t len = sizeof(addr);
	addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, backlog))
		return -1;
	getsockname(fd, (struct sockaddr *)&addr, &len);
	gp_fd_get(fd);
	return fd;
}

static struct sockaddr_in peer;

static void *accept_one(void *arg)
{
	socklen_t plen = sizeof(peer);
	struct gp_io a = { .addr = (struct sockaddr *)&peer, .addrlen = &plen, .flags = (int)(long)arg };
	long fd = gp_io_accept(lfd, gp_fd_slot(lfd), &a);
	event('a');
	return (void *)fd;
}

static void *connect_and_send(void *arg)
{
	sleep_ms((unsigned)(long)arg);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	f->stream = f->tcp = 1;
	event('c');
	long r = gp_io_connect(fd, f, (struct sockaddr *)&addr, sizeof(addr));
	if (r == 0 && kernel_nonblocking(fd))
		r = -999; /* left non-blocking */
	if (r == 0 && io_send(fd, "hi", 2) != 2)
		r = -998;
	gp_fd_forget(fd);
	close(fd);
	return (void *)r;
}

TEST(accept_and_connect_over_loopback)
{
	lfd = listen_loopback(8);
	REQUIRE(lfd >= 0);
	nev = 0;
	struct gp_gt *a = spawn(accept_one, (void *)(long)SOCK_CLOEXEC);
	struct gp_gt *c = spawn(connect_and_send, (void *)20L);
	gp_yield();
	CHECK_EQ(a->state, GP_WAITING); /* the acceptor parks */
	long fd = join(a);
	CHECK_EQ(join(c), 0);
	CHECK_STR(events, "ca");
	REQUIRE(fd > 0);
	CHECK(fcntl((int)fd, F_GETFD) & FD_CLOEXEC); /* accept4's flags went through */
	CHECK_EQ(peer.sin_family, AF_INET);
	CHECK_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ(kernel_nonblocking(lfd), 0); /* not left set on a listener it did not create */
	CHECK_EQ(kernel_nonblocking((int)fd), 0);
	char buf[4] = { 0 };
	CHECK_EQ(io_recv((int)fd, buf, sizeof(buf), MSG_WAITALL), 2);
	CHECK_STR(buf, "hi");
	close((int)fd);
	gp_fd_forget(lfd);
	close(lfd);
	/* the port is closed now */
	CHECK_EQ(join(spawn(connect_and_send, NULL)), -ECONNREFUSED);
}

static long refused[2];

static void *connect_twice(void *arg)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	f->stream = f->tcp = 1;
	for (int i = 0; i < 2; i++)
		refused[i] = gp_io_connect(fd, f, (struct sockaddr *)&addr, sizeof(addr));
	gp_fd_forget(fd);
	close(fd);
	return NULL;
}

/* A blocking connect that fails leaves the socket unconnected, as natively: the program's next
 * connect on it tries again (ECONNREFUSED again), not ECONNABORTED (which a socket left
 * "connecting" gives once the error has been read). */
TEST(a_refused_connect_can_be_tried_again_on_the_same_socket)
{
	lfd = listen_loopback(8);
	REQUIRE(lfd >= 0);
	close(lfd); /* nobody listens on addr now */
	refused[0] = refused[1] = 1;
	join(spawn(connect_twice, NULL));
	CHECK_EQ(refused[0], -ECONNREFUSED);
	CHECK_EQ(refused[1], -ECONNREFUSED);
}

/* A listener whose hidden O_NONBLOCK a child's exec cleared (in the open file they share): the
 * accept sets it again and parks, instead of blocking the hub in the kernel (the connecting
 * thread would never run; the test's alarm would end it). */
TEST(accept_sets_a_cleared_hidden_nonblock_again)
{
	lfd = listen_loopback(8);
	REQUIRE(lfd >= 0);
	struct gp_fd *f = gp_fd_slot(lfd);
	f->kern_nb = 1; /* as listen() marks a listener the program created */
	REQUIRE(fcntl(lfd, F_SETFL, 0) == 0);
	struct gp_gt *a = spawn(accept_one, NULL);
	struct gp_gt *c = spawn(connect_and_send, (void *)20L);
	gp_yield();
	CHECK_EQ(a->state, GP_WAITING);
	CHECK_EQ(kernel_nonblocking(lfd), 1);
	long fd = join(a);
	CHECK_EQ(join(c), 0);
	CHECK(fd > 0);
	close((int)fd);
	gp_fd_forget(lfd);
	close(lfd);
}

TEST(several_acceptors_share_a_listener)
{
	lfd = listen_loopback(16);
	REQUIRE(lfd >= 0);
	nev = 0;
	struct gp_gt *a[4], *c[4];
	for (int i = 0; i < 4; i++)
		a[i] = spawn(accept_one, NULL);
	for (int i = 0; i < 4; i++)
		c[i] = spawn(connect_and_send, (void *)(long)(10 + 5 * i));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(join(c[i]), 0);
	for (int i = 0; i < 4; i++) {
		long fd = join(a[i]); /* every acceptor got one: none left parked */
		CHECK(fd > 0);
		if (fd > 0)
			close((int)fd);
	}
	gp_fd_forget(lfd);
	close(lfd);
}

static struct sockaddr_un uaddr;
static int ulisten;

static void *unix_connect(void *arg)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	f->stream = 1;
	long r = gp_io_connect(fd, f, (struct sockaddr *)&uaddr, sizeof(uaddr));
	event('c');
	gp_fd_forget(fd);
	close(fd);
	return (void *)r;
}

static void *unix_accept_later(void *arg)
{
	sleep_ms(40);
	event('a');
	int fd = accept(ulisten, NULL, NULL);
	return (void *)(long)fd;
}

/* A unix socket whose listener's backlog is full says EAGAIN to a non-blocking connect; a blocking
 * connect waits until there is room. */
TEST(unix_connect_waits_for_a_full_backlog)
{
	uaddr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(uaddr.sun_path + 1, sizeof(uaddr.sun_path) - 1, "gp-unit-%d", (int)getpid()); /* abstract */
	ulisten = socket(AF_UNIX, SOCK_STREAM, 0);
	REQUIRE(bind(ulisten, (struct sockaddr *)&uaddr, sizeof(uaddr)) == 0 && listen(ulisten, 1) == 0);
	int fill[16], nfill = 0;
	for (; nfill < 16; nfill++) {
		fill[nfill] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fill[nfill], (struct sockaddr *)&uaddr, sizeof(uaddr)) != 0) {
			close(fill[nfill]);
			break;
		}
	}
	REQUIRE(nfill < 16 && errno == EAGAIN);
	nev = 0;
	double t0 = unit_ms();
	struct gp_gt *c = spawn(unix_connect, NULL), *a = spawn(unix_accept_later, NULL);
	CHECK_EQ(join(c), 0);
	long afd = join(a);
	CHECK(afd >= 0);
	CHECK_STR(events, "ac");
	CHECK_RANGE(unit_ms() - t0, 39, 5000);
	close((int)afd);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	close(ulisten);
}

/* Natively every accept() blocked on a listener returns EINVAL when it is shut down. Readiness
 * readies only the first I/O waiter; one that gets an error must not leave the others parked
 * for good (the edge that announced the error will not come again). */
static void *accept_err(void *arg)
{
	struct gp_io a = { 0 };
	long fd = gp_io_accept(lfd, gp_fd_slot(lfd), &a);
	return (void *)fd;
}

TEST(listener_shutdown_reaches_every_acceptor)
{
	lfd = listen_loopback(8);
	REQUIRE(lfd >= 0);
	struct gp_gt *a[3];
	for (int i = 0; i < 3; i++)
		a[i] = spawn(accept_err, NULL);
	gp_yield();
	REQUIRE(a[2]->state == GP_WAITING);
	CHECK_EQ(shutdown(lfd, SHUT_RD), 0);
	sleep_ms(100);
	int done = 0;
	for (int i = 0; i < 3; i++) {
		if (a[i]->state != GP_DONE)
			continue; /* still parked: the test process simply ends with it */
		done++;
		CHECK_EQ(join(a[i]), -EINVAL);
	}
	CHECK_EQ(done, 3);
}

static int rst[2];

/* A TCP connection over 127.0.0.1: p[0] the connecting end, p[1] the accepted one; 0 or -1. */
static int tcp_pair(int p[2])
{
	lfd = listen_loopback(4);
	if (lfd < 0)
		return -1;
	p[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(p[0], (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return -1;
	p[1] = accept(lfd, NULL, NULL);
	return p[1] >= 0 ? 0 : -1;
}

static void *recv_rst(void *arg)
{
	char buf[16];
	return (void *)io_recv(rst[1], buf, sizeof(buf), 0);
}

/* Two threads reading one TCP socket whose peer resets the connection: natively one gets
 * ECONNRESET and the other EOF (0); neither stays blocked. */
TEST(connection_reset_reaches_every_reader)
{
	REQUIRE(tcp_pair(rst) == 0);
	gp_fd_get(rst[1]);
	struct gp_gt *r1 = spawn(recv_rst, NULL), *r2 = spawn(recv_rst, NULL);
	gp_yield();
	REQUIRE(r2->state == GP_WAITING);
	struct linger lg = { 1, 0 };
	setsockopt(rst[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(rst[0]); /* RST */
	sleep_ms(100);
	CHECK_EQ(r1->state, GP_DONE);
	CHECK_EQ(r2->state, GP_DONE);
	long a = r1->state == GP_DONE ? join(r1) : 1, b = r2->state == GP_DONE ? join(r2) : 1;
	if (!((a == -ECONNRESET && b == 0) || (a == 0 && b == -ECONNRESET)))
		UNIT_FAILED("readers got %ld and %ld (1: still parked); want -ECONNRESET and 0", a, b);
}

static long sent_before_reset;

static void *send_until_reset(void *arg)
{
	static char big[4 << 20];
	sent_before_reset = io_send(rst[1], big, sizeof(big)); /* the peer never reads: it parks */
	return (void *)io_send(rst[1], big, sizeof(big));
}

/* A blocking send that has moved bytes when the peer resets returns its count; the error goes to
 * the socket's next call, as natively (ECONNRESET there, not EPIPE: the kernel's sk_err), once. */
TEST(a_reset_after_a_partial_send_reaches_the_next_call)
{
	REQUIRE(tcp_pair(rst) == 0);
	gp_fd_get(rst[1])->stream = 1;
	signal(SIGPIPE, SIG_IGN);
	struct gp_gt *w = spawn(send_until_reset, NULL);
	sleep_ms(100); /* its buffers are full, it waits */
	REQUIRE(w->state == GP_WAITING);
	struct linger lg = { 1, 0 };
	setsockopt(rst[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(rst[0]); /* RST */
	CHECK_EQ(join(w), -ECONNRESET);
	CHECK_RANGE(sent_before_reset, 1, (4 << 20) - 1);
	CHECK_EQ(io_send(rst[1], "x", 1), -EPIPE); /* held once only */
	CHECK_EQ(gp_fd_slot(rst[1])->sock_err, 0);
}

static char peeked[16];

static void *peek_waitall(void *arg)
{
	memset(peeked, 0, sizeof(peeked));
	return (void *)io_recv((int)(long)arg, peeked, 6, MSG_PEEK | MSG_WAITALL);
}

/* MSG_PEEK|MSG_WAITALL shows each byte once and takes none: a unix socket's peek returns what is
 * there; TCP's waits for the whole count. */
TEST(peek_with_waitall_never_shows_a_byte_twice)
{
	int us[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, us) == 0);
	gp_fd_get(us[1])->stream = 1;
	REQUIRE(write(us[0], "abc", 3) == 3);
	CHECK_EQ(join(spawn(peek_waitall, (void *)(long)us[1])), 3);
	CHECK_STR(peeked, "abc");
	int tp[2];
	REQUIRE(tcp_pair(tp) == 0);
	int c = tp[0], a = tp[1];
	struct gp_fd *f = gp_fd_get(a);
	f->stream = f->tcp = 1;
	REQUIRE(write(c, "xyz", 3) == 3);
	struct gp_gt *t = spawn(peek_waitall, (void *)(long)a);
	sleep_ms(30);
	CHECK_EQ(t->state, GP_WAITING); /* three of six: it waits */
	REQUIRE(write(c, "uvw", 3) == 3);
	CHECK_EQ(join(t), 6);
	CHECK_STR(peeked, "xyzuvw");
	char buf[16] = { 0 };
	CHECK_EQ(io_recv(a, buf, sizeof(buf), 0), 6); /* still all there */
	CHECK_STR(buf, "xyzuvw");
}

static long ev_io(int fd, int write, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
	return gp_io(fd, gp_fd_get(fd), write ? GP_IO_WRITEV : GP_IO_READV, &(struct gp_io){ .msg = &m });
}

static void *ev_read8(void *arg)
{
	uint64_t v = 0;
	long r = ev_io((int)(long)arg, 0, &v, 8);
	return (void *)(r == 8 ? (long)v : r);
}

/* An eventfd (no RWF_NOWAIT) answers as the native call does: EINVAL at once for a short buffer
 * or a write of ULLONG_MAX, whatever the counter (a readiness poll first would wait for ever),
 * a wait only where the native call waits; its O_NONBLOCK is left as it was. */
TEST(eventfd_errors_come_at_once_and_waits_end)
{
	int e = eventfd(0, 0);
	REQUIRE(e >= 0);
	CHECK_EQ(gp_fd_get(e)->kind, GP_FD_OTHER);
	struct gp_gt *t = spawn(ev_read8, (void *)(long)e); /* company: the hub's path */
	char four[4] = { 0 };
	CHECK_EQ(ev_io(e, 0, four, 4), -EINVAL);
	uint64_t max = UINT64_MAX, one = 1, most = UINT64_MAX - 1;
	CHECK_EQ(ev_io(e, 1, &max, 8), -EINVAL);
	CHECK_EQ(ev_io(e, 1, four, 4), -EINVAL);
	CHECK_EQ(ev_io(e, 1, &one, 8), 8);
	CHECK_EQ(join(t), 1);
	CHECK_EQ(ev_io(e, 1, &most, 8), 8);
	CHECK_EQ(ev_io(e, 1, &max, 8), -EINVAL); /* full, and still EINVAL at once */
	CHECK_EQ(kernel_nonblocking(e), 0);
	close(e);
}

/* ---- the TCP read hint ---- */

static int tcp[2];

static void *tcp_reader(void *arg)
{
	char buf[4096];
	long total = 0, shorts = 0;
	while (total < 30) {
		long r = io_recv(tcp[1], buf, sizeof(buf), 0);
		if (r <= 0)
			return (void *)r;
		total += r;
		shorts += gp_fd_slot(tcp[1])->rd_empty;
	}
	return (void *)(total * 100 + (shorts > 0));
}

static void *tcp_trickle(void *arg)
{
	for (int i = 0; i < 3; i++) {
		sleep_ms(15);
		io_send(tcp[0], "0123456789", 10);
	}
	return NULL;
}

/* After a short read the hint says "drained"; data that arrives before the next read leaves an
 * EPOLLIN edge in the hub's set, which must clear the hint (or the wait must see the data). */
static void *tcp_late_reader(void *arg)
{
	char buf[4096];
	long r = io_recv(tcp[1], buf, sizeof(buf), 0); /* short: the queue is drained */
	if (r != 10 || !gp_fd_slot(tcp[1])->rd_empty)
		return (void *)(-100 - r);
	/* arrives now, nobody waiting, the hub not polled in between */
	if (write(tcp[0], "abcde", 5) != 5)
		return (void *)-200L;
	r = io_recv(tcp[1], buf, sizeof(buf), 0);
	if (r != 5)
		return (void *)(-300 - r);
	/* and while this thread sleeps (the hub polls meanwhile) */
	r = io_recv(tcp[1], buf, sizeof(buf), 0);
	return (void *)r;
}

static void *tcp_send_now_and_later(void *arg)
{
	io_send(tcp[0], "0123456789", 10);
	sleep_ms(30);
	io_send(tcp[0], "xyz", 3);
	return NULL;
}

TEST(tcp_read_hint_never_loses_data)
{
	lfd = listen_loopback(4);
	REQUIRE(lfd >= 0);
	tcp[0] = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(connect(tcp[0], (struct sockaddr *)&addr, sizeof(addr)) == 0);
	tcp[1] = accept(lfd, NULL, NULL);
	int one = 1;
	setsockopt(tcp[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	REQUIRE(gp_fd_get(tcp[1])->tcp == 1);
	gp_fd_get(tcp[0]);
	struct gp_gt *r = spawn(tcp_reader, NULL), *w = spawn(tcp_trickle, NULL);
	CHECK_EQ(join(r), 3001); /* all 30 bytes, and the hint was used */
	join(w);
	r = spawn(tcp_late_reader, NULL), w = spawn(tcp_send_now_and_later, NULL);
	CHECK_EQ(join(r), 3);
	join(w);
	gp_fd_forget(tcp[0]), gp_fd_forget(tcp[1]), gp_fd_forget(lfd);
	close(tcp[0]), close(tcp[1]), close(lfd);
}

static void *tcp_read_to_eof(void *arg)
{
	char buf[4096];
	long total = 0, r;
	while ((r = io_recv(tcp[1], buf, sizeof(buf), 0)) > 0)
		total += r;
	return (void *)(r < 0 ? r : total);
}

/* Data and FIN arrive together (the peer writes, then shuts down): the read of the data is short,
 * which the TCP hint takes as "drained, a later arrival will raise a fresh edge". But the FIN is
 * already in and its edge already consumed: no edge will come. Natively the next read returns 0
 * at once; here it must too (SO_RCVTIMEO bounds the test: -EAGAIN after 1 s is the hang). */
TEST(tcp_eof_after_a_short_read)
{
	lfd = listen_loopback(4);
	REQUIRE(lfd >= 0);
	tcp[0] = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(connect(tcp[0], (struct sockaddr *)&addr, sizeof(addr)) == 0);
	tcp[1] = accept(lfd, NULL, NULL);
	REQUIRE(tcp[1] >= 0);
	struct gp_fd *f = gp_fd_get(tcp[1]);
	REQUIRE(f->tcp == 1);
	f->rcvtimeo = 1000 * MS;
	struct gp_gt *r = spawn(tcp_read_to_eof, NULL);
	gp_yield(); /* parked on the empty socket: watched */
	REQUIRE(r->state == GP_WAITING && gp_fd_watched(f));
	CHECK_EQ(write(tcp[0], "0123456789", 10), 10);
	CHECK_EQ(shutdown(tcp[0], SHUT_WR), 0);
	double t0 = unit_ms();
	CHECK_EQ(join(r), 10); /* the data, then EOF */
	CHECK_RANGE(unit_ms() - t0, 0, 900);
	gp_fd_forget(tcp[1]), gp_fd_forget(lfd);
	close(tcp[0]), close(tcp[1]), close(lfd);
}

/* ---- gp_poll_wait ---- */

#define NP 40
static int pairs[NP][2];

static void *poll_some(void *arg)
{
	long spec = (long)arg; /* low 8 bits: how many pairs; 0x100: 30 ms deadline */
	int n = (int)(spec & 0xff);
	struct pollfd p[NP + 1];
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = pairs[i][0], .events = POLLIN };
	p[n] = (struct pollfd){ .fd = -1, .events = POLLIN }; /* ignored, as by poll */
	return (void *)(long)gp_poll_wait(p, (unsigned long)n + 1,
					  spec & 0x100 ? gp_deadline_in(30 * MS) : gp_deadline_in(5000 * MS));
}

static void *write_three_later(void *arg)
{
	sleep_ms(20);
	for (int i = 0; i < 3; i++)
		(void)!write(pairs[(long)arg - 1 - i][1], "!", 1);
	return NULL;
}

static void make_pairs(int n)
{
	for (int i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]) != 0)
			exit(UNIT_FAIL_STATUS);
		gp_fd_get(pairs[i][0]);
	}
}

static void close_pairs(int n)
{
	for (int i = 0; i < n; i++) {
		gp_fd_forget(pairs[i][0]);
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
}

TEST(poll_wait_returns_when_several_become_ready)
{
	make_pairs(8);
	double t0 = unit_ms();
	struct gp_gt *p = spawn(poll_some, (void *)8L), *w = spawn(write_three_later, (void *)8L);
	CHECK_EQ(join(p), 0);
	join(w);
	CHECK_RANGE(unit_ms() - t0, 19, 3000);
	for (int i = 0; i < 8; i++) /* and no waiter is left behind on any of them */
		CHECK(gp_fd_slot(pairs[i][0])->wq[GP_RD].head == NULL);
	close_pairs(8);
}

TEST(poll_wait_with_several_already_ready)
{
	make_pairs(8);
	for (int i = 0; i < 3; i++)
		(void)!write(pairs[i * 3][1], "!", 1);
	double t0 = unit_ms();
	struct gp_gt *p = spawn(poll_some, (void *)8L), *n = spawn(quick_nap, NULL);
	CHECK_EQ(join(p), 0);
	CHECK_RANGE(unit_ms() - t0, 0, 2000);
	join(n);
	close_pairs(8);
}

TEST(poll_wait_with_none_ready_times_out)
{
	make_pairs(8);
	double t0 = unit_ms();
	struct gp_gt *p = spawn(poll_some, (void *)(0x100L | 8));
	CHECK_EQ(join(p), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	for (int i = 0; i < 8; i++)
		CHECK(gp_fd_slot(pairs[i][0])->wq[GP_RD].head == NULL);
	/* alone on the hub (one ppoll) */
	t0 = unit_ms();
	CHECK_EQ((long)poll_some((void *)(0x100L | 8)), -ETIMEDOUT);
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	(void)!write(pairs[5][1], "!", 1);
	CHECK_EQ((long)poll_some((void *)8L), 0);
	close_pairs(8);
}

static void *poll_nothing(void *arg)
{
	return (void *)(long)gp_poll_wait(NULL, 0, gp_deadline_in(30 * MS));
}

TEST(poll_wait_on_no_fds_is_a_sleep)
{
	double t0 = unit_ms();
	CHECK_EQ((long)poll_nothing(NULL), -ETIMEDOUT); /* alone */
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
	t0 = unit_ms();
	CHECK_EQ(join(spawn(poll_nothing, NULL)), -ETIMEDOUT); /* through the hub */
	CHECK_RANGE(unit_ms() - t0, 29.9, 3000);
}

TEST(poll_wait_on_many_fds)
{
	make_pairs(NP); /* more than fit in its on-stack waiter array */
	double t0 = unit_ms();
	struct gp_gt *p = spawn(poll_some, (void *)(long)NP), *w = spawn(write_three_later, (void *)(long)NP);
	CHECK_EQ(join(p), 0);
	join(w);
	CHECK_RANGE(unit_ms() - t0, 19, 3000);
	close_pairs(NP);
}

static void *poll_closed(void *arg)
{
	struct pollfd p[2] = { { .fd = pairs[0][0], .events = POLLIN }, { .fd = (int)(long)arg, .events = POLLIN } };
	return (void *)(long)gp_poll_wait(p, 2, gp_deadline_in(2000 * MS));
}

TEST(poll_wait_returns_for_a_closed_fd_or_a_file)
{
	make_pairs(1);
	int closed = open("/dev/null", O_RDONLY);
	close(closed);
	int file = open("/proc/self/exe", O_RDONLY);
	double t0 = unit_ms();
	struct gp_gt *p = spawn(poll_closed, (void *)(long)closed), *n = spawn(quick_nap, NULL);
	CHECK_EQ(join(p), 0); /* the caller's own poll reports POLLNVAL */
	p = spawn(poll_closed, (void *)(long)file);
	CHECK_EQ(join(p), 0); /* always ready */
	join(n);
	CHECK_RANGE(unit_ms() - t0, 0, 1500);
	close(file);
	close_pairs(1);
}

static void *poll_out(void *arg)
{
	struct pollfd p = { .fd = sv[0], .events = POLLOUT };
	return (void *)(long)gp_poll_wait(&p, 1, gp_deadline_in(2000 * MS));
}

TEST(poll_wait_for_writability)
{
	pair(SOCK_STREAM);
	struct gp_gt *n = spawn(quick_nap, NULL);
	double t0 = unit_ms();
	CHECK_EQ(join(spawn(poll_out, NULL)), 0);
	CHECK_RANGE(unit_ms() - t0, 0, 1500);
	join(n);
	unpair();
}

RUN_TESTS()
