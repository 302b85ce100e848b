/* The baseline: a hand-written single-threaded epoll echo server, as a careful engineer writes one
 * for speed (non-blocking sockets, level-triggered, one read per readable event, partial writes
 * finished on EPOLLOUT). usage: epoll_echo_server PORT [PORTFILE] */
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
		if (fd < 0)
			return;
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
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->off += (size_t)w;
	}
	free(c->pending);
	*c = (struct conn){ 0 };
	return 1;
}

static void on_readable(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		drop(fd);
		return;
	}
	if (n < 0)
		return;
	ssize_t w = write(fd, buf, (size_t)n);
	if (w == n)
		return;
	if (w < 0 && errno != EAGAIN) {
		drop(fd);
		return;
	}
	struct conn *c = &conns[fd];
	size_t done = w > 0 ? (size_t)w : 0;
	c->pending = malloc((size_t)n - done);
	memcpy(c->pending, buf + done, (size_t)n - done);
	c->len = (size_t)n - done;
	c->off = 0;
	watch(fd, EPOLLOUT, EPOLL_CTL_MOD); /* stop reading until the echo is out */
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(argc > 1 ? atoi(argv[1]) : 0),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("listen");
		return 1;
	}
	getsockname(lfd, (struct sockaddr *)&a, &len);
	if (argc > 2)
		write_port(argv[2], ntohs(a.sin_port));
	ep = epoll_create1(0);
	watch(lfd, EPOLLIN, EPOLL_CTL_ADD);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd)
				accept_all(lfd);
			else if (evs[i].events & EPOLLOUT) {
				int r = flush(fd);
				if (r < 0)
					drop(fd);
				else if (r > 0)
					watch(fd, EPOLLIN, EPOLL_CTL_MOD);
			} else
				on_readable(fd);
		}
	}
}
