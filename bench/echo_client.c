/* Load generator for the echo benchmarks (runs natively, never under the preload). One thread,
 * one epoll set: opens CONNS connections, then every connection does ROUNDS request/response round
 * trips of SIZE bytes, each request a pattern unique to (connection, round, offset) so that any
 * lost, duplicated or misrouted byte is caught. Optionally samples the server's OS thread count.
 * usage: echo_client PORT CONNS ROUNDS SIZE [SERVER_PID]
 * prints: clients=N rounds=R size=S bytes_verified=B errors=E seconds=T rtt_per_sec=X [server_threads_max=M] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_S 120.0

struct conn {
	int fd, round;
	size_t sent, got;
};

static int nconn, rounds, size, server_pid;
static long errors, verified, threads_max;
static unsigned char *req, *resp;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char pattern(int conn, int round, size_t off)
{
	return (unsigned char)(conn * 131 + round * 31 + off * 7 + (off >> 8));
}

static void sample_threads(void)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", server_pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		long n;
		if (sscanf(line, "Threads: %ld", &n) == 1 && n > threads_max)
			threads_max = n;
	}
	if (f)
		fclose(f);
}

static int open_conn(const struct sockaddr_in *a)
{
	for (int tries = 0; tries < 200; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		if (fd < 0) {
			perror("socket");
			exit(2);
		}
		if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
		usleep(10000);
	}
	perror("connect");
	exit(2);
}

/* Send the request of this round (blocking socket; SIZE fits the send buffer). */
static void send_request(struct conn *c, int i)
{
	for (size_t k = 0; k < (size_t)size; k++)
		req[k] = pattern(i, c->round, k);
	size_t off = 0;
	while (off < (size_t)size) {
		ssize_t w = write(c->fd, req + off, (size_t)size - off);
		if (w <= 0) {
			perror("write");
			errors++;
			return;
		}
		off += (size_t)w;
	}
	c->got = 0;
}

/* Read what is there; verify it; 1 when this connection is finished. */
static int on_readable(struct conn *c, int i)
{
	ssize_t n = read(c->fd, resp, (size_t)size - c->got);
	if (n <= 0) {
		fprintf(stderr, "connection %d: %s\n", i, n == 0 ? "closed by server" : strerror(errno));
		errors++;
		return 1;
	}
	for (ssize_t k = 0; k < n; k++)
		if (resp[k] != pattern(i, c->round, c->got + (size_t)k))
			errors++;
	verified += n;
	c->got += (size_t)n;
	if (c->got < (size_t)size)
		return 0;
	if (++c->round == rounds)
		return 1;
	send_request(c, i);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: echo_client PORT CONNS ROUNDS SIZE [SERVER_PID]\n");
		return 2;
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	nconn = atoi(argv[2]), rounds = atoi(argv[3]), size = atoi(argv[4]);
	server_pid = argc > 5 ? atoi(argv[5]) : 0;
	struct conn *conns = calloc((size_t)nconn, sizeof(*conns));
	req = malloc((size_t)size), resp = malloc((size_t)size);
	int ep = epoll_create1(0);
	for (int i = 0; i < nconn; i++) {
		conns[i].fd = open_conn(&a);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	if (server_pid)
		sample_threads();
	double t0 = now(), last_sample = t0;
	for (int i = 0; i < nconn; i++)
		send_request(&conns[i], i);
	int active = nconn;
	struct epoll_event evs[256];
	while (active > 0) {
		int n = epoll_wait(ep, evs, 256, 1000);
		double t = now();
		if (t - t0 > LIMIT_S) {
			fprintf(stderr, "echo_client: gave up after %.0f s with %d connections active\n", LIMIT_S, active);
			errors++;
			break;
		}
		if (server_pid && t - last_sample > 0.05)
			sample_threads(), last_sample = t;
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;
			if (on_readable(&conns[i], i)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL);
				close(conns[i].fd);
				active--;
			}
		}
	}
	double secs = now() - t0;
	printf("clients=%d rounds=%d size=%d bytes_verified=%ld errors=%ld seconds=%.3f rtt_per_sec=%.0f",
	       nconn, rounds, size, verified, errors, secs, (double)nconn * rounds / secs);
	if (server_pid)
		printf(" server_threads_max=%ld", threads_max);
	printf("\n");
	return errors || verified != (long)nconn * rounds * size ? 1 : 0;
}
