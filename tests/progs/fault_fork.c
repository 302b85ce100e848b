/* fork in the middle of I/O. Three writer/reader thread pairs stream bytes for 600 ms (every byte
 * a function of its position, checked by the reader, and the total against the writer's) over a
 * unix socketpair, a pipe and a TCP connection over 127.0.0.1; 100 ms in, while they are blocked
 * in reads and writes, main forks.
 *   The child has only main's thread and a copy of every descriptor. It keeps working on its
 *     copy: it closes the streams' ends (so the parent's readers see EOF when the writers end),
 *     echoes what the parent sends on an inherited socketpair until EOF, and has two threads of
 *     its own pass 4 MiB over a new pipe; its exit status says whether all went right.
 *   The parent's transfers finish, every byte in place, while main sends 4 MiB to the child and
 *     reads the echo back from a thread of its own.
 * Every wait is bounded (SO_RCVTIMEO/SO_SNDTIMEO 10 s on the sockets, alarm for the rest). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define ECHO (4 << 20)

struct stream {
	const char *name;
	int rd, wr;
	long long got, bad;
	volatile long long sent;
	unsigned char buf[65536];
};
static struct stream streams[3];
static int ctl[2];

static unsigned char byte_at(long long pos)
{
	return (unsigned char)((pos * 2654435761u) >> 13);
}

static void bound(int fd)
{
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static volatile int stop_writing;

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

/* `n` bytes of the pattern, from position `pos`, in chunks of varying size; *sent follows (and
 * with it, sending ends when stop_writing is set). */
static int send_pattern(int fd, long long pos, long long n, volatile long long *sent)
{
	unsigned char buf[65536];
	for (unsigned k = 0; n > 0 && !(sent && stop_writing); k++) {
		size_t len = 1 + (k * 7919u) % sizeof(buf);
		if ((long long)len > n)
			len = (size_t)n;
		for (size_t i = 0; i < len; i++)
			buf[i] = byte_at(pos + (long long)i);
		if (write_all(fd, buf, len) < 0)
			return -1;
		pos += (long long)len, n -= (long long)len;
		if (sent)
			*sent = pos;
	}
	return 0;
}

/* Read to EOF, checking the pattern; the count, or -1 on an error or a wrong byte. */
static long long check_pattern(int fd, unsigned char *buf, size_t size)
{
	long long got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != byte_at(got + i))
				return -1;
		got += r;
	}
}

static void *writer(void *arg)
{
	struct stream *s = arg;
	if (send_pattern(s->wr, 0, 1ll << 60, &s->sent) < 0)
		s->bad = 1;
	close(s->wr);
	return NULL;
}

static void *reader(void *arg)
{
	struct stream *s = arg;
	s->got = check_pattern(s->rd, s->buf, sizeof(s->buf));
	close(s->rd);
	return NULL;
}

/* ---- the child ---- */

static int child_pipe[2];
static long long child_got;

static void *child_writer(void *arg)
{
	send_pattern(child_pipe[1], 0, ECHO, NULL);
	close(child_pipe[1]);
	return arg;
}

static void *child_reader(void *arg)
{
	static unsigned char buf[65536];
	child_got = check_pattern(child_pipe[0], buf, sizeof(buf));
	return arg;
}

static void child(void)
{
	int ok = 1;
	for (int i = 0; i < 3; i++)
		close(streams[i].rd), close(streams[i].wr);
	close(ctl[0]);
	CHECK(pipe(child_pipe) == 0);
	pthread_t w, r;
	ok &= pthread_create(&r, NULL, child_reader, NULL) == 0;
	ok &= pthread_create(&w, NULL, child_writer, NULL) == 0;
	unsigned char buf[65536];
	long long echoed = 0;
	for (;;) {
		ssize_t n = read(ctl[1], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok &= n == 0;
			break;
		}
		ok &= write_all(ctl[1], buf, (size_t)n) == 0;
		echoed += n;
	}
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	ok &= echoed == ECHO && child_got == ECHO;
	_exit(ok ? 0 : 1);
}

/* ---- the parent ---- */

static int echo_bad;

static void *send_to_child(void *arg)
{
	echo_bad |= send_pattern(ctl[0], 0, ECHO, NULL) < 0;
	shutdown(ctl[0], SHUT_WR);
	return arg;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(25);
	int sv[2], pp[2], t[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(pp) == 0);
	tcp_loopback_pair(&t[0], &t[1]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) == 0);
	bound(sv[0]), bound(sv[1]), bound(t[0]), bound(t[1]), bound(ctl[0]), bound(ctl[1]);
	streams[0] = (struct stream){ .name = "unix stream", .rd = sv[1], .wr = sv[0] };
	streams[1] = (struct stream){ .name = "pipe", .rd = pp[0], .wr = pp[1] };
	streams[2] = (struct stream){ .name = "tcp", .rd = t[1], .wr = t[0] };
	pthread_t w[3], r[3];
	for (int i = 0; i < 3; i++) {
		CHECK(pthread_create(&r[i], NULL, reader, &streams[i]) == 0);
		CHECK(pthread_create(&w[i], NULL, writer, &streams[i]) == 0);
	}
	usleep(100000); /* the transfers are under way */
	int mid = 0;
	for (int i = 0; i < 3; i++)
		mid += streams[i].sent > 0;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child();
	close(ctl[1]);
	usleep(500000);
	stop_writing = 1;
	printf("forked while the transfers were under way: %s\n", mid == 3 ? "yes" : "NO");
	pthread_t st;
	CHECK(pthread_create(&st, NULL, send_to_child, NULL) == 0);
	static unsigned char echo_buf[65536];
	long long echoed = check_pattern(ctl[0], echo_buf, sizeof(echo_buf));
	pthread_join(st, NULL);
	for (int i = 0; i < 3; i++) {
		pthread_join(w[i], NULL);
		pthread_join(r[i], NULL);
		printf("%s: %s\n", streams[i].name,
		       streams[i].got == streams[i].sent && !streams[i].bad ? "every byte arrived, in order"
									 : "BYTES LOST OR WRONG");
	}
	printf("the child echoed the parent's 4 MiB: %s\n", echoed == ECHO && !echo_bad ? "yes" : "NO");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	printf("the child (echo, its own threads over a new pipe): %s\n",
	       WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "all went right" : "FAILED");
	return 0;
}
