/* Socket semantics that must be identical natively and under the preload: results, errno values,
 * the program's view of O_NONBLOCK, partial and complete transfers. Prints one line per check. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include "common.h"

#define SHOW(what, expr)                                                               \
	do {                                                                           \
		errno = 0;                                                             \
		long r_ = (long)(expr);                                                \
		printf("%-36s -> %ld%s%s\n", what, r_, r_ < 0 ? " " : "", r_ < 0 ? strerror(errno) : ""); \
	} while (0)

static int nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static struct sockaddr_in loopback(int port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

static void nonblock_view(void)
{
	int sv[2], on = 1, off = 0;
	char c;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	SHOW("F_GETFL O_NONBLOCK (fresh)", nonblock(sv[0]));
	SHOW("F_SETFL O_NONBLOCK", fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK));
	SHOW("F_GETFL O_NONBLOCK (set)", nonblock(sv[0]));
	SHOW("read with O_NONBLOCK, empty", read(sv[0], &c, 1));
	SHOW("F_SETFL blocking again", fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) & ~O_NONBLOCK));
	SHOW("F_GETFL O_NONBLOCK (cleared)", nonblock(sv[0]));
	SHOW("ioctl FIONBIO on", ioctl(sv[1], FIONBIO, &on));
	SHOW("F_GETFL after FIONBIO on", nonblock(sv[1]));
	SHOW("recv after FIONBIO on, empty", recv(sv[1], &c, 1, 0));
	SHOW("ioctl FIONBIO off", ioctl(sv[1], FIONBIO, &off));
	SHOW("F_GETFL after FIONBIO off", nonblock(sv[1]));
	SHOW("recv MSG_DONTWAIT, empty", recv(sv[0], &c, 1, MSG_DONTWAIT));
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	SHOW("socket(SOCK_NONBLOCK) F_GETFL", nonblock(s));
	close(s);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0);
	SHOW("listen", listen(l, 4));
	SHOW("listening socket F_GETFL O_NONBLOCK", nonblock(l));
	SHOW("listening socket FIONBIO on", ioctl(l, FIONBIO, &on));
	SHOW("accept, non-blocking, none pending", accept(l, NULL, NULL));
	SHOW("listening socket FIONBIO off", ioctl(l, FIONBIO, &off));
	SHOW("listening socket F_GETFL O_NONBLOCK", nonblock(l));
	close(l);
	close(sv[0]);
	close(sv[1]);
}

static void timeouts(void)
{
	int sv[2];
	char c;
	struct timeval tv = { 0, 100000 };
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	SHOW("setsockopt SO_RCVTIMEO 100 ms", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	double t0 = now_ms();
	SHOW("read with SO_RCVTIMEO, nothing comes", read(sv[0], &c, 1));
	double took = now_ms() - t0;
	SHOW("...waited 90 ms or more", took >= 90);
	struct timeval got;
	socklen_t len = sizeof(got);
	SHOW("getsockopt SO_RCVTIMEO", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len));
	SHOW("...usec", got.tv_usec);
	SHOW("setsockopt SO_SNDTIMEO 100 ms", setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	static char big[8 << 20];
	ssize_t n = write(sv[1], big, sizeof(big)); /* nobody reads: fills the buffer, then times out */
	SHOW("write 8 MiB, nobody reads: partial", n > 0 && n < (ssize_t)sizeof(big));
	t0 = now_ms();
	SHOW("write to the full socket", write(sv[1], big, 1));
	SHOW("...waited 90 ms or more", now_ms() - t0 >= 90);
	close(sv[0]);
	close(sv[1]);
}

static void connects(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 8) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a)), e = errno; /* SHOW clears errno */
	SHOW("non-blocking connect: 0 or EINPROGRESS", r == 0 || e == EINPROGRESS);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	SHOW("poll for the connect", poll(&p, 1, 5000));
	SHOW("...revents POLLOUT", p.revents & POLLOUT);
	int err = -1;
	len = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	SHOW("SO_ERROR", err);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("blocking connect", connect(b, (struct sockaddr *)&a, sizeof(a)));
	SHOW("connect again", connect(b, (struct sockaddr *)&a, sizeof(a)));
	int s1 = accept(l, NULL, NULL), s2 = accept(l, NULL, NULL);
	SHOW("two accepts", s1 >= 0 && s2 >= 0);
	close(l);
	int d = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("connect to a closed port", connect(d, (struct sockaddr *)&a, sizeof(a)));
	close(c), close(b), close(d), close(s1), close(s2);
}

static void *drain(void *arg)
{
	int fd = (int)(long)arg;
	char buf[65536];
	long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return (void *)total;
}

static void transfers(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	char a[3] = "abc", b[4] = "defg", in[16] = { 0 };
	struct iovec out[2] = { { a, 3 }, { b, 4 } };
	SHOW("writev 3+4", writev(sv[0], out, 2));
	struct iovec iv[2] = { { in, 2 }, { in + 2, 10 } };
	SHOW("readv", readv(sv[1], iv, 2));
	printf("%-36s -> %s\n", "...data", in);
	volatile int minus_one = -1;
	SHOW("readv iovcnt -1", readv(sv[1], iv, minus_one));
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };
	SHOW("sendmsg", sendmsg(sv[1], &m, 0));
	memset(in, 0, sizeof(in));
	struct msghdr mr = { .msg_iov = iv, .msg_iovlen = 2 };
	SHOW("recvmsg", recvmsg(sv[0], &mr, 0));
	printf("%-36s -> %s\n", "...data", in);
	SHOW("send 3", send(sv[0], "xyz", 3, 0));
	SHOW("send 3 more", send(sv[0], "uvw", 3, 0));
	SHOW("recv MSG_WAITALL 6", recv(sv[1], in, 6, MSG_WAITALL));
	SHOW("zero-length write", write(sv[0], in, 0));
	SHOW("zero-length read", read(sv[1], in, 0));
	/* a large blocking send completes in full while a reader drains */
	static char big[4 << 20];
	pthread_t t;
	CHECK(pthread_create(&t, NULL, drain, (void *)(long)sv[1]) == 0);
	SHOW("write 4 MiB", write(sv[0], big, sizeof(big)));
	SHOW("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	void *total;
	pthread_join(t, &total);
	SHOW("...reader got", (long)total);
	SHOW("read after peer shutdown", read(sv[1], in, 1));
	close(sv[1]);
	SHOW("write after peer closed", write(sv[0], "x", 1));
	int fd2 = dup(sv[0]);
	SHOW("dup", fd2 > 0);
	SHOW("dup2 onto self", dup2(fd2, fd2) == fd2);
	close(sv[0]);
	close(fd2);
}

static void bad_fds(void)
{
	char c;
	int p[2];
	SHOW("read from a closed fd", read(1000, &c, 1));
	SHOW("recv from a closed fd", recv(1000, &c, 1, 0));
	SHOW("close a closed fd", close(1000));
	CHECK(pipe(p) == 0);
	SHOW("recv on a pipe", recv(p[0], &c, 1, 0));
	SHOW("accept on a pipe", accept(p[0], NULL, NULL));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("accept on a non-listening socket", accept(s, NULL, NULL));
	SHOW("read from an unconnected socket", read(s, &c, 1));
	SHOW("write to an unconnected socket", write(s, "x", 1));
	SHOW("socket(bad domain)", socket(12345, SOCK_STREAM, 0));
	close(s), close(p[0]), close(p[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	nonblock_view();
	timeouts();
	connects();
	transfers();
	bad_fds();
	return 0;
}
