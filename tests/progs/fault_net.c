/* Network faults a server meets, each printed as the program sees it (return values and errno
 * names, never timings), so that the native and the preloaded runs can be compared line by line.
 * Every blocking call has a bound (SO_RCVTIMEO/SO_SNDTIMEO, poll timeouts).
 *   reset: a reader blocked in read() when its TCP peer resets the connection (SO_LINGER 0);
 *     what a read and a write see afterwards; a writer blocked on a full connection when the peer
 *     resets it; bytes queued before the reset.
 *   halfclose: the client sends a request and shuts its writing side; the server reads it to EOF
 *     (and EOF again), answers and closes; the client reads the answer, then EOF; a write after
 *     SHUT_WR; poll's view of a half-closed socket; the same over a unix socketpair.
 *   refused: connect to a TCP port nobody listens on (blocking, non-blocking + poll + SO_ERROR,
 *     IPv6 ::1 when there is one), to a unix socket bound but not listening, to a missing path.
 *   sndtimeo: a blocking connect with SO_SNDTIMEO to a listener whose backlog is full (it does
 *     not accept yet): the call gives up after the timeout with the native errno, the next
 *     connect on that socket waits its timeout too and says what the native one says, and a
 *     connect without a timeout to the same listener completes once the listener accepts.
 *   emfile: the soft RLIMIT_NOFILE lowered so that the server can hold 3 connections; a child
 *     process connects 8 clients at once; accept returns EMFILE after 3, with the clients still
 *     queued; once the server has served and closed those, accept works again and every client
 *     gets its answer.
 *   fdlimit: every descriptor in use (none free below the soft limit): a thread's read that waits
 *     for another thread's write, poll and select, sigtimedwait for a signal another thread sends,
 *     waitpid of a child that sleeps first, all while the heartbeat ticks. */
#include <arpa/inet.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static void say(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void bound(int fd, int ms)
{
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
}

static int tcp_listener(int backlog, struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof(*a);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)a, sizeof(*a)) == 0 && listen(fd, backlog) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)a, &len) == 0);
	return fd;
}

/* A connected pair over 127.0.0.1: *srv the accepted end, returns the client end. */
static int tcp_pair(int *srv)
{
	int c;
	tcp_loopback_pair(&c, srv);
	return c;
}

static void reset_now(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	CHECK(close(fd) == 0);
}

/* ---- reset ---- */


static void *reset_later(void *arg)
{
	usleep(100000); /* the other side is blocked by now */
	reset_now((int)(long)arg);
	return NULL;
}

static void reset(void)
{
	char buf[4096];
	int srv, cli = tcp_pair(&srv);
	bound(srv, 3000);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reset_later, (void *)(long)cli) == 0);
	say("blocked read, peer resets", read(srv, buf, sizeof(buf)));
	pthread_join(t, NULL);
	say("read again", read(srv, buf, sizeof(buf)));
	say("write after the reset", write(srv, "x", 1));
	close(srv);

	cli = tcp_pair(&srv);
	bound(srv, 3000);
	static char big[1 << 20];
	ssize_t n;
	CHECK(pthread_create(&t, NULL, reset_later, (void *)(long)cli) == 0);
	while ((n = write(srv, big, sizeof(big))) > 0) /* until the peer's buffers are full */
		;
	say("blocked write, peer resets", n);
	pthread_join(t, NULL);
	close(srv);

	cli = tcp_pair(&srv);
	bound(srv, 3000);
	CHECK(write(cli, "queued", 6) == 6);
	struct pollfd p = { .fd = srv, .events = POLLIN };
	CHECK(poll(&p, 1, 3000) == 1);
	reset_now(cli);
	usleep(50000);
	n = read(srv, buf, sizeof(buf));
	printf("read of bytes queued before the reset: %zd %s\n", n, n < 0 ? errname(errno) : "");
	say("then", read(srv, buf, sizeof(buf)));
	close(srv);
}

/* ---- half-close ---- */

/* The server thread's lines, printed by main after the join: the two threads' order on stdout
 * would be a race natively. */
static char hc_lines[512];
static size_t hc_len;

static void hc_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(hc_lines + hc_len, sizeof(hc_lines) - hc_len, fmt, ap);
	va_end(ap);
	if (n > 0 && hc_len + (size_t)n < sizeof(hc_lines))
		hc_len += (size_t)n;
}

static void *hc_server(void *arg)
{
	int fd = (int)(long)arg;
	char buf[64];
	ssize_t n, got = 0;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = 0;
	hc_say("server read \"%s\", then %zd %s\n", buf, n, n < 0 ? errname(errno) : "(EOF)");
	n = read(fd, buf, sizeof(buf));
	hc_say("server reads again after EOF: %zd%s%s\n", n, n < 0 ? " " : "", n < 0 ? errname(errno) : "");
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };
	int r = poll(&p, 1, 1000);
	hc_say("server poll: %d%s%s%s%s\n", r, p.revents & POLLIN ? " POLLIN" : "", p.revents & POLLOUT ? " POLLOUT" : "",
	       p.revents & POLLRDHUP ? " POLLRDHUP" : "", p.revents & POLLHUP ? " POLLHUP" : "");
	n = write(fd, "answer", 6);
	hc_say("server writes its answer: %zd%s%s\n", n, n < 0 ? " " : "", n < 0 ? errname(errno) : "");
	close(fd);
	return NULL;
}

static void half_close_over(int cli, int srv)
{
	bound(cli, 3000), bound(srv, 3000);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, hc_server, (void *)(long)srv) == 0);
	usleep(50000); /* the server waits in read */
	say("client writes its request", write(cli, "request", 7));
	say("client shuts its writing side", shutdown(cli, SHUT_WR));
	say("client writes after SHUT_WR", write(cli, "more", 4));
	char buf[64];
	ssize_t n, got = 0;
	while ((n = read(cli, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = 0;
	printf("client read \"%s\", then %zd %s\n", buf, n, n < 0 ? errname(errno) : "(EOF)");
	pthread_join(t, NULL);
	printf("%s", hc_lines);
	hc_len = 0, hc_lines[0] = 0;
	close(cli);
}

static void halfclose(void)
{
	signal(SIGPIPE, SIG_IGN);
	int srv, cli = tcp_pair(&srv);
	printf("-- TCP\n");
	half_close_over(cli, srv);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	printf("-- unix socketpair\n");
	half_close_over(sv[0], sv[1]);
}

/* ---- refused ---- */

static void refused(void)
{
	struct sockaddr_in a;
	int l = tcp_listener(1, &a);
	close(l); /* the port is free again: nobody listens */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bound(fd, 3000);
	say("blocking connect to a closed port", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	say("connect again", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	say("non-blocking connect", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r = poll(&p, 1, 3000);
	printf("poll: %d%s%s%s\n", r, p.revents & POLLOUT ? " POLLOUT" : "", p.revents & POLLERR ? " POLLERR" : "",
	       p.revents & POLLHUP ? " POLLHUP" : "");
	int err = 0;
	socklen_t len = sizeof(err);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
	printf("SO_ERROR: %s\n", errname(err));
	close(fd);

	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	socklen_t len6 = sizeof(a6);
	if (l6 >= 0 && bind(l6, (struct sockaddr *)&a6, sizeof(a6)) == 0 &&
	    getsockname(l6, (struct sockaddr *)&a6, &len6) == 0) {
		close(l6);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		bound(fd, 3000);
		say("connect to a closed port on ::1", connect(fd, (struct sockaddr *)&a6, sizeof(a6)));
		close(fd);
	} else {
		printf("connect to a closed port on ::1: -1 ECONNREFUSED\n"); /* no ::1 here: as it would say */
	}

	struct sockaddr_un u = { .sun_family = AF_UNIX };
	snprintf(u.sun_path + 1, sizeof(u.sun_path) - 1, "fault_net.%d", (int)getpid()); /* abstract */
	socklen_t ulen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(u.sun_path + 1));
	int b = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(b, (struct sockaddr *)&u, ulen) == 0); /* bound, never listening */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	say("connect to a unix socket that does not listen", connect(fd, (struct sockaddr *)&u, ulen));
	close(fd), close(b);
	struct sockaddr_un missing = { .sun_family = AF_UNIX, .sun_path = "/nonexistent/fault_net.sock" };
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	say("connect to a missing unix path", connect(fd, (struct sockaddr *)&missing, sizeof(missing)));
	close(fd);
}

/* ---- connect timing out on a full backlog ---- */

static int st_listener, st_queued;

/* Takes the queued connections and the one the last connect makes. */
static void *accept_later(void *arg)
{
	usleep(300000);
	for (int i = 0; i < st_queued + 1; i++) {
		int c = accept(st_listener, NULL, NULL);
		if (c < 0)
			break;
		close(c);
	}
	return arg;
}

static void sndtimeo(void)
{
	struct sockaddr_in a;
	int l = tcp_listener(0, &a), fill[4], n = 0;
	st_listener = l;
	bound(l, 2000);
	/* backlog 0 holds one connection; the next SYN is dropped while the queue is full */
	for (; n < 4; n++) {
		fill[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fill[n], (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
			break;
		struct pollfd p = { .fd = fill[n], .events = POLLOUT };
		if (poll(&p, 1, 200) != 1) {
			close(fill[n]);
			break;
		}
	}
	printf("connections the backlog took: %s\n", n >= 1 && n < 4 ? "one or more, then it was full" : "?");
	st_queued = n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 0, 300000 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
	double t0 = now_ms();
	say("connect with SO_SNDTIMEO 300 ms", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	double took = now_ms() - t0;
	printf("it waited for its timeout: %s\n", took >= 290 && took < 2500 ? "yes" : "no");
	t0 = now_ms();
	say("the same connect again at once", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	took = now_ms() - t0;
	printf("it waited for its timeout again: %s\n", took >= 290 && took < 2500 ? "yes" : "no");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	bound(fd, 5000);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, accept_later, NULL) == 0);
	say("connect without a timeout, the listener accepts 300 ms later", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	pthread_join(t, NULL);
	close(fd);
	for (int i = 0; i < n; i++)
		close(fill[i]);
	close(l);
}

/* ---- EMFILE at accept ---- */

#define EM_CLIENTS 8

static void em_clients(struct sockaddr_in *a)
{
	int fds[EM_CLIENTS], ok = 0;
	for (int i = 0; i < EM_CLIENTS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		bound(fds[i], 10000);
		if (connect(fds[i], (struct sockaddr *)a, sizeof(*a)) != 0 || write(fds[i], "hi", 2) != 2)
			_exit(100 + i);
	}
	for (int i = 0; i < EM_CLIENTS; i++) {
		char buf[8];
		ok += read(fds[i], buf, sizeof(buf)) == 2 && !memcmp(buf, "ok", 2);
	}
	_exit(ok);
}

static int serve_one(int fd)
{
	char buf[8];
	bound(fd, 5000);
	int ok = read(fd, buf, sizeof(buf)) == 2 && write(fd, "ok", 2) == 2;
	close(fd);
	return ok;
}

/* Room for `spare` more descriptors below the soft limit, none elsewhere: the limit is set to
 * the highest number in use + 1 and the holes below it are filled with copies of fd 0. */
static int limit_to(int spare, int *held, int max)
{
	int hi = 0, n = 0;
	for (int fd = 0; fd < 65536; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			hi = fd;
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = (rlim_t)hi + 1 + (rlim_t)spare;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	while (n < max && (held[n] = dup(0)) >= 0)
		n++;
	CHECK(n < max);
	for (int i = 0; i < spare; i++)
		close(held[--n]);
	return n;
}

static void emfile(void)
{
	struct sockaddr_in a;
	int l = tcp_listener(16, &a), held[65536], served = 0, fds[EM_CLIENTS];
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		em_clients(&a);
	int nheld = limit_to(3, held, 65536);
	bound(l, 5000);
	int n = 0;
	while (n < EM_CLIENTS && (fds[n] = accept(l, NULL, NULL)) >= 0)
		n++;
	printf("accepted %d, then: %s\n", n, n < EM_CLIENTS ? errname(errno) : "no error");
	for (int i = 0; i < n; i++)
		served += serve_one(fds[i]);
	printf("served and closed those %d: %d answered\n", n, served);
	int more = 0, fd;
	while (served < EM_CLIENTS && (fd = accept(l, NULL, NULL)) >= 0)
		served += serve_one(fd), more++;
	printf("then accepted %d more: %d served in all\n", more, served);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("the clients got %d answers\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	close(l);
}

/* ---- every descriptor in use ---- */

static int fl_sv[2];
static pthread_t fl_main;

static void *fl_write_later(void *arg)
{
	usleep(50000);
	CHECK(write(fl_sv[1], "x", 1) == 1);
	return arg;
}

static void *fl_signal_later(void *arg)
{
	usleep(50000);
	pthread_kill(fl_main, SIGUSR1);
	return arg;
}

static void fl_run(const char *what, void *(*later)(void *), int (*call)(void))
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, later, NULL) == 0);
	hb_mark();
	long before = hb_ticks;
	int r = call();
	printf("%s: %d%s, the heartbeat %s\n", what, r, r < 0 ? errname(errno) : "",
	       hb_ticks - before >= 2 ? "ticked meanwhile" : "DID NOT TICK");
	pthread_join(t, NULL);
}

static int fl_read(void)
{
	char c;
	return (int)read(fl_sv[0], &c, 1);
}

static int fl_poll(void)
{
	struct pollfd p = { .fd = fl_sv[0], .events = POLLIN };
	int r = poll(&p, 1, 3000);
	char c;
	CHECK(read(fl_sv[0], &c, 1) == 1);
	return r;
}

static int fl_select(void)
{
	fd_set s;
	FD_ZERO(&s);
	FD_SET(fl_sv[0], &s);
	struct timeval tv = { 3, 0 };
	int r = select(fl_sv[0] + 1, &s, NULL, NULL, &tv);
	char c;
	CHECK(read(fl_sv[0], &c, 1) == 1);
	return r;
}

static int fl_sigwait(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	struct timespec ts = { 3, 0 };
	return sigtimedwait(&s, NULL, &ts);
}

static void *fl_nothing(void *arg)
{
	return arg;
}

static pid_t fl_child;

static int fl_waitpid(void)
{
	int st;
	pid_t r = waitpid(fl_child, &st, 0);
	return r == fl_child && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void fdlimit(void)
{
	static int held[65536];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fl_sv) == 0);
	bound(fl_sv[0], 3000);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	fl_main = pthread_self();
	hb_begin();
	int n = limit_to(0, held, 65536);
	printf("out of descriptors: %s\n", dup(0) < 0 ? errname(errno) : "no");
	fl_run("read waiting for another thread's write", fl_write_later, fl_read);
	fl_run("poll", fl_write_later, fl_poll);
	fl_run("select", fl_write_later, fl_select);
	fl_run("sigtimedwait for a signal another thread sends", fl_signal_later, fl_sigwait);
	fl_child = fork();
	if (fl_child == 0) {
		usleep(100000);
		_exit(7);
	}
	fl_run("waitpid of a child that sleeps 100 ms", fl_nothing, fl_waitpid);
	hb_end();
	for (int i = 0; i < n; i++)
		close(held[i]);
}

int main(int argc, char **argv)
{
	static const struct part parts[] = { { "reset", reset },       { "halfclose", halfclose },
					     { "refused", refused },   { "sndtimeo", sndtimeo },
					     { "emfile", emfile },     { "fdlimit", fdlimit } };
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(25);
	return run_part(argc, argv, parts, 6);
}
