/* Descriptors shared inside one process, compared with the native run: 8 threads blocked in read()
 * on one socket each get one byte of a single 8-byte write; a dup'd descriptor shares the open
 * file's O_NONBLOCK (set through one, seen and obeyed through the other) and the socket's
 * SO_RCVTIMEO; closing one descriptor of a socket leaves a read blocked on another one waiting for
 * data; dup2/dup3 onto a descriptor the process already waited on then wait on the new socket.
 * One thread blocked reading a socket while another is blocked writing to it.
 * usage: sock_sharing [readers|nonblock|dup2|timeout|close|duplex]   (no argument: all of them) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

#define READERS 8
static int shared_fd;

/* Bound every blocking read of this program: a lost wake-up shows as an error, not a hang. */
static void timeout_3s(int fd)
{
	struct timeval tv = { 3, 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
}

static void *read_one(void *arg)
{
	char c;
	ssize_t n = read(shared_fd, &c, 1);
	return (void *)(long)(n == 1 ? c : n < 0 ? -errno : 0);
}

static void readers_share_one_write(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	timeout_3s(sv[0]);
	shared_fd = sv[0];
	pthread_t t[READERS];
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_create(&t[i], NULL, read_one, NULL) == 0);
	usleep(50000); /* all of them blocked */
	CHECK(write(sv[1], "abcdefgh", READERS) == READERS);
	int seen[256] = { 0 }, got = 0, distinct = 0;
	for (int i = 0; i < READERS; i++) {
		void *r;
		pthread_join(t[i], &r);
		long v = (long)r;
		if (v > 0) {
			got++;
			distinct += !seen[v]++;
		}
	}
	printf("%d readers blocked on one socket, one write of 8 bytes: %d got a byte, %d distinct\n",
	       READERS, got, distinct);
	close(sv[0]), close(sv[1]);
}

static int nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

/* A read that fails at once says so; one that waited for SO_RCVTIMEO says "after a wait". */
static void show_read(const char *what, int fd)
{
	char c;
	double t0 = now_ms();
	errno = 0;
	ssize_t n = read(fd, &c, 1);
	int e = errno;
	printf("%-44s -> %zd %s%s\n", what, n, n < 0 ? strerror(e) : "", now_ms() - t0 > 1000 ? " after a wait" : "");
}

static void dup_shares_nonblock(void)
{
	int sv[2], on = 1, off = 0;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	timeout_3s(sv[0]);
	int d = dup(sv[0]);
	printf("dup: F_GETFL O_NONBLOCK %d %d\n", nonblock(sv[0]), nonblock(d));
	CHECK(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == 0);
	printf("O_NONBLOCK set on the original: seen through the dup %d\n", nonblock(d));
	show_read("read on the dup, empty", d);
	int d2 = fcntl(sv[0], F_DUPFD_CLOEXEC, 10);
	printf("F_DUPFD_CLOEXEC >= 10: %d, O_NONBLOCK %d, FD_CLOEXEC %d\n", d2 >= 10, nonblock(d2),
	       !!(fcntl(d2, F_GETFD) & FD_CLOEXEC));
	show_read("read on the F_DUPFD_CLOEXEC copy, empty", d2);
	CHECK(fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK) == 0);
	printf("cleared through the dup: original %d copy %d\n", nonblock(sv[0]), nonblock(d2));
	CHECK(ioctl(d2, FIONBIO, &on) == 0);
	printf("FIONBIO on through the copy: original %d dup %d\n", nonblock(sv[0]), nonblock(d));
	show_read("read on the original, empty", sv[0]);
	CHECK(ioctl(sv[0], FIONBIO, &off) == 0);
	printf("FIONBIO off through the original: dup %d copy %d\n", nonblock(d), nonblock(d2));
	CHECK(write(sv[1], "z", 1) == 1);
	show_read("read on the copy, data waiting", d2);
	close(d), close(d2), close(sv[0]), close(sv[1]);
}

struct late {
	int fd;
	const char *bytes;
};

static void *write_late(void *arg)
{
	struct late *l = arg;
	usleep(50000);
	CHECK(write(l->fd, l->bytes, strlen(l->bytes)) == (ssize_t)strlen(l->bytes));
	return NULL;
}

/* Read fd in this thread while another thread writes to peer 50 ms later. */
static void read_while_written(const char *what, int fd, int peer, const char *bytes)
{
	pthread_t t;
	struct late l = { peer, bytes };
	CHECK(pthread_create(&t, NULL, write_late, &l) == 0);
	char buf[16] = { 0 };
	errno = 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	printf("%-44s -> %zd %s\n", what, n, n < 0 ? strerror(errno) : buf);
	pthread_join(t, NULL);
}

static void dup2_onto_watched(void)
{
	int a[2], b[2], c[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	timeout_3s(a[0]), timeout_3s(b[0]), timeout_3s(c[0]);
	int fd = a[0];
	read_while_written("blocking read on fd (socket A)", fd, a[1], "a1");
	CHECK(dup2(b[0], fd) == fd); /* A's last descriptor: A is closed */
	read_while_written("after dup2 of B onto fd: blocking read", fd, b[1], "b1");
	int keep = dup(fd); /* B stays open through keep */
	CHECK(dup3(c[0], fd, O_CLOEXEC) == fd);
	printf("dup3 O_CLOEXEC: FD_CLOEXEC on fd %d, on C's own %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(c[0], F_GETFD) & FD_CLOEXEC));
	CHECK(write(b[1], "b2", 2) == 2); /* for B, still open: must not be read through fd */
	read_while_written("after dup3 of C onto fd: blocking read", fd, c[1], "c1");
	read_while_written("B through its other descriptor", keep, b[1], "b3");
	printf("dup2 onto itself: %d\n", dup2(fd, fd) == fd);
	errno = 0;
	int r = dup3(fd, fd, 0);
	printf("dup3 onto itself: %d %s\n", r, strerror(errno));
	errno = 0;
	r = dup2(999, fd);
	printf("dup2 of a closed fd: %d %s\n", r, strerror(errno));
	read_while_written("fd still C after the failed dup2", fd, c[1], "c2");
	close(keep), close(fd), close(a[1]), close(b[0]), close(b[1]), close(c[0]), close(c[1]);
}

/* A read on one descriptor while SO_RCVTIMEO 200 ms was set through another: it times out at
 * about 200 ms, as natively; a lost timeout shows as the byte a thread writes 2 s later (unless the
 * read ended first and called it off). */
static int called_off;
static pthread_mutex_t off_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t off_c = PTHREAD_COND_INITIALIZER;

static void *write_2s(void *arg)
{
	struct late *l = arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 2000);
	int r = 0;
	pthread_mutex_lock(&off_m);
	while (!called_off && r == 0)
		r = pthread_cond_timedwait(&off_c, &off_m, &ts);
	if (!called_off)
		CHECK(write(l->fd, l->bytes, strlen(l->bytes)) == (ssize_t)strlen(l->bytes));
	pthread_mutex_unlock(&off_m);
	return NULL;
}

static void timeout_through(const char *what, int reader_fd, int set_fd, int peer)
{
	struct timeval tv = { 0, 200000 };
	CHECK(setsockopt(set_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	pthread_t t;
	struct late l = { peer, "L" };
	called_off = 0;
	CHECK(pthread_create(&t, NULL, write_2s, &l) == 0);
	char c;
	double t0 = now_ms();
	errno = 0;
	ssize_t n = read(reader_fd, &c, 1);
	int e = errno;
	double took = now_ms() - t0;
	pthread_mutex_lock(&off_m);
	called_off = 1;
	pthread_cond_signal(&off_c);
	pthread_mutex_unlock(&off_m);
	pthread_join(t, NULL);
	printf("%-44s -> %zd %s%s\n", what, n, n < 0 ? strerror(e) : "got the late byte",
	       n < 0 && took < 1500 ? ", in time" : "");
}

static void dup_shares_timeout(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	int d = dup(sv[0]); /* before the timeout is set */
	timeout_through("SO_RCVTIMEO set on the original, read the dup", d, sv[0], sv[1]);
	close(d), close(sv[0]), close(sv[1]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	d = dup(sv[0]);
	timeout_through("SO_RCVTIMEO set on a dup, read the original", sv[0], d, sv[1]);
	close(d), close(sv[0]), close(sv[1]);
}

/* One thread reads through `reader_fd` while this one closes `closed_fd`, another descriptor of
 * the same socket, then writes to the peer: the reader gets the data, as natively. */
static void close_other_dup(const char *what, int reader_fd, int closed_fd, int peer)
{
	pthread_t t;
	shared_fd = reader_fd;
	CHECK(pthread_create(&t, NULL, read_one, NULL) == 0);
	usleep(50000);
	CHECK(close(closed_fd) == 0);
	usleep(50000);
	CHECK(write(peer, "k", 1) == 1);
	void *r;
	pthread_join(t, &r);
	long v = (long)r;
	printf("%-44s -> %s\n", what, v > 0 ? "got the byte" : v < 0 ? strerror((int)-v) : "EOF");
}

static void close_of_a_dup(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	timeout_3s(sv[0]);
	int d = dup(sv[0]);
	close_other_dup("read on the original, its dup closed", sv[0], d, sv[1]);
	d = dup(sv[0]);
	close_other_dup("read on the dup, the original closed", d, sv[0], sv[1]);
	close(d), close(sv[1]);
}

/* Full duplex on one descriptor: one thread blocked reading it while another is blocked writing 4
 * MiB to it; the peer drains the 4 MiB, then answers the reader. */
static int duplex_sv[2];

static void *duplex_writer(void *arg)
{
	static char big[4 << 20];
	return (void *)(long)write(duplex_sv[0], big, sizeof(big));
}

static void *duplex_peer(void *arg)
{
	char buf[65536];
	long total = 0;
	ssize_t n;
	while (total < (4 << 20) && (n = read(duplex_sv[1], buf, sizeof(buf))) > 0)
		total += n;
	CHECK(write(duplex_sv[1], "r", 1) == 1);
	return (void *)total;
}

static void duplex(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, duplex_sv) == 0);
	timeout_3s(duplex_sv[0]), timeout_3s(duplex_sv[1]);
	shared_fd = duplex_sv[0];
	pthread_t r, w, p;
	CHECK(pthread_create(&r, NULL, read_one, NULL) == 0);
	CHECK(pthread_create(&w, NULL, duplex_writer, NULL) == 0);
	usleep(50000); /* both blocked on the same descriptor */
	CHECK(pthread_create(&p, NULL, duplex_peer, NULL) == 0);
	void *rv, *wv, *pv;
	pthread_join(r, &rv), pthread_join(w, &wv), pthread_join(p, &pv);
	printf("one socket, a blocked reader and a blocked writer: wrote %ld, peer got %ld, reader got %s\n", (long)wv,
	       (long)pv, (long)rv == 'r' ? "the answer" : "something else");
	close(duplex_sv[0]), close(duplex_sv[1]);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} parts[] = { { "readers", readers_share_one_write }, { "nonblock", dup_shares_nonblock },
		      { "dup2", dup2_onto_watched },         { "timeout", dup_shares_timeout },
		      { "close", close_of_a_dup },
		      { "duplex", duplex } };
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (argc < 2 || !strcmp(argv[1], parts[i].name))
			parts[i].run();
	return 0;
}
