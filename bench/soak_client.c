/* Load generator of the soak (bench/soak.sh, `make soak`; runs natively, never under the preload).
 * One thread, one level-triggered epoll set, non-blocking sockets and connects. CONNS persistent
 * connections do request/response round trips for the whole run (back to back, or THINK_MS
 * apart); beside them CHURN short-lived connections are always in flight: each connects, does 1
 * to 3 round trips and goes, in turn by a plain close, a half-close (shutdown SHUT_WR, then the
 * server's EOF must arrive before the close), an abortive close (SO_LINGER 0: the server reads
 * ECONNRESET) or a close with a request sent and its echo unread (the server's write meets a
 * closed connection); then another takes its place. Request sizes vary from 1 byte to 16 KiB
 * (seven in eight up to 512 bytes); the request of (connection, round) is a byte pattern of its
 * own, every echoed byte is checked against it, and a checksum of every byte sent and every byte
 * received on completed round trips is kept (they must be equal).
 *
 * The clock starts when every persistent connection has finished its first round trip; with
 * THINK_MS, a persistent connection pauses that long between round trips. With SERVER_PID, the
 * server's VmRSS is sampled then (rss_warm), half-way (rss_mid, with the churn count then), every
 * second (rss_max; SOAK_TRACE=1 prints each sample on stderr) and at the end while every
 * persistent connection is still open (rss_end). Between rss_mid and rss_end the server holds the
 * same connections and has served churned_after_mid more: a leak per connection shows there.
 * At the end every connection finishes its round trip and closes; the client waits for the EOF of
 * the half-closed ones. Any unexpected EOF, error, wrong byte or connect failure is an error.
 * usage: soak_client PORT CONNS SECONDS [CHURN [THINK_MS [SERVER_PID]]]
 * prints one line: conns= churn= think_ms= connect_s= seconds= drain_s= round_trips= rtt_per_sec=
 *   churned= churned_per_sec= (by close mode: closed= halfclosed= reset= dropped=) bytes_verified=
 *   checksum_sent= checksum_recv= errors= [rss_warm_kb= rss_mid_kb= rss_end_kb= rss_max_kb=
 *   churned_after_mid=]
 * exit status: 1 on any error, 2 on bad usage. */
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

#define MAX_SIZE 16384
#define CONNECTING_MAX 256 /* connects in flight: well under the server's backlog */
#define GRACE_S 30.0       /* the end: every round trip and half-close must finish within it */

enum mode { PERSIST = -1, CLOSE, HALFCLOSE, RESET, DROP, NMODES };
enum state { FREE, CONNECTING, RUNNING, DRAINING };

struct conn {
	int fd, round, rounds, want_out;
	enum state state;
	enum mode mode;
	uint64_t id;
	size_t size, sent, got;
	uint64_t cks_sent, cks_recv; /* this round's: added to the totals when the echo is complete */
};

static struct conn *conns;
static int nconn, nchurn, nslots, ep, connecting, stopping, server_pid, think_ms;
static struct conn **thinking; /* persistent connections between round trips, oldest first */
static double *due;             /* when each of them starts its next one */
static int think_head, think_n;
static uint64_t next_id;
static long errors, trips, churned[NMODES], churned_mid, rss_warm, rss_mid, rss_end, rss_max;
static unsigned long long verified, sum_sent, sum_recv;
static struct sockaddr_in server;
static unsigned char buf[MAX_SIZE];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33, x *= 0xff51afd7ed558ccdull, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Byte `off` of the request of (id, round): the top byte of an arithmetic sequence. */
static unsigned char pat(const struct conn *c, size_t off)
{
	uint32_t seed = (uint32_t)mix(c->id * 131 + (uint64_t)c->round);
	return (unsigned char)((seed + (0x9E3779B1u + 2u * (uint32_t)c->round) * (uint32_t)off) >> 24);
}

static uint64_t cks(uint64_t s, unsigned char b)
{
	return s * 1099511628211ull + b + 1;
}

static void fail(const struct conn *c, const char *what)
{
	if (errors < 20)
		fprintf(stderr, "soak_client: connection %llu round %d (%s): %s\n", (unsigned long long)c->id,
			c->round, c->mode == PERSIST ? "persistent" : "churn", what);
	errors++;
}

static long server_rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", server_pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	if (kb > rss_max)
		rss_max = kb;
	return kb;
}

static void set_events(struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };
	if (c->want_out != want_out && epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fail(c, "epoll_ctl");
	c->want_out = want_out;
}

static void release(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = FREE;
}

/* Send what the socket takes of this round's request. */
static int send_more(struct conn *c)
{
	while (c->sent < c->size) {
		size_t n = c->size - c->sent;
		for (size_t k = 0; k < n; k++)
			buf[k] = pat(c, c->sent + k);
		ssize_t w = write(c->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			set_events(c, 1);
			return 0;
		}
		if (w <= 0) {
			fail(c, w == 0 ? "write returned 0" : strerror(errno));
			return -1;
		}
		for (ssize_t k = 0; k < w; k++)
			c->cks_sent = cks(c->cks_sent, buf[k]);
		c->sent += (size_t)w;
	}
	set_events(c, 0);
	return 0;
}

/* Mostly small requests (up to 512 bytes), one in eight up to MAX_SIZE. */
static int start_round(struct conn *c)
{
	uint64_t r = mix(c->id * 7919 + (uint64_t)c->round);
	c->size = 1 + (r % 8 ? r / 8 % 512 : r / 8 % MAX_SIZE);
	c->sent = c->got = 0;
	c->cks_sent = c->cks_recv = 0;
	return send_more(c);
}

/* A new connection in slot c (persistent or churn), its connect started. */
static int open_conn(struct conn *c, enum mode mode)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	if (fd < 0) {
		perror("soak_client: socket");
		errors++;
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*c = (struct conn){ .fd = fd, .state = CONNECTING, .mode = mode, .id = next_id++, .want_out = 1 };
	c->rounds = mode == PERSIST ? 0 : 1 + (int)(mix(c->id) % 3);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	if ((connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fail(c, strerror(errno));
		close(fd);
		c->state = FREE;
		return -1;
	}
	connecting++;
	return 0;
}

static void connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	connecting--;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		fail(c, err == ECONNREFUSED ? "connect: refused" : strerror(err));
		release(c);
		return;
	}
	c->state = RUNNING;
	if (start_round(c) < 0)
		release(c);
}

/* A churn connection's end, by its mode; the slot is then free for the next one. */
static void leave(struct conn *c)
{
	static const struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };
	churned[c->mode]++;
	if (c->mode == HALFCLOSE) {
		if (shutdown(c->fd, SHUT_WR) < 0) {
			fail(c, "shutdown");
			release(c);
			return;
		}
		c->state = DRAINING; /* until the server's EOF */
		set_events(c, 0);
		return;
	}
	if (c->mode == RESET)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof(abort_now));
	if (c->mode == DROP) /* one more request goes out; its echo is never read */
		start_round(c);
	release(c);
}

static void round_done(struct conn *c)
{
	trips++;
	sum_sent += c->cks_sent;
	sum_recv += c->cks_recv;
	c->round++;
	if (c->mode == PERSIST && stopping) {
		release(c);
		return;
	}
	if (c->mode != PERSIST && (c->round == c->rounds || stopping)) {
		leave(c);
		return;
	}
	if (c->mode == PERSIST && think_ms) { /* the ring holds every persistent connection at most once */
		int k = (think_head + think_n++) % nconn;
		thinking[k] = c;
		due[k] = now() + think_ms / 1e3;
		return;
	}
	if (start_round(c) < 0)
		release(c);
}

/* Persistent connections whose pause is over start their next round trip; the ms until the next
 * one is due (the epoll timeout), at most 100. */
static int wake_thinkers(void)
{
	double t = now();
	while (think_n && due[think_head] <= t) {
		struct conn *c = thinking[think_head];
		think_head = (think_head + 1) % nconn, think_n--;
		if (c->state == RUNNING && start_round(c) < 0)
			release(c);
	}
	int ms = think_n ? (int)((due[think_head] - t) * 1e3) + 1 : 100;
	return ms < 100 ? ms : 100;
}

/* Read the echo and check it; EOF is only expected on a half-closed connection. */
static void on_readable(struct conn *c)
{
	ssize_t n = read(c->fd, buf, c->state == DRAINING ? 1 : c->size - c->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (c->state == DRAINING) {
		if (n != 0)
			fail(c, n > 0 ? "bytes after the half-close" : strerror(errno));
		release(c);
		return;
	}
	if (n <= 0) {
		fail(c, n == 0 ? "closed by the server" : strerror(errno));
		release(c);
		return;
	}
	if (c->got + (size_t)n > c->sent)
		fail(c, "echo of bytes never sent");
	for (ssize_t k = 0; k < n; k++) {
		if (buf[k] != pat(c, c->got + (size_t)k)) {
			fail(c, "wrong byte in the echo");
			release(c);
			return;
		}
		c->cks_recv = cks(c->cks_recv, buf[k]);
	}
	verified += (unsigned long long)n;
	c->got += (size_t)n;
	if (c->got == c->size)
		round_done(c);
}

static void on_event(struct conn *c, uint32_t events)
{
	if (c->state == FREE)
		return;
	if (c->state == CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connected(c);
		return;
	}
	if ((events & EPOLLOUT) && c->state == RUNNING && c->sent < c->size && send_more(c) < 0) {
		release(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(c);
}

static void loop_once(void)
{
	struct epoll_event evs[1024];
	int n = epoll_wait(ep, evs, 1024, wake_thinkers());
	for (int k = 0; k < n; k++)
		on_event(evs[k].data.ptr, evs[k].events);
}

static int busy(int from, int to)
{
	int n = 0;
	for (int i = from; i < to; i++)
		n += conns[i].state != FREE;
	return n;
}

/* The persistent connections, CONNECTING_MAX at a time; returns when each did one round trip. */
static int open_persistent(double deadline)
{
	int next = 0;
	while (now() < deadline && !errors) {
		while (next < nconn && connecting < CONNECTING_MAX)
			if (open_conn(&conns[next++], PERSIST) < 0)
				return -1;
		loop_once();
		int warm = next == nconn;
		for (int i = 0; warm && i < nconn; i++)
			warm = conns[i].round > 0;
		if (warm)
			return 0;
	}
	fprintf(stderr, "soak_client: the persistent connections did not all get through a round trip\n");
	errors++;
	return -1;
}

static void refill_churn(void)
{
	for (int i = nconn; i < nslots && !stopping; i++)
		if (conns[i].state == FREE && connecting < CONNECTING_MAX)
			open_conn(&conns[i], (enum mode)(next_id % NMODES));
}

static void run(double seconds, double *t_end)
{
	double t0 = now(), last = t0;
	while (now() - t0 < seconds) {
		refill_churn();
		loop_once();
		double t = now();
		if (server_pid && t - last >= 1.0) {
			long kb = server_rss_kb();
			if (getenv("SOAK_TRACE"))
				fprintf(stderr, "soak_client: t=%.0f s rss_kb=%ld round_trips=%ld churned=%ld\n", t - t0, kb,
					trips, churned[CLOSE] + churned[HALFCLOSE] + churned[RESET] + churned[DROP]);
			last = t;
		}
		if (server_pid && !rss_mid && t - t0 >= seconds / 2) {
			rss_mid = server_rss_kb();
			churned_mid = churned[CLOSE] + churned[HALFCLOSE] + churned[RESET] + churned[DROP];
		}
	}
	if (server_pid)
		rss_end = server_rss_kb();
	*t_end = now();
	stopping = 1;
	while (think_n) { /* idle between round trips: they close now */
		struct conn *c = thinking[think_head];
		think_head = (think_head + 1) % nconn, think_n--;
		if (c->state == RUNNING)
			release(c);
	}
	double end = now() + GRACE_S;
	while (busy(0, nslots) && now() < end)
		loop_once();
	if (busy(0, nslots)) {
		fprintf(stderr, "soak_client: %d connections unfinished %.0f s after the end\n", busy(0, nslots),
			GRACE_S);
		errors++;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4 || atoi(argv[2]) <= 0 || atof(argv[3]) <= 0 || (argc > 4 && atoi(argv[4]) < 0) ||
	    (argc > 5 && atoi(argv[5]) < 0)) {
		fprintf(stderr, "usage: soak_client PORT CONNS SECONDS [CHURN [THINK_MS [SERVER_PID]]]\n");
		return 2;
	}
	nconn = atoi(argv[2]);
	double seconds = atof(argv[3]);
	nchurn = argc > 4 ? atoi(argv[4]) : 100;
	think_ms = argc > 5 ? atoi(argv[5]) : 0;
	server_pid = argc > 6 ? atoi(argv[6]) : 0;
	nslots = nconn + nchurn;
	server = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(parse_port(argv[1])),
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	conns = calloc((size_t)nslots, sizeof(*conns));
	thinking = calloc((size_t)nconn, sizeof(*thinking));
	due = calloc((size_t)nconn, sizeof(*due));
	ep = epoll_create1(0);
	if (!conns || !thinking || !due || ep < 0)
		return 1;
	double t_conn = now(), t_run = t_conn, t_end = t_conn;
	if (open_persistent(now() + 60) == 0) {
		if (server_pid)
			rss_warm = server_rss_kb();
		t_run = now();
		run(seconds, &t_end);
	}
	seconds = t_end - t_run;
	long n = churned[CLOSE] + churned[HALFCLOSE] + churned[RESET] + churned[DROP];
	printf("conns=%d churn=%d think_ms=%d connect_s=%.1f seconds=%.1f drain_s=%.1f round_trips=%ld "
	       "rtt_per_sec=%.0f churned=%ld churned_per_sec=%.0f closed=%ld halfclosed=%ld reset=%ld dropped=%ld "
	       "bytes_verified=%llu checksum_sent=%016llx checksum_recv=%016llx errors=%ld",
	       nconn, nchurn, think_ms, t_run - t_conn, seconds, now() - t_end, trips,
	       seconds > 0 ? trips / seconds : 0, n, seconds > 0 ? n / seconds : 0, churned[CLOSE],
	       churned[HALFCLOSE], churned[RESET], churned[DROP], verified, sum_sent, sum_recv, errors);
	if (server_pid)
		printf(" rss_warm_kb=%ld rss_mid_kb=%ld rss_end_kb=%ld rss_max_kb=%ld churned_after_mid=%ld", rss_warm,
		       rss_mid, rss_end, rss_max, n - churned_mid);
	printf("\n");
	return errors || sum_sent != sum_recv ? 1 : 0;
}
