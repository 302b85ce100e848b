/* The differential driver: an ordinary C program (plain pthreads, blocking calls, nothing of
 * greenpatch) that runs a scenario file, one call per line, and prints every return value, errno
 * and byte it sees, so that the output of a native run and of a preloaded one can be compared
 * exactly (tests/t8100-diff.bats). The language is in tests/diff/README.md. Nothing printed
 * depends on timing or on descriptor numbers: descriptors have names, bytes are shown as text
 * (or a length and a checksum past 64), addresses never. Threads buffer their lines and print
 * them when joined, so the output does not depend on how threads interleave.
 * usage: driver SCENARIO      exit status: 0, or 2 on a syntax error (with its line on stderr)
 * With DRIVER_COMPANY set, a detached thread sleeps beside main from the start (nothing printed):
 * main is never alone, so under greenpatch its calls take the hub's path instead of the plain
 * blocking call a thread alone on its hub makes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXTOK 40
#define MAXDATA (1 << 20)

/* ---- output: main prints at once, a thread into its buffer ---- */

struct out {
	char *buf;
	size_t len;
	FILE *f;
	const char *who; /* the thread's name; NULL for main */
};

struct ctx {
	struct out out;
	const char *file;
	int line;
};

static void emit(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->out.f, fmt, ap);
	va_end(ap);
}

static void die(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: ", c->file, c->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stdout);
	_exit(2);
}

/* ---- names ---- */

enum kind { K_FD, K_MUTEX, K_COND, K_SEM, K_THREAD };
struct thr;
struct ent {
	char name[40];
	enum kind kind;
	int fd;
	struct sockaddr_storage addr; /* a listener's or a bound socket's address */
	socklen_t alen;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	sem_t sem;
	struct thr *thr;
	long other;            /* drain: bytes other than fill's 'f' read so far, in order: */
	unsigned char otext[64]; /* the first 64 of them */
	uint32_t ofnv;           /* and their FNV-1a hash */
};
#define MAXENT 256
static struct ent ents[MAXENT];
static int nents;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

static struct ent *find(const char *name)
{
	pthread_mutex_lock(&names_lock);
	struct ent *e = NULL;
	for (int i = 0; i < nents && !e; i++)
		if (!strcmp(ents[i].name, name))
			e = &ents[i];
	pthread_mutex_unlock(&names_lock);
	return e;
}

/* A new entry (or the existing one of that name, reused). */
static struct ent *define(struct ctx *c, const char *name, enum kind kind)
{
	struct ent *e = find(name);
	pthread_mutex_lock(&names_lock);
	if (!e) {
		if (nents == MAXENT)
			die(c, "too many names");
		e = &ents[nents++];
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	e->kind = kind;
	pthread_mutex_unlock(&names_lock);
	return e;
}

static void define_fd(struct ctx *c, const char *name, int fd)
{
	define(c, name, K_FD)->fd = fd;
}

static void define_fd2(struct ctx *c, const char *base, const char *s0, const char *s1, int fds[2])
{
	char n[48];
	snprintf(n, sizeof(n), "%s.%s", base, s0);
	define_fd(c, n, fds[0]);
	snprintf(n, sizeof(n), "%s.%s", base, s1);
	define_fd(c, n, fds[1]);
}

static struct ent *need(struct ctx *c, const char *name, enum kind kind)
{
	struct ent *e = find(name);
	if (!e || e->kind != kind)
		die(c, "'%s' is not a %s", name, (const char *[]){ "descriptor", "mutex", "cond", "semaphore", "thread" }[kind]);
	return e;
}

/* A descriptor: a name, or a number as it is (-1, 12345: invalid ones). */
static int fd_of(struct ctx *c, const char *tok)
{
	if (tok[0] == '-' || isdigit((unsigned char)tok[0]))
		return atoi(tok);
	return need(c, tok, K_FD)->fd;
}

/* The name of descriptor number fd, for results that carry numbers (epoll data, poll). */
static const char *name_of_fd(int fd)
{
	const char *n = "?";
	pthread_mutex_lock(&names_lock);
	for (int i = nents - 1; i >= 0; i--)
		if (ents[i].kind == K_FD && ents[i].fd == fd) {
			n = ents[i].name;
			break;
		}
	pthread_mutex_unlock(&names_lock);
	return n;
}

/* ---- tokens and values ---- */

static int tokenize(struct ctx *c, char *s, char **tok, size_t *toklen)
{
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			break;
		if (n == MAXTOK)
			die(c, "too many words");
		if (*s == '"') { /* a string with C escapes, kept with its quote mark to tell it apart */
			char *o = s, *p = s + 1;
			tok[n] = o;
			*o++ = '"';
			while (*p && *p != '"') {
				if (*p == '\\' && p[1]) {
					p++;
					char e = *p++;
					if (e == 'n')
						*o++ = '\n';
					else if (e == 't')
						*o++ = '\t';
					else if (e == 'r')
						*o++ = '\r';
					else if (e == '0')
						*o++ = 0;
					else if (e == 'x' && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
						char h[3] = { p[0], p[1], 0 };
						*o++ = (char)strtol(h, NULL, 16);
						p += 2;
					} else
						*o++ = e;
				} else {
					*o++ = *p++;
				}
			}
			if (*p != '"')
				die(c, "unterminated string");
			toklen[n] = (size_t)(o - tok[n]);
			s = p + 1;
			if (*s && *s != ' ' && *s != '\t')
				die(c, "text after a string");
			*o = 0;
			n++;
			continue;
		}
		tok[n] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		toklen[n] = (size_t)(s - tok[n]);
		if (*s)
			*s++ = 0;
		n++;
	}
	return n;
}

static long num(struct ctx *c, const char *t)
{
	char *end;
	long v = strtol(t, &end, 0);
	if (!*t || *end)
		die(c, "'%s' is not a number", t);
	return v;
}

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)('a' + i % 26);
}

/* DATA: "text", @N (N bytes a-z repeating) or null (a NULL pointer; *len from the caller). */
static const void *data_of(struct ctx *c, const char *t, size_t tlen, size_t *len)
{
	static __thread unsigned char *buf;
	if (!buf)
		buf = malloc(MAXDATA);
	if (t[0] == '"') {
		*len = tlen - 1;
		return t + 1;
	}
	if (t[0] == '@') {
		long n = num(c, t + 1);
		if (n < 0 || n > MAXDATA)
			die(c, "bad size");
		for (long i = 0; i < n; i++)
			buf[i] = pattern_byte((size_t)i);
		*len = (size_t)n;
		return buf;
	}
	if (!strcmp(t, "null"))
		return NULL;
	die(c, "'%s' is not data (\"text\", @N or null)", t);
	return NULL;
}

static void show_bytes(struct ctx *c, const unsigned char *p, long n)
{
	if (n <= 64) {
		emit(c, " \"");
		for (long i = 0; i < n; i++) {
			if (p[i] == '"' || p[i] == '\\')
				emit(c, "\\%c", p[i]);
			else if (p[i] >= 0x20 && p[i] < 0x7f)
				emit(c, "%c", p[i]);
			else
				emit(c, "\\x%02x", p[i]);
		}
		emit(c, "\"");
		return;
	}
	uint32_t h = 2166136261u;
	for (long i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	emit(c, " <%ld bytes, fnv %08x>", n, h);
}

/* "= r" or "= -1 ENAME", then the line ends (or the caller adds more). */
static void result(struct ctx *c, long r, int err)
{
	if (r < 0)
		emit(c, " = %ld %s", r, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		emit(c, " = %ld", r);
}

/* pthread-style results: the error number itself. */
static void result_err(struct ctx *c, int r)
{
	emit(c, " = %s", r ? (strerrorname_np(r) ? strerrorname_np(r) : "?") : "0");
}

static int flag_word(struct ctx *c, const char *t, const char *const *names, const int *vals, int n)
{
	int v = 0;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", t);
	for (char *save, *w = strtok_r(buf, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
		int k = 0;
		while (k < n && strcmp(w, names[k]))
			k++;
		if (k == n)
			die(c, "unknown flag '%s'", w);
		v |= vals[k];
	}
	return v;
}

static int msg_flags(struct ctx *c, const char *t)
{
	static const char *const n[] = { "0", "peek", "dontwait", "waitall", "nosignal", "oob", "trunc" };
	static const int v[] = { 0, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL, MSG_OOB, MSG_TRUNC };
	return flag_word(c, t, n, v, 7);
}

static short poll_events(struct ctx *c, const char *t)
{
	static const char *const n[] = { "0", "in", "out", "pri", "rdhup", "err", "hup" };
	static const int v[] = { 0, POLLIN, POLLOUT, POLLPRI, POLLRDHUP, POLLERR, POLLHUP };
	return (short)flag_word(c, t, n, v, 7);
}

/* The bits of ev by name, joined by '|', in the table's order; "0" for none. */
static void show_bits(struct ctx *c, unsigned ev, const char *const *names, const unsigned *vals, int n)
{
	int first = 1;
	for (int i = 0; i < n; i++)
		if (ev & vals[i]) {
			emit(c, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
	if (first)
		emit(c, "0");
}

static void show_revents(struct ctx *c, int ev)
{
	static const char *const n[] = { "in", "out", "pri", "err", "hup", "nval", "rdhup" };
	static const unsigned v[] = { POLLIN, POLLOUT, POLLPRI, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP };
	show_bits(c, (unsigned)ev, n, v, 7);
}

static uint32_t epoll_events(struct ctx *c, const char *t)
{
	static const char *const n[] = { "0", "in", "out", "pri", "rdhup", "et", "oneshot", "err", "hup" };
	static const int v[] = { 0, EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, EPOLLET, EPOLLONESHOT, EPOLLERR, EPOLLHUP };
	return (uint32_t)flag_word(c, t, n, v, 9);
}

static void show_epoll_events(struct ctx *c, uint32_t ev)
{
	static const char *const n[] = { "in", "out", "pri", "err", "hup", "rdhup" };
	static const unsigned v[] = { EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLERR, EPOLLHUP, EPOLLRDHUP };
	show_bits(c, ev, n, v, 6);
}

static int signo(struct ctx *c, const char *t)
{
	static const char *const n[] = { "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGTERM",
					 "SIGINT",  "SIGHUP",  "SIGURG",  "SIGWINCH", "SIGKILL" };
	static const int v[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGURG, SIGWINCH, SIGKILL };
	for (int i = 0; i < 11; i++)
		if (!strcmp(t, n[i]))
			return v[i];
	die(c, "unknown signal '%s'", t);
	return 0;
}

static const char *signame(int s)
{
	return sigabbrev_np(s) ? sigabbrev_np(s) : "?";
}

static struct timespec ms_ts(long ms)
{
	return (struct timespec){ ms / 1000, ms % 1000 * 1000000 };
}

static struct timespec abs_in(clockid_t clk, long ms)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += ms % 1000 * 1000000;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

/* ---- signals ---- */

static volatile sig_atomic_t sig_count[65];
static void on_signal(int s)
{
	sig_count[s]++;
}

/* ---- the scenario ---- */

struct script {
	char **lines;
	int *lineno;
	int n;
};
static struct script script;
static const char *script_file;

struct thr {
	pthread_t t;
	struct ctx ctx;
	int from, to; /* its body: lines [from, to) */
};

static void run(struct ctx *c, int from, int to);

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	run(&t->ctx, t->from, t->to);
	fflush(t->ctx.out.f);
	return NULL;
}

/* A TCP socket bound to 127.0.0.1:0 and listening (backlog), its address in e. */
static int tcp_listen(struct ctx *c, struct ent *e, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, backlog) < 0)
		die(c, "listen: %s", strerror(errno));
	e->alen = sizeof(e->addr);
	getsockname(fd, (struct sockaddr *)&e->addr, &e->alen);
	return fd;
}

static int udp_bound(struct ctx *c, struct ent *e)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die(c, "udp: %s", strerror(errno));
	e->alen = sizeof(e->addr);
	getsockname(fd, (struct sockaddr *)&e->addr, &e->alen);
	return fd;
}

static const char *peer_name(struct sockaddr_storage *a, socklen_t alen)
{
	const char *n = "unknown";
	pthread_mutex_lock(&names_lock);
	for (int i = 0; i < nents; i++)
		if (ents[i].alen && ents[i].alen == alen && !memcmp(&ents[i].addr, a, alen))
			n = ents[i].name;
	pthread_mutex_unlock(&names_lock);
	return n;
}

#define NEED(k)                                                  \
	do {                                                     \
		if (nt < (k) + 1)                                \
			die(c, "%s needs %d arguments", t[0], k); \
	} while (0)

static int fd_flags(struct ctx *c, char **t, int from, int nt, int *nonblock, int *cloexec)
{
	*nonblock = *cloexec = 0;
	for (int i = from; i < nt; i++) {
		if (!strcmp(t[i], "nonblock"))
			*nonblock = 1;
		else if (!strcmp(t[i], "cloexec"))
			*cloexec = 1;
		else
			return i;
	}
	return nt;
}

/* Creation of descriptors: 1 if the command was one of these. */
static int cmd_create(struct ctx *c, char **t, size_t *tl, int nt)
{
	int nb, ce, fds[2], r;
	if (!strcmp(t[0], "pipe")) {
		NEED(1);
		fd_flags(c, t, 2, nt, &nb, &ce);
		r = pipe2(fds, (nb ? O_NONBLOCK : 0) | (ce ? O_CLOEXEC : 0));
		result(c, r, errno);
		if (!r)
			define_fd2(c, t[1], "r", "w", fds);
	} else if (!strcmp(t[0], "socketpair")) {
		NEED(1);
		int type = SOCK_STREAM, i = 2;
		if (nt > 2 && !strcmp(t[2], "dgram"))
			type = SOCK_DGRAM, i = 3;
		else if (nt > 2 && !strcmp(t[2], "seqpacket"))
			type = SOCK_SEQPACKET, i = 3;
		else if (nt > 2 && !strcmp(t[2], "stream"))
			i = 3;
		fd_flags(c, t, i, nt, &nb, &ce);
		r = socketpair(AF_UNIX, type | (nb ? SOCK_NONBLOCK : 0) | (ce ? SOCK_CLOEXEC : 0), 0, fds);
		result(c, r, errno);
		if (!r)
			define_fd2(c, t[1], "0", "1", fds);
	} else if (!strcmp(t[0], "listen")) {
		NEED(1);
		struct ent *e = define(c, t[1], K_FD);
		e->fd = tcp_listen(c, e, nt > 2 ? (int)num(c, t[2]) : 16);
		result(c, 0, 0);
	} else if (!strcmp(t[0], "tcp")) { /* a connected pair: NAME.c (client), NAME.a (accepted) */
		NEED(1);
		struct ent l = { 0 };
		int lfd = tcp_listen(c, &l, 1), cfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		if (connect(cfd, (struct sockaddr *)&l.addr, l.alen) < 0)
			die(c, "tcp connect: %s", strerror(errno));
		fds[0] = cfd, fds[1] = accept(lfd, NULL, NULL);
		close(lfd);
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		result(c, fds[1] < 0 ? -1 : 0, errno);
		define_fd2(c, t[1], "c", "a", fds);
	} else if (!strcmp(t[0], "socket")) { /* socket NAME inet|inet6|unix stream|dgram [nonblock] */
		NEED(3);
		int dom = !strcmp(t[2], "inet6") ? AF_INET6 : !strcmp(t[2], "unix") ? AF_UNIX : AF_INET;
		int type = !strcmp(t[3], "dgram") ? SOCK_DGRAM : SOCK_STREAM;
		fd_flags(c, t, 4, nt, &nb, &ce);
		r = socket(dom, type | (nb ? SOCK_NONBLOCK : 0) | (ce ? SOCK_CLOEXEC : 0), 0);
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			define_fd(c, t[1], r);
	} else if (!strcmp(t[0], "udp")) {
		NEED(1);
		struct ent *e = define(c, t[1], K_FD);
		e->fd = udp_bound(c, e);
		result(c, 0, 0);
	} else if (!strcmp(t[0], "file")) { /* a scratch file, already unlinked */
		NEED(1);
		char path[] = "/tmp/gp-diff-XXXXXX";
		r = mkstemp(path);
		if (r >= 0)
			unlink(path);
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			define_fd(c, t[1], r);
	} else if (!strcmp(t[0], "devnull")) {
		NEED(1);
		r = open("/dev/null", O_RDWR);
		result(c, r < 0 ? -1 : 0, errno);
		define_fd(c, t[1], r);
	} else if (!strcmp(t[0], "eventfd")) { /* eventfd NAME INIT [nonblock] [semaphore] */
		NEED(2);
		int fl = 0;
		for (int i = 3; i < nt; i++)
			fl |= !strcmp(t[i], "nonblock") ? EFD_NONBLOCK : !strcmp(t[i], "semaphore") ? EFD_SEMAPHORE : 0;
		r = eventfd((unsigned)num(c, t[2]), fl);
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			define_fd(c, t[1], r);
	} else if (!strcmp(t[0], "epoll")) {
		NEED(1);
		r = epoll_create1(0);
		result(c, r < 0 ? -1 : 0, errno);
		define_fd(c, t[1], r);
	} else if (!strcmp(t[0], "closed")) { /* a number that was a descriptor a moment ago */
		NEED(1);
		r = dup(0);
		close(r);
		result(c, 0, 0);
		define_fd(c, t[1], r);
	} else {
		return 0;
	}
	return 1;
}

/* Descriptor operations that are not data. */
static int cmd_fd(struct ctx *c, char **t, size_t *tl, int nt)
{
	long r;
	if (!strcmp(t[0], "close")) {
		NEED(1);
		r = close(fd_of(c, t[1]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "dup")) { /* dup NAME FD */
		NEED(2);
		r = dup(fd_of(c, t[2]));
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			define_fd(c, t[1], (int)r);
	} else if (!strcmp(t[0], "dup2")) { /* dup2 FD ONTO: ONTO's number now refers to FD's file */
		NEED(2);
		r = dup2(fd_of(c, t[1]), fd_of(c, t[2]));
		result(c, r < 0 ? -1 : 0, errno);
	} else if (!strcmp(t[0], "connect")) { /* connect NAME LISTENER [nonblock] */
		NEED(2);
		int nb, ce;
		fd_flags(c, t, 3, nt, &nb, &ce);
		struct ent *l = need(c, t[2], K_FD);
		int fd = socket(l->addr.ss_family, SOCK_STREAM | (nb ? SOCK_NONBLOCK : 0), 0);
		r = connect(fd, (struct sockaddr *)&l->addr, l->alen);
		result(c, r, errno);
		define_fd(c, t[1], fd);
	} else if (!strcmp(t[0], "connect_to")) { /* connect_to FD LISTENER: an existing socket */
		NEED(2);
		struct ent *l = need(c, t[2], K_FD);
		r = connect(fd_of(c, t[1]), (struct sockaddr *)&l->addr, l->alen);
		result(c, r, errno);
	} else if (!strcmp(t[0], "connect_closed")) { /* connect_closed FD: to a port nobody listens on */
		NEED(1);
		struct ent tmp = { 0 };
		close(tcp_listen(c, &tmp, 1));
		r = connect(fd_of(c, t[1]), (struct sockaddr *)&tmp.addr, tmp.alen);
		result(c, r, errno);
	} else if (!strcmp(t[0], "accept")) { /* accept NAME LISTENER [nonblock] [cloexec] */
		NEED(2);
		int nb, ce;
		fd_flags(c, t, 3, nt, &nb, &ce);
		r = accept4(fd_of(c, t[2]), NULL, NULL, (nb ? SOCK_NONBLOCK : 0) | (ce ? SOCK_CLOEXEC : 0));
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			define_fd(c, t[1], (int)r);
	} else if (!strcmp(t[0], "shutdown")) {
		NEED(2);
		int how = !strcmp(t[2], "rd") ? SHUT_RD : !strcmp(t[2], "wr") ? SHUT_WR : !strcmp(t[2], "rdwr") ? SHUT_RDWR : 99;
		r = shutdown(fd_of(c, t[1]), how);
		result(c, r, errno);
	} else if (!strcmp(t[0], "getfl")) {
		NEED(1);
		r = fcntl(fd_of(c, t[1]), F_GETFL);
		result(c, r < 0 ? -1 : 0, errno);
		if (r >= 0)
			emit(c, " %s%s%s", (r & O_ACCMODE) == O_RDONLY ? "rdonly" : (r & O_ACCMODE) == O_WRONLY ? "wronly" : "rdwr",
			     r & O_NONBLOCK ? "|nonblock" : "", r & O_APPEND ? "|append" : "");
	} else if (!strcmp(t[0], "getfd")) {
		NEED(1);
		r = fcntl(fd_of(c, t[1]), F_GETFD);
		result(c, r, errno);
	} else if (!strcmp(t[0], "nonblock")) { /* nonblock FD on|off: F_SETFL */
		NEED(2);
		int fd = fd_of(c, t[1]);
		long fl = fcntl(fd, F_GETFL);
		r = fcntl(fd, F_SETFL, !strcmp(t[2], "on") ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
		result(c, r, errno);
	} else if (!strcmp(t[0], "fionbio")) {
		NEED(2);
		int on = !strcmp(t[2], "on");
		r = ioctl(fd_of(c, t[1]), FIONBIO, &on);
		result(c, r, errno);
	} else if (!strcmp(t[0], "fionread")) {
		NEED(1);
		int n = -1;
		r = ioctl(fd_of(c, t[1]), FIONREAD, &n);
		result(c, r, errno);
		if (!r)
			emit(c, " %d", n);
	} else if (!strcmp(t[0], "rcvtimeo") || !strcmp(t[0], "sndtimeo")) { /* rcvtimeo FD SEC USEC */
		NEED(3);
		struct timeval tv = { num(c, t[2]), num(c, t[3]) };
		r = setsockopt(fd_of(c, t[1]), SOL_SOCKET, t[0][0] == 'r' ? SO_RCVTIMEO : SO_SNDTIMEO, &tv, sizeof(tv));
		result(c, r, errno);
	} else if (!strcmp(t[0], "sockerr")) {
		NEED(1);
		int e = 0;
		socklen_t len = sizeof(e);
		r = getsockopt(fd_of(c, t[1]), SOL_SOCKET, SO_ERROR, &e, &len);
		result(c, r, errno);
		if (!r)
			emit(c, " %s", e ? strerrorname_np(e) : "0");
	} else if (!strcmp(t[0], "linger0")) { /* SO_LINGER {1, 0}: the close resets */
		NEED(1);
		struct linger lg = { 1, 0 };
		r = setsockopt(fd_of(c, t[1]), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		result(c, r, errno);
	} else if (!strcmp(t[0], "lseek")) {
		NEED(3);
		int wh = !strcmp(t[3], "cur") ? SEEK_CUR : !strcmp(t[3], "end") ? SEEK_END : SEEK_SET;
		r = lseek(fd_of(c, t[1]), num(c, t[2]), wh);
		result(c, r, errno);
	} else {
		return 0;
	}
	return 1;
}

static unsigned char *iobuf(void)
{
	static __thread unsigned char *b;
	if (!b)
		b = malloc(MAXDATA);
	return b;
}

/* Reads and writes. */
static int cmd_data(struct ctx *c, char **t, size_t *tl, int nt)
{
	long r;
	size_t len;
	unsigned char *buf = iobuf();
	if (!strcmp(t[0], "write")) { /* write FD DATA [LEN: with null] */
		NEED(2);
		const void *d = data_of(c, t[2], tl[2], &len);
		if (!d)
			len = nt > 3 ? (size_t)num(c, t[3]) : 1;
		r = write(fd_of(c, t[1]), d, len);
		result(c, r, errno);
	} else if (!strcmp(t[0], "read") || !strcmp(t[0], "read_null")) { /* read FD N */
		NEED(2);
		long n = num(c, t[2]);
		if (n < 0 || n > MAXDATA)
			die(c, "bad size");
		r = read(fd_of(c, t[1]), t[0][4] ? NULL : buf, (size_t)n);
		result(c, r, errno);
		if (r > 0)
			show_bytes(c, buf, r);
	} else if (!strcmp(t[0], "send")) { /* send FD DATA [FLAGS] */
		NEED(2);
		const void *d = data_of(c, t[2], tl[2], &len);
		r = send(fd_of(c, t[1]), d, d ? len : 1, nt > 3 ? msg_flags(c, t[3]) : 0);
		result(c, r, errno);
	} else if (!strcmp(t[0], "recv")) { /* recv FD N [FLAGS] */
		NEED(2);
		long n = num(c, t[2]);
		if (n < 0 || n > MAXDATA)
			die(c, "bad size");
		r = recv(fd_of(c, t[1]), buf, (size_t)n, nt > 3 ? msg_flags(c, t[3]) : 0);
		result(c, r, errno);
		if (r > 0)
			show_bytes(c, buf, r > n ? n : r);
	} else if (!strcmp(t[0], "sendto")) { /* sendto FD DEST DATA */
		NEED(3);
		struct ent *d = need(c, t[2], K_FD);
		const void *p = data_of(c, t[3], tl[3], &len);
		r = sendto(fd_of(c, t[1]), p, len, 0, (struct sockaddr *)&d->addr, d->alen);
		result(c, r, errno);
	} else if (!strcmp(t[0], "recvfrom")) { /* recvfrom FD N [FLAGS] */
		NEED(2);
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		long n = num(c, t[2]);
		r = recvfrom(fd_of(c, t[1]), buf, (size_t)n, nt > 3 ? msg_flags(c, t[3]) : 0, (struct sockaddr *)&from, &flen);
		result(c, r, errno);
		if (r >= 0) {
			show_bytes(c, buf, r > n ? n : r);
			emit(c, " from %s", peer_name(&from, flen));
		}
	} else if (!strcmp(t[0], "readv")) { /* readv FD N,N,... */
		NEED(2);
		struct iovec iov[16];
		int cnt = 0;
		size_t off = 0;
		char spec[256];
		snprintf(spec, sizeof(spec), "%s", t[2]);
		for (char *save, *w = strtok_r(spec, ",", &save); w && cnt < 16; w = strtok_r(NULL, ",", &save)) {
			int isnull = !strncmp(w, "null:", 5);
			size_t n = (size_t)num(c, isnull ? w + 5 : w);
			iov[cnt++] = (struct iovec){ isnull ? NULL : buf + off, n };
			off += isnull ? 0 : n;
		}
		r = readv(fd_of(c, t[1]), iov, cnt);
		result(c, r, errno);
		if (r > 0)
			show_bytes(c, buf, r);
	} else if (!strcmp(t[0], "writev")) { /* writev FD DATA DATA ... (none: a count of 0) */
		NEED(1);
		struct iovec iov[16];
		int cnt = 0;
		size_t off = 0;
		for (int i = 2; i < nt && cnt < 16; i++) {
			if (!strncmp(t[i], "null:", 5)) { /* a part with a NULL base */
				iov[cnt++] = (struct iovec){ NULL, (size_t)num(c, t[i] + 5) };
				continue;
			}
			const void *d = data_of(c, t[i], tl[i], &len);
			memcpy(buf + off, d, len); /* @N reuses one buffer: copy each part out */
			iov[cnt++] = (struct iovec){ buf + off, len };
			off += len;
		}
		r = writev(fd_of(c, t[1]), iov, cnt);
		result(c, r, errno);
	} else if (!strcmp(t[0], "pread")) { /* pread FD N OFF */
		NEED(3);
		r = pread(fd_of(c, t[1]), buf, (size_t)num(c, t[2]), num(c, t[3]));
		result(c, r, errno);
		if (r > 0)
			show_bytes(c, buf, r);
	} else if (!strcmp(t[0], "pwrite")) { /* pwrite FD DATA OFF */
		NEED(3);
		const void *d = data_of(c, t[2], tl[2], &len);
		r = pwrite(fd_of(c, t[1]), d, len, num(c, t[3]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "drain")) { /* drain FD: read without waiting until EAGAIN or EOF */
		NEED(1);
		/* how much a full buffer holds varies, and how it splits between drains: only how it
		 * ended is printed; the bytes other than fill's 'f' (what the scenario wrote itself)
		 * are counted for `drained` */
		struct ent *e = need(c, t[1], K_FD);
		int fd = e->fd, fl = -1;
		if (!e->other)
			e->ofnv = 2166136261u;
		for (;;) {
			r = recv(fd, buf, MAXDATA, MSG_DONTWAIT);
			if (r < 0 && errno == ENOTSOCK) {
				if (fl < 0 && (fl = fcntl(fd, F_GETFL)) >= 0)
					fcntl(fd, F_SETFL, fl | O_NONBLOCK);
				r = read(fd, buf, MAXDATA);
			}
			if (r <= 0)
				break;
			for (long i = 0; i < r; i++) {
				if (buf[i] == 'f')
					continue;
				if (e->other < 64)
					e->otext[e->other] = buf[i];
				e->ofnv = (e->ofnv ^ buf[i]) * 16777619u;
				e->other++;
			}
		}
		int err = errno;
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl);
		emit(c, " = %s", r == 0 ? "EOF" : strerrorname_np(err));
	} else if (!strcmp(t[0], "drained")) { /* drained FD: what drain kept of the scenario's bytes */
		NEED(1);
		struct ent *e = need(c, t[1], K_FD);
		if (e->other <= 64) {
			emit(c, " = %ld", e->other);
			show_bytes(c, e->otext, e->other);
		} else {
			emit(c, " = %ld <fnv %08x>", e->other, e->ofnv);
		}
	} else if (!strcmp(t[0], "fill")) { /* fill FD: write with MSG_DONTWAIT until EAGAIN (a full buffer) */
		NEED(1);
		long total = 0;
		int fd = fd_of(c, t[1]);
		memset(buf, 'f', 65536);
		while ((r = send(fd, buf, 65536, MSG_DONTWAIT)) > 0)
			total += r;
		if (r < 0 && errno == ENOTSOCK) {
			int fl = fcntl(fd, F_GETFL);
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
			while ((r = write(fd, buf, 65536)) > 0)
				total += r;
			fcntl(fd, F_SETFL, fl);
		}
		emit(c, " = %s then %s", total > 0 ? "some" : "none", r < 0 ? strerrorname_np(errno) : "0");
	} else {
		return 0;
	}
	return 1;
}

/* poll, select, epoll, sleeps. */
static int cmd_wait(struct ctx *c, char **t, size_t *tl, int nt)
{
	long r;
	if (!strcmp(t[0], "poll") || !strcmp(t[0], "ppoll")) { /* poll TIMEOUT_MS FD:EVENTS ... */
		NEED(1);
		struct pollfd p[32];
		int n = 0;
		for (int i = 2; i < nt && n < 32; i++, n++) {
			char *colon = strchr(t[i], ':');
			if (!colon)
				die(c, "poll entries are FD:EVENTS");
			*colon = 0;
			p[n] = (struct pollfd){ .fd = fd_of(c, t[i]), .events = poll_events(c, colon + 1) };
			*colon = ':';
		}
		if (t[0][0] == 'p' && t[0][1] == 'p') { /* ppoll TIMEOUT_MS|none: negative is invalid (-1 s) */
			int none = !strcmp(t[1], "none");
			long ms = none ? 0 : num(c, t[1]);
			struct timespec ts = ms < 0 ? (struct timespec){ -1, 0 } : ms_ts(ms);
			r = ppoll(p, (nfds_t)n, none ? NULL : &ts, NULL);
		} else {
			r = poll(p, (nfds_t)n, (int)num(c, t[1]));
		}
		result(c, r, errno);
		for (int i = 0; r >= 0 && i < n; i++) {
			emit(c, " %s:", p[i].fd >= 0 ? name_of_fd(p[i].fd) : "-1");
			show_revents(c, p[i].revents);
		}
	} else if (!strcmp(t[0], "poll_null")) { /* poll_null N TIMEOUT: EFAULT */
		NEED(2);
		r = poll(NULL, (nfds_t)num(c, t[1]), (int)num(c, t[2]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "select")) { /* select TIMEOUT_MS|none r=FD,FD w=FD e=FD [nfds=N] */
		NEED(1);
		fd_set set[3];
		int maxfd = -1, nfds = -2;
		for (int k = 0; k < 3; k++)
			FD_ZERO(&set[k]);
		for (int i = 2; i < nt; i++) {
			if (!strncmp(t[i], "nfds=", 5)) {
				nfds = (int)num(c, t[i] + 5);
				continue;
			}
			int k = t[i][0] == 'r' ? 0 : t[i][0] == 'w' ? 1 : t[i][0] == 'e' ? 2 : -1;
			if (k < 0 || t[i][1] != '=')
				die(c, "select sets are r=, w=, e=");
			char spec[256];
			snprintf(spec, sizeof(spec), "%s", t[i] + 2);
			for (char *save, *w = strtok_r(spec, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				int fd = fd_of(c, w);
				if (fd >= 0 && fd < FD_SETSIZE) {
					FD_SET(fd, &set[k]);
					maxfd = fd > maxfd ? fd : maxfd;
				}
			}
		}
		int none = !strcmp(t[1], "none");
		long ms = none ? 0 : num(c, t[1]);
		struct timeval tv = ms < 0 ? (struct timeval){ -1, 0 } : (struct timeval){ ms / 1000, ms % 1000 * 1000 };
		r = select(nfds != -2 ? nfds : maxfd + 1, &set[0], &set[1], &set[2], none ? NULL : &tv);
		result(c, r, errno);
		for (int k = 0; r > 0 && k < 3; k++) {
			int first = 1;
			for (int fd = 0; fd <= maxfd; fd++)
				if (FD_ISSET(fd, &set[k])) {
					emit(c, "%s%s", first ? (const char *[]){ " r=", " w=", " e=" }[k] : ",", name_of_fd(fd));
					first = 0;
				}
		}
	} else if (!strcmp(t[0], "epoll_ctl")) { /* epoll_ctl EP add|mod|del FD EVENTS */
		NEED(3);
		int op = !strcmp(t[2], "add") ? EPOLL_CTL_ADD : !strcmp(t[2], "mod") ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
		int fd = fd_of(c, t[3]);
		struct epoll_event ev = { .events = nt > 4 ? epoll_events(c, t[4]) : 0, .data.fd = fd };
		r = epoll_ctl(fd_of(c, t[1]), op, fd, &ev);
		result(c, r, errno);
	} else if (!strcmp(t[0], "epoll_wait")) { /* epoll_wait EP MAX TIMEOUT_MS */
		NEED(3);
		struct epoll_event ev[32];
		int max = (int)num(c, t[2]);
		r = epoll_wait(fd_of(c, t[1]), max > 32 ? NULL : ev, max, (int)num(c, t[3]));
		result(c, r, errno);
		/* in name order: the kernel's order of simultaneous events is not the point */
		const char *names[32];
		uint32_t evs[32];
		for (long i = 0; i < r; i++)
			names[i] = name_of_fd(ev[i].data.fd), evs[i] = ev[i].events;
		for (long i = 0; i < r; i++)
			for (long j = i + 1; j < r; j++)
				if (strcmp(names[j], names[i]) < 0) {
					const char *tn = names[i];
					uint32_t te = evs[i];
					names[i] = names[j], evs[i] = evs[j];
					names[j] = tn, evs[j] = te;
				}
		for (long i = 0; i < r; i++) {
			emit(c, " %s:", names[i]);
			show_epoll_events(c, evs[i]);
		}
	} else if (!strcmp(t[0], "sleep")) { /* sleep MS: nanosleep */
		NEED(1);
		struct timespec ts = ms_ts(num(c, t[1]));
		r = nanosleep(&ts, NULL);
		result(c, r, errno);
	} else if (!strcmp(t[0], "nanosleep")) { /* nanosleep SEC NSEC (for the invalid ones) */
		NEED(2);
		struct timespec ts = { num(c, t[1]), num(c, t[2]) };
		r = nanosleep(&ts, NULL);
		result(c, r, errno);
	} else if (!strcmp(t[0], "usleep")) {
		NEED(1);
		r = usleep((useconds_t)num(c, t[1]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "clock_nanosleep")) { /* clock_nanosleep mono|real|bad rel|abs MS */
		NEED(3);
		clockid_t clk = !strcmp(t[1], "mono") ? CLOCK_MONOTONIC : !strcmp(t[1], "real") ? CLOCK_REALTIME : 12345;
		int abs = !strcmp(t[2], "abs");
		long ms = num(c, t[3]);
		struct timespec ts = abs ? abs_in(clk == 12345 ? CLOCK_MONOTONIC : clk, ms) : ms_ts(ms);
		if (ms < 0)
			ts = (struct timespec){ 0, -1 };
		int e = clock_nanosleep(clk, abs ? TIMER_ABSTIME : 0, &ts, NULL);
		result_err(c, e);
	} else if (!strcmp(t[0], "sched_yield")) {
		r = sched_yield();
		result(c, r, errno);
	} else {
		return 0;
	}
	return 1;
}

/* Threads and their synchronisation. */
static int cmd_sync(struct ctx *c, char **t, size_t *tl, int nt)
{
	if (!strcmp(t[0], "join")) {
		NEED(1);
		struct thr *th = need(c, t[1], K_THREAD)->thr;
		int e = pthread_join(th->t, NULL);
		result_err(c, e);
		emit(c, "\n");
		fflush(th->ctx.out.f);
		if (th->ctx.out.len)
			emit(c, "%.*s", (int)th->ctx.out.len, th->ctx.out.buf);
		emit(c, "  %s| end", t[1]);
	} else if (!strcmp(t[0], "mutex")) { /* mutex M [normal|recursive|errorcheck] */
		NEED(1);
		struct ent *e = define(c, t[1], K_MUTEX);
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		if (nt > 2)
			pthread_mutexattr_settype(&a, !strcmp(t[2], "recursive") ? PTHREAD_MUTEX_RECURSIVE
						     : !strcmp(t[2], "errorcheck") ? PTHREAD_MUTEX_ERRORCHECK
										   : PTHREAD_MUTEX_NORMAL);
		result_err(c, pthread_mutex_init(&e->mutex, &a));
	} else if (!strcmp(t[0], "lock")) {
		NEED(1);
		result_err(c, pthread_mutex_lock(&need(c, t[1], K_MUTEX)->mutex));
	} else if (!strcmp(t[0], "unlock")) {
		NEED(1);
		result_err(c, pthread_mutex_unlock(&need(c, t[1], K_MUTEX)->mutex));
	} else if (!strcmp(t[0], "trylock")) {
		NEED(1);
		result_err(c, pthread_mutex_trylock(&need(c, t[1], K_MUTEX)->mutex));
	} else if (!strcmp(t[0], "timedlock")) { /* timedlock M MS */
		NEED(2);
		struct timespec ts = abs_in(CLOCK_REALTIME, num(c, t[2]));
		result_err(c, pthread_mutex_timedlock(&need(c, t[1], K_MUTEX)->mutex, &ts));
	} else if (!strcmp(t[0], "cond")) {
		NEED(1);
		result_err(c, pthread_cond_init(&define(c, t[1], K_COND)->cond, NULL));
	} else if (!strcmp(t[0], "wait")) { /* wait C M */
		NEED(2);
		result_err(c, pthread_cond_wait(&need(c, t[1], K_COND)->cond, &need(c, t[2], K_MUTEX)->mutex));
	} else if (!strcmp(t[0], "timedwait")) { /* timedwait C M MS */
		NEED(3);
		struct timespec ts = abs_in(CLOCK_REALTIME, num(c, t[3]));
		result_err(c, pthread_cond_timedwait(&need(c, t[1], K_COND)->cond, &need(c, t[2], K_MUTEX)->mutex, &ts));
	} else if (!strcmp(t[0], "signal")) {
		NEED(1);
		result_err(c, pthread_cond_signal(&need(c, t[1], K_COND)->cond));
	} else if (!strcmp(t[0], "broadcast")) {
		NEED(1);
		result_err(c, pthread_cond_broadcast(&need(c, t[1], K_COND)->cond));
	} else if (!strcmp(t[0], "sem")) { /* sem S N */
		NEED(2);
		long r = sem_init(&define(c, t[1], K_SEM)->sem, 0, (unsigned)num(c, t[2]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "sem_wait") || !strcmp(t[0], "sem_trywait") || !strcmp(t[0], "sem_post")) {
		NEED(1);
		sem_t *s = &need(c, t[1], K_SEM)->sem;
		long r = t[0][4] == 'w' ? sem_wait(s) : t[0][4] == 't' ? sem_trywait(s) : sem_post(s);
		result(c, r, errno);
	} else if (!strcmp(t[0], "sem_timedwait")) { /* sem_timedwait S MS */
		NEED(2);
		struct timespec ts = abs_in(CLOCK_REALTIME, num(c, t[2]));
		long r = sem_timedwait(&need(c, t[1], K_SEM)->sem, &ts);
		result(c, r, errno);
	} else if (!strcmp(t[0], "sem_getvalue")) {
		NEED(1);
		int v = -99;
		long r = sem_getvalue(&need(c, t[1], K_SEM)->sem, &v);
		result(c, r, errno);
		emit(c, " %d", v);
	} else {
		return 0;
	}
	return 1;
}

/* Child processes: child NAME MS CODE (a child that sleeps MS and exits with CODE), waitpid
 * NAME [nohang], killchild NAME SIG. The pid is kept in the entry's fd field. */
static int cmd_proc(struct ctx *c, char **t, size_t *tl, int nt)
{
	if (!strcmp(t[0], "child")) {
		NEED(3);
		long ms = num(c, t[2]), code = num(c, t[3]);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = ms_ts(ms);
			nanosleep(&ts, NULL);
			_exit((int)code);
		}
		result(c, pid < 0 ? -1 : 0, errno);
		define_fd(c, t[1], pid);
	} else if (!strcmp(t[0], "waitpid")) {
		NEED(1);
		int st = 0;
		pid_t pid = need(c, t[1], K_FD)->fd;
		pid_t r = waitpid(pid, &st, nt > 2 && !strcmp(t[2], "nohang") ? WNOHANG : 0);
		if (r < 0)
			result(c, -1, errno);
		else if (r == 0)
			emit(c, " = 0 (running)");
		else if (WIFEXITED(st))
			emit(c, " = the child, exited %d", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			emit(c, " = the child, killed by %s", signame(WTERMSIG(st)));
		else
			emit(c, " = the child, status %#x", st);
	} else if (!strcmp(t[0], "killchild")) {
		NEED(2);
		long r = kill(need(c, t[1], K_FD)->fd, signo(c, t[2]));
		result(c, r, errno);
	} else {
		return 0;
	}
	return 1;
}

/* Signals. */
static int cmd_signal(struct ctx *c, char **t, size_t *tl, int nt)
{
	long r;
	if (!strcmp(t[0], "handler")) { /* handler SIG restart|norestart|ignore|default */
		NEED(2);
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		if (!strcmp(t[2], "restart"))
			sa.sa_flags = SA_RESTART;
		else if (!strcmp(t[2], "ignore"))
			sa.sa_handler = SIG_IGN;
		else if (!strcmp(t[2], "default"))
			sa.sa_handler = SIG_DFL;
		r = sigaction(signo(c, t[1]), &sa, NULL);
		result(c, r, errno);
	} else if (!strcmp(t[0], "raise")) {
		NEED(1);
		result_err(c, raise(signo(c, t[1])) ? errno : 0);
	} else if (!strcmp(t[0], "kill")) { /* kill SIG: to the process */
		NEED(1);
		r = kill(getpid(), signo(c, t[1]));
		result(c, r, errno);
	} else if (!strcmp(t[0], "killthread")) { /* killthread T|main SIG */
		NEED(2);
		extern pthread_t driver_main;
		pthread_t th = !strcmp(t[1], "main") ? driver_main : need(c, t[1], K_THREAD)->thr->t;
		result_err(c, pthread_kill(th, signo(c, t[2])));
	} else if (!strcmp(t[0], "alarm_ms")) { /* a one-shot ITIMER_REAL: SIGALRM in MS */
		NEED(1);
		struct itimerval it = { { 0, 0 }, { num(c, t[1]) / 1000, num(c, t[1]) % 1000 * 1000 } };
		r = setitimer(ITIMER_REAL, &it, NULL);
		result(c, r, errno);
	} else if (!strcmp(t[0], "block") || !strcmp(t[0], "unblock")) { /* block SIG... */
		NEED(1);
		sigset_t s;
		sigemptyset(&s);
		for (int i = 1; i < nt; i++)
			sigaddset(&s, signo(c, t[i]));
		result_err(c, pthread_sigmask(t[0][0] == 'b' ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL));
	} else if (!strcmp(t[0], "pending")) { /* pending SIG: yes/no */
		NEED(1);
		sigset_t s;
		r = sigpending(&s);
		result(c, r, errno);
		emit(c, " %s", sigismember(&s, signo(c, t[1])) ? "yes" : "no");
	} else if (!strcmp(t[0], "count")) { /* count SIG: times the handler ran */
		NEED(1);
		emit(c, " = %d", (int)sig_count[signo(c, t[1])]);
	} else if (!strcmp(t[0], "sigtimedwait")) { /* sigtimedwait MS SIG... */
		NEED(2);
		sigset_t s;
		sigemptyset(&s);
		for (int i = 2; i < nt; i++)
			sigaddset(&s, signo(c, t[i]));
		struct timespec ts = ms_ts(num(c, t[1]));
		if (num(c, t[1]) < 0)
			ts = (struct timespec){ 0, -5 };
		r = sigtimedwait(&s, NULL, &ts);
		if (r > 0)
			emit(c, " = %s", signame((int)r));
		else
			result(c, r, errno);
	} else if (!strcmp(t[0], "sigwait")) { /* sigwait SIG... */
		NEED(1);
		sigset_t s;
		int got = 0;
		sigemptyset(&s);
		for (int i = 1; i < nt; i++)
			sigaddset(&s, signo(c, t[i]));
		int e = sigwait(&s, &got);
		if (e)
			result_err(c, e);
		else
			emit(c, " = %s", signame(got));
	} else if (!strcmp(t[0], "pause")) {
		r = pause();
		result(c, r, errno);
	} else {
		return 0;
	}
	return 1;
}

pthread_t driver_main;

static void *company_main(void *arg)
{
	struct timespec ts = ms_ts((long)arg);
	nanosleep(&ts, NULL);
	return NULL;
}

static void run(struct ctx *c, int from, int to)
{
	char *t[MAXTOK];
	size_t tl[MAXTOK];
	for (int i = from; i < to; i++) {
		c->line = script.lineno[i];
		char line[4096];
		snprintf(line, sizeof(line), "%s", script.lines[i]);
		int nt = tokenize(c, line, t, tl);
		if (nt == 0)
			continue;
		if (!strcmp(t[0], "thread")) { /* thread T: the lines up to `end` run in a new thread */
			int j = i + 1;
			while (j < to && strcmp(script.lines[j], "end"))
				j++;
			if (j == to || nt < 2)
				die(c, "thread NAME ... end");
			struct thr *th = calloc(1, sizeof(*th));
			th->from = i + 1, th->to = j;
			th->ctx = (struct ctx){ .file = c->file };
			th->ctx.out.f = open_memstream(&th->ctx.out.buf, &th->ctx.out.len);
			th->ctx.out.who = strdup(t[1]);
			define(c, t[1], K_THREAD)->thr = th;
			if (c->out.who)
				die(c, "threads are started by main only");
			emit(c, "thread %s", t[1]);
			int e = pthread_create(&th->t, NULL, thread_main, th);
			result_err(c, e);
			emit(c, "\n");
			i = j;
			continue;
		}
		if (c->out.who)
			emit(c, "  %s| ", c->out.who);
		emit(c, "%s", script.lines[i]); /* the command as it was written */
		if (!strcmp(t[0], "echo")) {
			emit(c, "\n");
			continue;
		}
		if (!strcmp(t[0], "company")) { /* company MS: a detached thread sleeping MS, so that main
						 * is not alone (under greenpatch: waits go through the hub) */
			pthread_t th;
			pthread_attr_t a;
			pthread_attr_init(&a);
			pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
			result_err(c, nt > 1 ? pthread_create(&th, &a, company_main, (void *)num(c, t[1])) : EINVAL);
			emit(c, "\n");
			continue;
		}
		if (!cmd_create(c, t, tl, nt) && !cmd_fd(c, t, tl, nt) && !cmd_data(c, t, tl, nt) &&
		    !cmd_wait(c, t, tl, nt) && !cmd_sync(c, t, tl, nt) && !cmd_signal(c, t, tl, nt) &&
		    !cmd_proc(c, t, tl, nt))
			die(c, "unknown command '%s'", t[0]);
		emit(c, "\n");
		if (!c->out.who)
			fflush(stdout);
	}
}

/* The file as lines: comments and blank lines kept out, indentation and trailing blanks trimmed. */
static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	char buf[4096];
	int n = 0, cap = 0;
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t len = strcspn(s, "\n");
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
			len--;
		s[len] = 0;
		if (!*s || *s == '#')
			continue;
		if (script.n == cap) {
			cap = cap ? 2 * cap : 64;
			script.lines = realloc(script.lines, (size_t)cap * sizeof(char *));
			script.lineno = realloc(script.lineno, (size_t)cap * sizeof(int));
		}
		script.lines[script.n] = strdup(s);
		script.lineno[script.n++] = n;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: driver SCENARIO\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	script_file = argv[1];
	driver_main = pthread_self();
	load(argv[1]);
	struct ctx c = { .file = argv[1] };
	c.out.f = stdout;
	if (getenv("DRIVER_COMPANY")) { /* main never alone: under greenpatch every wait goes through the hub */
		pthread_t th;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_create(&th, &a, company_main, (void *)60000L);
	}
	run(&c, 0, script.n);
	printf("exit\n");
	fflush(stdout);
	return 0;
}
