/* Threads blocked on a socket another thread closes: under greenpatch they wake with EBADF
 * (natively Linux leaves them blocked, so this program only runs under the preload): three
 * readers, an acceptor on a listening socket, a writer on a full socket, and waiters in poll (it
 * reports POLLNVAL), select and epoll_wait on the program's own instance (EBADF: what those calls
 * say of a closed descriptor). A fourth, in epoll_wait on an instance whose only watched socket is
 * closed, waits on to its timeout, as natively (the instance drops the closed file). Then the fd number is
 * reused at once by a new socket: a waiter on the new socket is not woken by anything that belonged
 * to the old one. Every wait is bounded (SO_RCVTIMEO/SO_SNDTIMEO 3 s): a missed wake-up prints
 * "Resource temporarily unavailable" instead of hanging. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

static int sv[2], lst, full[2], ep, ep2, watched[2], idle[2];

static void bound(int fd)
{
	struct timeval tv = { 3, 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
}

static void *reader(void *arg)
{
	char c;
	ssize_t n = read(sv[0], &c, 1);
	return (void *)(long)(n < 0 ? errno : 0);
}

static void *acceptor(void *arg)
{
	int fd = accept(lst, NULL, NULL);
	return (void *)(long)(fd < 0 ? errno : 0);
}

static void *writer(void *arg)
{
	static char big[1 << 20];
	ssize_t n;
	while ((n = write(full[0], big, sizeof(big))) > 0) /* until the buffer is full and it blocks */
		;
	return (void *)(long)(n < 0 ? errno : 0);
}

static void *poller(void *arg)
{
	static char res[64];
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	int n = poll(&p, 1, 3000);
	snprintf(res, sizeof(res), "poll: %d%s", n, n == 1 && p.revents == POLLNVAL ? " POLLNVAL" : "");
	return res;
}

static void *selector(void *arg)
{
	static char res[64];
	fd_set r;
	FD_ZERO(&r);
	FD_SET(lst, &r);
	struct timeval tv = { 3, 0 };
	int n = select(lst + 1, &r, NULL, NULL, &tv);
	snprintf(res, sizeof(res), "select: %d %s", n, n < 0 ? strerror(errno) : "");
	return res;
}

static void *epoller(void *arg)
{
	static char res[2][80];
	int which = (int)(long)arg;
	struct epoll_event ev;
	int n = epoll_wait(which ? ep2 : ep, &ev, 1, which ? 300 : 3000);
	snprintf(res[which], sizeof(res[which]), "epoll_wait (%s): %d %s",
		 which ? "its socket closed" : "its instance closed", n, n < 0 ? strerror(errno) : "");
	return res[which];
}

static void show_line(pthread_t t)
{
	void *r;
	pthread_join(t, &r);
	printf("%s\n", (char *)r);
}

static void show(const char *who, pthread_t t)
{
	void *r;
	pthread_join(t, &r);
	printf("%s: %s\n", who, r ? strerror((int)(long)r) : "no error");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, full) == 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	lst = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lst, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lst, 8) == 0);
	bound(sv[0]), bound(lst), bound(full[0]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, watched) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, idle) == 0);
	ep = epoll_create1(0), ep2 = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, idle[0], &ev) == 0 && epoll_ctl(ep2, EPOLL_CTL_ADD, watched[0], &ev) == 0);
	pthread_t t[3], ta, tw, tp, ts, te, te2;
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	CHECK(pthread_create(&ta, NULL, acceptor, NULL) == 0);
	CHECK(pthread_create(&tw, NULL, writer, NULL) == 0);
	CHECK(pthread_create(&tp, NULL, poller, NULL) == 0);
	CHECK(pthread_create(&ts, NULL, selector, NULL) == 0);
	CHECK(pthread_create(&te, NULL, epoller, (void *)0) == 0);
	CHECK(pthread_create(&te2, NULL, epoller, (void *)1) == 0);
	usleep(100000); /* all of them blocked */
	int old = sv[0];
	CHECK(close(sv[0]) == 0);
	CHECK(close(lst) == 0);
	CHECK(close(full[0]) == 0);
	CHECK(close(ep) == 0);
	CHECK(close(watched[0]) == 0);
	for (int i = 0; i < 3; i++) {
		char who[16];
		snprintf(who, sizeof(who), "reader %d", i);
		show(who, t[i]);
	}
	show("acceptor", ta);
	show("writer", tw);
	show_line(tp);
	show_line(ts);
	show_line(te);
	show_line(te2);
	int nv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, nv) == 0);
	printf("fd reused: %s\n", nv[0] == old ? "yes" : "no");
	sv[0] = nv[0];
	bound(sv[0]);
	pthread_t r2;
	CHECK(pthread_create(&r2, NULL, reader, NULL) == 0);
	usleep(50000);
	(void)!write(sv[1], "x", 1); /* the old peer (EPIPE): must not wake the new reader */
	usleep(50000);
	CHECK(write(nv[1], "y", 1) == 1);
	void *r;
	pthread_join(r2, &r);
	printf("new reader: %s\n", r ? strerror((int)(long)r) : "got its byte");
	return 0;
}
