/* Load generator for the echo benchmarks (runs natively, never under the preload). One thread, one
 * level-triggered epoll set, non-blocking sockets: opens CONNS connections (blocking connects, each
 * retried on ECONNREFUSED/EAGAIN/ETIMEDOUT for at most CONNECT_S), then every connection does ROUNDS
 * request/response round trips of SIZE bytes. The request of (connection, round) is a byte pattern
 * of its own, so any lost, duplicated, reordered or misrouted byte is caught; every echoed byte is
 * verified. Requests larger than the socket buffers are fine: unsent bytes wait for EPOLLOUT while
 * the echo is read. The clock runs from the first request to the last answer (connection setup
 * excluded); the whole run gives up after LIMIT_S. With SERVER_PID, the server's OS thread count
 * (/proc/PID/status "Threads:") is sampled every 50 ms and its maximum reported.
 * usage: echo_client PORT CONNS ROUNDS SIZE [SERVER_PID]
 * prints: clients=N rounds=R size=S bytes_verified=B errors=E seconds=T rtt_per_sec=X
 *         [server_threads_max=M]   (rtt_per_sec: completed round trips per second)
 * exit status: 1 on any error or wrong byte, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "portfile.h"

#ifndef LIMIT_S
#define LIMIT_S 60.0  /* the whole run */
#endif
#define CONNECT_S 5.0 /* retrying one connection */
#define CHUNK 65536

struct conn {
	int fd, round, want_out;
	size_t sent, got;
};

static struct conn *conns;
static int nconn, rounds, server_pid, ep, active;
static size_t size;
static long errors, verified, trips, threads_max;
static double t_start;
static unsigned char buf[CHUNK];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Byte `off` of the request of (conn, round): the top byte of an arithmetic sequence whose start
 * and step depend on both, computed incrementally (cheap enough not to weigh on the figures). */
static uint32_t pat_start(int i, int round, size_t off)
{
	uint32_t step = 0x9E3779B1u + 2u * (uint32_t)round;
	return (uint32_t)i * 0x85EBCA77u + (uint32_t)round * 0xC2B2AE3Du + step * (uint32_t)off;
}

static void fill(unsigned char *p, size_t n, int i, int round, size_t off)
{
	uint32_t v = pat_start(i, round, off), step = 0x9E3779B1u + 2u * (uint32_t)round;
	for (size_t k = 0; k < n; k++, v += step)
		p[k] = (unsigned char)(v >> 24);
}

static long mismatches(const unsigned char *p, size_t n, int i, int round, size_t off)
{
	uint32_t v = pat_start(i, round, off), step = 0x9E3779B1u + 2u * (uint32_t)round;
	long bad = 0;
	for (size_t k = 0; k < n; k++, v += step)
		bad += p[k] != (unsigned char)(v >> 24);
	return bad;
}

static void fail(int i, const char *what)
{
	fprintf(stderr, "echo_client: connection %d round %d: %s\n", i, conns[i].round, what);
	errors++;
}

static void sample_threads(void)
{
	char path[64], line[256];
	long n;
	snprintf(path, sizeof(path), "/proc/%d/status", server_pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %ld", &n) == 1 && n > threads_max)
			threads_max = n;
	fclose(f);
}

static int retryable(int err)
{
	return err == ECONNREFUSED || err == EAGAIN || err == ETIMEDOUT || err == EINTR;
}

/* A connected non-blocking socket, or -1 once the deadline has passed or on a hard error. */
static int open_conn(const struct sockaddr_in *a)
{
	struct timeval limit = { .tv_sec = 5 };
	int one = 1;
	double t0 = now();
	while (now() - t0 < CONNECT_S && now() - t_start < LIMIT_S) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("echo_client: socket");
			return -1;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)); /* bounds connect() */
		if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			return fd;
		}
		int err = errno;
		close(fd);
		if (!retryable(err)) {
			fprintf(stderr, "echo_client: connect: %s\n", strerror(err));
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "echo_client: could not connect within %.0f s\n", CONNECT_S);
	return -1;
}

static void watch(int i, int want_out)
{
	struct conn *c = &conns[i];
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u32 = (unsigned)i };
	if (c->want_out != want_out && epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fail(i, "epoll_ctl");
	c->want_out = want_out;
}

static void finish(int i)
{
	if (server_pid && active == nconn)
		sample_threads(); /* every connection still open: short runs get one good sample */
	epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL);
	close(conns[i].fd);
	conns[i].fd = -1;
	active--;
}

/* Send what the socket takes of this round's request; 0, or -1 when the connection failed. */
static int send_more(int i)
{
	struct conn *c = &conns[i];
	while (c->sent < size) {
		size_t n = size - c->sent < CHUNK ? size - c->sent : CHUNK;
		fill(buf, n, i, c->round, c->sent);
		ssize_t w = write(c->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			watch(i, 1);
			return 0;
		}
		if (w <= 0) {
			fail(i, strerror(errno));
			return -1;
		}
		c->sent += (size_t)w;
	}
	watch(i, 0);
	return 0;
}

static int start_round(int i)
{
	conns[i].sent = conns[i].got = 0;
	return send_more(i);
}

/* Read one chunk of the echo and verify it; -1 when the connection failed, 1 when it is done. */
static int on_readable(int i)
{
	struct conn *c = &conns[i];
	size_t want = size - c->got < CHUNK ? size - c->got : CHUNK;
	ssize_t n = read(c->fd, buf, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		fail(i, n == 0 ? "closed by the server" : strerror(errno));
		return -1;
	}
	if (c->got + (size_t)n > c->sent)
		fail(i, "echo of bytes never sent");
	long bad = mismatches(buf, (size_t)n, i, c->round, c->got);
	if (bad) {
		fail(i, "wrong bytes in the echo");
		errors += bad - 1;
	}
	verified += n - bad;
	c->got += (size_t)n;
	if (c->got < size)
		return 0;
	trips++;
	if (++c->round == rounds)
		return 1;
	return start_round(i);
}

static void on_event(const struct epoll_event *ev)
{
	int i = (int)ev->data.u32, r = 0;
	if (conns[i].fd < 0)
		return;
	if ((ev->events & EPOLLOUT) && conns[i].sent < size)
		r = send_more(i);
	if (r == 0 && (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		r = on_readable(i);
	if (r != 0)
		finish(i);
}

static int connect_all(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int i = 0; i < nconn; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
		conns[i].fd = open_conn(&a);
		if (conns[i].fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0)
			return -1;
	}
	return 0;
}

/* All round trips; returns the seconds from the first request to the last answer. */
static double run(void)
{
	struct epoll_event evs[1024];
	double t0 = now(), last_sample = 0;
	active = nconn;
	for (int i = 0; i < nconn; i++)
		if (start_round(i) < 0)
			finish(i);
	while (active > 0) {
		int n = epoll_wait(ep, evs, 1024, 100);
		double t = now();
		if (t - t_start > LIMIT_S) {
			fprintf(stderr, "echo_client: gave up after %.0f s, %d connections unfinished\n",
				LIMIT_S, active);
			errors++;
			break;
		}
		if (server_pid && t - last_sample > 0.05)
			sample_threads(), last_sample = t;
		for (int k = 0; k < n; k++)
			on_event(&evs[k]);
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || atoi(argv[2]) <= 0 || atoi(argv[3]) <= 0 || atoi(argv[4]) <= 0) {
		fprintf(stderr, "usage: echo_client PORT CONNS ROUNDS SIZE [SERVER_PID]\n");
		return 2;
	}
	nconn = atoi(argv[2]), rounds = atoi(argv[3]), size = (size_t)atol(argv[4]);
	server_pid = argc > 5 ? atoi(argv[5]) : 0;
	conns = calloc((size_t)nconn, sizeof(*conns));
	ep = epoll_create1(0);
	t_start = now();
	if (!conns || ep < 0 || connect_all(parse_port(argv[1])) < 0)
		return 1;
	if (server_pid)
		sample_threads();
	double secs = run();
	printf("clients=%d rounds=%d size=%zu bytes_verified=%ld errors=%ld seconds=%.3f rtt_per_sec=%.0f",
	       nconn, rounds, size, verified, errors, secs, trips / secs);
	if (server_pid)
		printf(" server_threads_max=%ld", threads_max);
	printf("\n");
	return errors || verified != (long)nconn * rounds * (long)size ? 1 : 0;
}
