/* The baseline: a hand-written single-threaded epoll echo server, as a careful engineer writes one
 * for speed: non-blocking sockets, level-triggered, one read (4 KiB, as the legacy server) per
 * readable event, echoed at once; a short write keeps the rest and waits for EPOLLOUT, reading
 * nothing more from that client until it is out (so memory stays bounded). TCP_NODELAY as the
 * legacy server. usage: epoll_echo_server PORT [PORTFILE]   (PORT 0 picks one) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "portfile.h"

#define MAXFD 65536
struct conn {
	char *pending; /* unsent echo, if a write was short */
	size_t len, off;
};
static struct conn conns[MAXFD];
static int ep;

static void drop(int fd)
{
	free(conns[fd].pending);
	conns[fd] = (struct conn){ 0 };
	close(fd);
}

static void watch(int fd, unsigned events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(ep, op, fd, &ev) < 0) {
		perror("epoll_ctl");
		exit(1);
	}
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("epoll_echo_server: accept4");
			return;
		}
		if (fd >= MAXFD) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		watch(fd, EPOLLIN, EPOLL_CTL_ADD);
	}
}

/* Send what is left; 1 when all is out, 0 when the socket is full, -1 on error. */
static int flush(int fd)
{
	struct conn *c = &conns[fd];
	while (c->off < c->len) {
		ssize_t w = write(fd, c->pending + c->off, c->len - c->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->off += (size_t)w;
	}
	free(c->pending);
	*c = (struct conn){ 0 };
	return 1;
}

static int transient(void)
{
	return errno == EAGAIN || errno == EINTR;
}

/* Keep the unsent tail of an echo and wait for EPOLLOUT, reading nothing more until it is out. */
static void keep_pending(int fd, const char *rest, size_t len)
{
	struct conn *c = &conns[fd];
	c->pending = malloc(len);
	if (!c->pending) {
		drop(fd);
		return;
	}
	memcpy(c->pending, rest, len);
	c->len = len;
	c->off = 0;
	watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
}

static void on_readable(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && transient())
		return;
	if (n <= 0) {
		drop(fd);
		return;
	}
	ssize_t w = write(fd, buf, (size_t)n);
	if (w == n)
		return;
	if (w < 0 && !transient()) {
		drop(fd);
		return;
	}
	size_t done = w > 0 ? (size_t)w : 0;
	keep_pending(fd, buf + done, (size_t)n - done);
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("epoll_echo_server: listen");
		exit(1);
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static void on_writable(int fd)
{
	int r = flush(fd);
	if (r < 0)
		drop(fd);
	else if (r > 0)
		watch(fd, EPOLLIN, EPOLL_CTL_MOD);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	int lfd = listen_on(argc > 1 ? parse_port(argv[1]) : 0);
	if (argc > 2)
		write_port(argv[2], bound_port(lfd));
	ep = epoll_create1(0);
	watch(lfd, EPOLLIN, EPOLL_CTL_ADD);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR) {
			perror("epoll_echo_server: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd)
				accept_all(lfd);
			else if (evs[i].events & EPOLLOUT)
				on_writable(fd);
			else
				on_readable(fd);
		}
	}
}
