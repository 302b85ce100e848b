/* The exact revents of poll when a wait ends on a state other than plain data, each state made by
 * a helper thread 100 ms into the wait while a heartbeat ticks: POLLHUP (pipe writer closed, unix
 * peer closed, TCP both ways shut), POLLERR (a UDP socket's pending ICMP port-unreachable, a TCP
 * reset, a full pipe whose readers go), POLLNVAL (a closed fd, and an fd another thread closes during
 * the wait: poll does not wake, its last look at the timeout finds it closed), POLLRDHUP (TCP and unix peer shutdown), POLLPRI (TCP urgent data), POLLOUT once a full
 * socket is drained. After each wait the same descriptor is shown by select (r/w/e bits) and
 * epoll_wait (events), and the error a read then gets. Output is compared with the native run. */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include "watch.h"

static void act_close(long fd) { CHECK(close((int)fd) == 0); }
static void act_shut_wr(long fd) { CHECK(shutdown((int)fd, SHUT_WR) == 0); }
static void act_oob(long fd) { CHECK(send((int)fd, "!", 1, MSG_OOB) == 1); }
static void act_send_udp(long fd) { CHECK(send((int)fd, "u", 1, 0) == 1); }
static void act_reset(long fd)
{
	struct linger l = { 1, 0 };
	CHECK(setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == 0);
	CHECK(close((int)fd) == 0);
}
static void act_drain(long fd)
{
	static char buf[1 << 16];
	while (recv((int)fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void tcp_pair(int *client, int *server)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(*client >= 0 && connect(*client, (struct sockaddr *)&a, sizeof(a)) == 0);
	*server = accept(l, NULL, NULL);
	CHECK(*server >= 0);
	close(l);
}

/* select's and epoll's view of fd, at once, for the events poll was asked for. */
static void views(int fd, short events)
{
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (events & POLLIN)
		FD_SET(fd, &r);
	if (events & POLLOUT)
		FD_SET(fd, &w);
	FD_SET(fd, &e);
	struct timeval tv = { 0, 0 };
	const char *s = res(select(fd + 1, &r, &w, &e, &tv));
	printf("  select -> %s r%d w%d e%d", s, FD_ISSET(fd, &r), FD_ISSET(fd, &w), FD_ISSET(fd, &e));
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = 0, .data.fd = fd };
	if (events & POLLIN)
		ev.events |= EPOLLIN;
	if (events & POLLOUT)
		ev.events |= EPOLLOUT;
	if (events & POLLPRI)
		ev.events |= EPOLLPRI;
	if (events & POLLRDHUP)
		ev.events |= EPOLLRDHUP;
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	struct epoll_event out = { 0 };
	s = res(epoll_wait(ep, &out, 1, 0));
	printf("; epoll_wait -> %s events %x\n", s, out.events);
	close(ep);
}

/* poll fd for events (2 s at most) while a helper runs fn(arg) at 100 ms; prints the result. */
static int waited(const char *what, int fd, short events, void (*fn)(long), long arg)
{
	struct later a[] = { { 100, fn, arg } };
	struct pollfd p = { fd, events, 0 };
	later_start(a, 1);
	double t0 = now_ms();
	const char *s = res(poll(&p, 1, 2000));
	double took = now_ms() - t0;
	later_stop();
	printf("%s: poll(%x) -> %s revents %x, woken by it %d\n", what, events, s, p.revents, took >= 50 && took < 1500);
	return p.revents;
}

static const char *read_err(int fd)
{
	char c;
	return res(recv(fd, &c, 1, MSG_DONTWAIT));
}

int main(void)
{
	watchdog(20);
	int a, b, p[2], sv[2];
	beat_start();
	beat_begin();

	CHECK(pipe(p) == 0);
	waited("pipe, the write end closed", p[0], POLLIN, act_close, p[1]);
	views(p[0], POLLIN);
	close(p[0]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	waited("unix stream, the peer closed", sv[0], POLLIN | POLLRDHUP, act_close, sv[1]);
	views(sv[0], POLLIN | POLLRDHUP);
	printf("  then read -> %s\n", read_err(sv[0]));
	close(sv[0]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	waited("unix stream, the peer shut down writing", sv[0], POLLIN | POLLRDHUP, act_shut_wr, sv[1]);
	views(sv[0], POLLIN | POLLRDHUP);
	close(sv[0]);
	close(sv[1]);

	tcp_pair(&a, &b);
	waited("tcp, the peer shut down writing", a, POLLIN | POLLRDHUP, act_shut_wr, b);
	views(a, POLLIN | POLLRDHUP);
	close(a);
	close(b);

	tcp_pair(&a, &b);
	CHECK(shutdown(a, SHUT_WR) == 0);
	waited("tcp, we shut down writing, then the peer closes", a, POLLIN, act_close, b);
	views(a, POLLIN);
	close(a);

	tcp_pair(&a, &b);
	waited("tcp, the peer closed", a, POLLIN, act_close, b);
	views(a, POLLIN);
	close(a);

	tcp_pair(&a, &b);
	waited("tcp, the peer reset the connection", a, POLLIN, act_reset, b);
	views(a, POLLIN);
	const char *r1 = read_err(a), *r2 = read_err(a);
	printf("  then read -> %s, and again -> %s\n", r1, r2);
	close(a);

	/* A UDP socket connected to a port nobody listens on: the ICMP port unreachable of a
	 * datagram sent during the wait is a pending error. */
	struct sockaddr_in u = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t ulen = sizeof(u);
	int tmp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(tmp >= 0 && bind(tmp, (struct sockaddr *)&u, sizeof(u)) == 0);
	CHECK(getsockname(tmp, (struct sockaddr *)&u, &ulen) == 0);
	close(tmp); /* its port is free now: nobody listens there */
	int ud = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(ud >= 0 && connect(ud, (struct sockaddr *)&u, sizeof(u)) == 0);
	waited("udp, a datagram to a closed port", ud, POLLIN, act_send_udp, ud);
	views(ud, POLLIN);
	r1 = read_err(ud);
	r2 = read_err(ud);
	printf("  then read -> %s, and again -> %s\n", r1, r2);
	close(ud);

	static char buf[1 << 16];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], buf, sizeof(buf)) == sizeof(buf)); /* 64 KiB: the pipe is full */
	waited("pipe, full, then the read end closed", p[1], POLLOUT, act_close, p[0]);
	views(p[1], POLLOUT);
	close(p[1]);

	tcp_pair(&a, &b);
	waited("tcp, urgent data", a, POLLIN | POLLPRI, act_oob, b);
	views(a, POLLIN | POLLPRI);
	char c = '?';
	r1 = res(recv(a, &c, 1, MSG_OOB | MSG_DONTWAIT));
	printf("  then recv MSG_OOB -> %s '%c'\n", r1, c);
	close(a);
	close(b);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	while (send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	waited("unix stream, full, then the peer drains it", sv[0], POLLOUT, act_drain, sv[1]);
	views(sv[0], POLLOUT);
	close(sv[0]);
	close(sv[1]);

	CHECK(pipe(p) == 0);
	close(p[1]);
	struct pollfd nv[3] = { { p[1], POLLIN, 0 }, { p[1], 0, 0 }, { -1, POLLIN, 0 } };
	r1 = res(poll(nv, 3, 0));
	printf("a closed fd, events POLLIN, events 0, and fd -1: poll -> %s revents %x %x %x\n", r1, nv[0].revents,
	       nv[1].revents, nv[2].revents);
	close(p[0]);
	CHECK(pipe(p) == 0);
	/* The kernel's poll looks the number up once more after the timeout: the closed number must
	 * stay free then, so it is a high one. (At the lowest free number the heartbeat's open of
	 * /proc/self/status could be there at that moment: a regular file, POLLOUT, not POLLNVAL.) */
	int high = fcntl(p[0], F_DUPFD, 200);
	CHECK(high >= 200 && close(p[0]) == 0);
	p[0] = high;
	double t0 = now_ms();
	struct later cl[] = { { 100, act_close, p[0] } };
	struct pollfd q = { p[0], POLLOUT, 0 }; /* a read end: never writable */
	later_start(cl, 1);
	const char *s = res(poll(&q, 1, 400));
	double took = now_ms() - t0;
	later_stop();
	printf("a pipe's read end another thread closes during the wait (400 ms timeout): poll -> %s revents %x, "
	       "at the timeout %d\n",
	       s, q.revents, took >= 350 && took < 1500);
	close(p[1]);
	beat_end("revents");
	beat_finish();
	return 0;
}
