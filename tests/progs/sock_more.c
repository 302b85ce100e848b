/* More blocking socket patterns of ordinary servers, each a thread waiting while another acts,
 * printed for comparison with the native run: UDP over 127.0.0.1 and ::1, datagram and seqpacket
 * socketpairs, MSG_PEEK, EOF and shutdown(SHUT_RD) ending a blocked read, shutdown() of a listening
 * socket ending a blocked accept, a descriptor received with SCM_RIGHTS, accept4 flags, a
 * non-blocking connect to a closed port and one made non-blocking with fcntl, 10 blocking connects
 * to a unix socket whose backlog is full. Every wait is bounded by SO_RCVTIMEO or a poll timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "common.h"

static void bound(int fd)
{
	struct timeval tv = { 3, 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
}

static void report(const char *what, long r, int err)
{
	printf("%-46s -> %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(err) : "");
}

/* ---- a thread that acts 50 ms later ---- */
struct act {
	int kind, fd;
	const void *buf;
	size_t len;
	struct sockaddr_storage to;
	socklen_t tolen;
};
enum { WRITE, SENDTO, CLOSE, SHUT_READ, SHUT_BOTH, SEND_FD };

static void *act_late(void *arg)
{
	struct act *a = arg;
	usleep(50000);
	switch (a->kind) {
	case WRITE: CHECK(write(a->fd, a->buf, a->len) == (ssize_t)a->len); break;
	case SENDTO:
		CHECK(sendto(a->fd, a->buf, a->len, 0, (struct sockaddr *)&a->to, a->tolen) == (ssize_t)a->len);
		break;
	case CLOSE: CHECK(close(a->fd) == 0); break;
	case SHUT_READ: CHECK(shutdown(a->fd, SHUT_RD) == 0); break;
	case SHUT_BOTH: CHECK(shutdown(a->fd, SHUT_RDWR) == 0); break;
	case SEND_FD: {
		int passed = *(const int *)a->buf;
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { "F", 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passed, sizeof(int));
		CHECK(sendmsg(a->fd, &m, 0) == 1);
		break;
	}
	}
	return NULL;
}

static pthread_t later(struct act *a)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, act_late, a) == 0);
	return t;
}

/* ---- the cases ---- */

static void udp(int family)
{
	const char *name = family == AF_INET ? "udp 127.0.0.1" : "udp ::1";
	int r = socket(family, SOCK_DGRAM, 0), s = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_storage a = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&a;
		v4->sin_family = AF_INET, v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a;
		v6->sin6_family = AF_INET6, v6->sin6_addr = in6addr_loopback;
		len = sizeof(*v6);
	}
	if (r < 0 || s < 0 || bind(r, (struct sockaddr *)&a, len) != 0) {
		printf("%s: not available here\n", name); /* the same natively */
		close(r), close(s);
		return;
	}
	CHECK(getsockname(r, (struct sockaddr *)&a, &len) == 0);
	bound(r);
	struct act w = { .kind = SENDTO, .fd = s, .buf = "datagram", .len = 8, .to = a, .tolen = len };
	pthread_t t = later(&w);
	char buf[64] = { 0 };
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	long n = recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	int e = errno;
	pthread_join(t, NULL);
	printf("%s: blocking recvfrom -> %ld %s, sender's family ok %d\n", name, n, n > 0 ? buf : strerror(e),
	       from.ss_family == family);
	struct act w2 = { .kind = SENDTO, .fd = s, .buf = "second", .len = 6, .to = a, .tolen = len };
	t = later(&w2);
	n = recv(r, buf, 3, 0); /* a datagram is cut to the buffer, the rest is lost */
	pthread_join(t, NULL);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: blocking recv of 3 -> %ld %s\n", name, n, buf);
	close(r), close(s);
}

static void pairs(int type, const char *name)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
	bound(sv[0]);
	struct act w = { .kind = WRITE, .fd = sv[1], .buf = "one", .len = 3 };
	pthread_t t = later(&w);
	char buf[16] = { 0 };
	long n = recv(sv[0], buf, sizeof(buf), 0);
	pthread_join(t, NULL);
	printf("%s: blocking recv -> %ld %s\n", name, n, buf);
	CHECK(write(sv[1], "two", 3) == 3 && write(sv[1], "three", 5) == 5);
	n = recv(sv[0], buf, sizeof(buf), 0);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: record boundaries kept -> %ld %s\n", name, n, buf);
	(void)!recv(sv[0], buf, sizeof(buf), 0);
	close(sv[0]), close(sv[1]);
}

static void peek_eof_shutdown(void)
{
	int sv[2];
	char buf[16] = { 0 };
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	bound(sv[0]);
	struct act w = { .kind = WRITE, .fd = sv[1], .buf = "peek", .len = 4 };
	pthread_t t = later(&w);
	long n = recv(sv[0], buf, sizeof(buf), MSG_PEEK);
	pthread_join(t, NULL);
	report("blocking recv MSG_PEEK", n, errno);
	n = read(sv[0], buf, sizeof(buf));
	report("...then read gets the same bytes", n, errno);
	struct act c = { .kind = CLOSE, .fd = sv[1] };
	t = later(&c);
	errno = 0;
	n = read(sv[0], buf, sizeof(buf));
	pthread_join(t, NULL);
	report("blocked read, the peer closes: EOF", n, errno);
	close(sv[0]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	bound(sv[0]);
	struct act s = { .kind = SHUT_READ, .fd = sv[0] };
	t = later(&s);
	errno = 0;
	n = read(sv[0], buf, sizeof(buf));
	pthread_join(t, NULL);
	report("blocked read, own shutdown(SHUT_RD): EOF", n, errno);
	close(sv[0]), close(sv[1]);
}

static int tcp_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)a, sizeof(*a)) == 0 && listen(l, 8) == 0);
	CHECK(getsockname(l, (struct sockaddr *)a, &len) == 0);
	return l;
}

static void accepts(void)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	bound(l);
	struct act s = { .kind = SHUT_BOTH, .fd = l };
	pthread_t t = later(&s);
	errno = 0;
	long r = accept(l, NULL, NULL);
	pthread_join(t, NULL);
	report("blocked accept, shutdown(listening socket)", r, errno);
	close(l);

	l = tcp_listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	printf("accept4 NONBLOCK|CLOEXEC: O_NONBLOCK %d FD_CLOEXEC %d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	char ch;
	long rn = read(fd, &ch, 1);
	report("...read on it, empty", rn, errno);
	close(fd), close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	fd = accept(l, NULL, NULL);
	printf("plain accept: O_NONBLOCK %d FD_CLOEXEC %d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	close(fd), close(c), close(l);

	l = tcp_listener(&a);
	close(l); /* nobody listens on a's port now */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r2 = connect(c, (struct sockaddr *)&a, sizeof(a)), e = errno;
	printf("non-blocking connect to a closed port: %s\n",
	       r2 == 0 ? "connected?" : e == EINPROGRESS || e == ECONNREFUSED ? "EINPROGRESS or ECONNREFUSED" : strerror(e));
	struct pollfd p = { c, POLLOUT, 0 };
	int n = poll(&p, 1, 3000);
	int err = 0;
	socklen_t elen = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
	printf("...poll %d, POLLOUT %d POLLERR %d, SO_ERROR %s\n", n, !!(p.revents & POLLOUT), !!(p.revents & POLLERR),
	       e == ECONNREFUSED ? "Connection refused" : strerror(err));
	close(c);
}

static void passed_fd(void)
{
	int carrier[2], data[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, carrier) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, data) == 0);
	bound(carrier[0]);
	struct act s = { .kind = SEND_FD, .fd = carrier[1], .buf = &data[0] };
	pthread_t t = later(&s);
	char b, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	long n = recvmsg(carrier[0], &m, 0);
	pthread_join(t, NULL);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int got = -1;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(c), sizeof(int));
	printf("blocking recvmsg with SCM_RIGHTS -> %ld, a new descriptor %d\n", n, got >= 0 && got != data[0]);
	close(data[0]);
	bound(got);
	struct act w = { .kind = WRITE, .fd = data[1], .buf = "via", .len = 3 };
	t = later(&w);
	char buf[8] = { 0 };
	errno = 0;
	n = read(got, buf, sizeof(buf));
	pthread_join(t, NULL);
	printf("blocking read on the received descriptor -> %ld %s\n", n, n > 0 ? buf : strerror(errno));
	close(got), close(data[1]), close(carrier[0]), close(carrier[1]);
}

static void fcntl_nonblock_connect(void)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK) == 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a)), e = errno;
	struct pollfd p = { c, POLLOUT, 0 };
	int n = poll(&p, 1, 3000);
	int err = -1;
	socklen_t elen = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
	printf("fcntl O_NONBLOCK connect: 0 or EINPROGRESS %d, poll %d POLLOUT %d, SO_ERROR %d\n",
	       r == 0 || e == EINPROGRESS, n, !!(p.revents & POLLOUT), err);
	close(c), close(l);
}

#define UNIX_CLIENTS 10
static struct sockaddr_un ua;
static socklen_t ualen;

static void *unix_client(void *arg)
{
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	long r = connect(c, (struct sockaddr *)&ua, ualen) == 0;
	if (r)
		r = write(c, "u", 1) == 1;
	close(c);
	return (void *)r;
}

static void unix_backlog(void)
{
	ua.sun_family = AF_UNIX;
	int len = snprintf(ua.sun_path + 1, sizeof(ua.sun_path) - 1, "greenpatch-test-%d", (int)getpid());
	ualen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len); /* abstract: no file */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&ua, ualen) == 0 && listen(l, 1) == 0);
	bound(l);
	pthread_t t[UNIX_CLIENTS];
	for (int i = 0; i < UNIX_CLIENTS; i++)
		CHECK(pthread_create(&t[i], NULL, unix_client, NULL) == 0);
	int accepted = 0, bytes = 0, ok = 0;
	for (int i = 0; i < UNIX_CLIENTS; i++) {
		usleep(10000); /* a slow server: the backlog stays full */
		int fd = accept(l, NULL, NULL);
		if (fd < 0)
			break;
		accepted++;
		char ch;
		bound(fd);
		bytes += read(fd, &ch, 1) == 1;
		close(fd);
	}
	for (int i = 0; i < UNIX_CLIENTS; i++) {
		void *r;
		pthread_join(t[i], &r);
		ok += r != NULL;
	}
	printf("unix socket, backlog 1, %d blocking connects: %d connected, %d accepted, %d bytes\n", UNIX_CLIENTS, ok,
	       accepted, bytes);
	close(l);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	udp(AF_INET);
	udp(AF_INET6);
	pairs(SOCK_DGRAM, "dgram socketpair");
	pairs(SOCK_SEQPACKET, "seqpacket socketpair");
	peek_eof_shutdown();
	accepts();
	passed_fd();
	fcntl_nonblock_connect();
	unix_backlog();
	return 0;
}
