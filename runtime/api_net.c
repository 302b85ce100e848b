/* The API's network helpers (eventlet.listen, connect, serve), made of the runtime's own green
 * calls, so that they are green with or without the preload's shims in front of libc. serve runs
 * each client in a green thread through a limit of `concurrency`; a handler that stops serving
 * or fails wakes the accepting thread out of its accept (with -ESHUTDOWN, a status no accept
 * gives) through the state they share, which lives until the last handler is gone. */
#include "api.h"
#include "sys.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

static int make_addr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (port < 0 || port > 65535)
		return -EINVAL;
	if (!host || !*host)
		host = "0.0.0.0";
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* A TCP socket of the family, in the runtime's fd table; -errno. */
static int tcp_socket(int family)
{
	int fd = (int)GP_SC(SYS_socket, family, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	struct gp_fd *f = gp_fd_new(fd, GP_FD_SOCK);
	if (f) {
		f->stream = f->tcp = f->created = 1;
	}
	return fd;
}

/* Close fd and report r (a cancellation or timeout acts at gp_api_ret). */
static int fail_close(int fd, long r)
{
	gp_fd_forget(fd);
	gp_sys_close(fd);
	return gp_api_ret(r);
}

static long setopt(int fd, int opt)
{
	int one = 1;
	return GP_SC(SYS_setsockopt, fd, SOL_SOCKET, opt, &one, sizeof(one), 0);
}

GP_EXPORT int greenpatch_listen(const char *host, int port, int backlog, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long r = make_addr(host, port, &ss, &len);
	if (r < 0)
		return gp_api_fail((int)-r);
	int fd = tcp_socket(ss.ss_family);
	if (fd < 0)
		return gp_api_fail(-fd);
	if ((r = setopt(fd, SO_REUSEADDR)) < 0 || ((flags & GREENPATCH_REUSE_PORT) && (r = setopt(fd, SO_REUSEPORT)) < 0))
		return fail_close(fd, r);
	if ((r = GP_SC(SYS_bind, fd, &ss, len, 0, 0, 0)) < 0 ||
	    (r = GP_SC(SYS_listen, fd, backlog > 0 ? backlog : 50, 0, 0, 0, 0)) < 0)
		return fail_close(fd, r);
	struct gp_fd *f = gp_fd_slot(fd);
	if (f && gp_fd_set_kernel_nb(fd, 1) == 0) /* ours from birth: accept needs no flag changes */
		f->kern_nb = 1;
	return fd;
}

GP_EXPORT int greenpatch_connect(const char *host, int port, const char *bind_host, int bind_port)
{
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen;
	long r = make_addr(host, port, &to, &tolen);
	if (r < 0 || (bind_host && (r = make_addr(bind_host, bind_port, &from, &fromlen)) < 0))
		return gp_api_fail(EINVAL);
	int fd = tcp_socket(to.ss_family);
	if (fd < 0)
		return gp_api_fail(-fd);
	if (bind_host && (r = GP_SC(SYS_bind, fd, &from, fromlen, 0, 0, 0)) < 0)
		return fail_close(fd, r);
	if ((r = gp_io_connect(fd, gp_fd_slot(fd), (struct sockaddr *)&to, tolen)) < 0)
		return fail_close(fd, r);
	return fd;
}

/* ---- serve ---- */

struct serve {
	int refs;            /* serve() itself and each handler alive */
	int active, limit;
	int stop, err;       /* a handler asked to stop; the error one returned */
	struct gp_gt *acceptor;
	struct gp_wq room;   /* serve() waiting for a handler to end */
	int (*handler)(int, const struct sockaddr *, socklen_t, void *);
	void *arg;
};

struct client {
	struct serve *s;
	int fd;
	socklen_t len;
	struct sockaddr_storage peer;
};

static void unref(struct serve *s)
{
	if (!--s->refs)
		free(s);
}

/* Tell serve(): out of its accept, or of its wait for room. */
static void nudge(struct serve *s)
{
	if (s->acceptor && s->acceptor->state == GP_WAITING)
		gp_cancel_wait(s->acceptor, -ESHUTDOWN);
}

static void client_done(struct client **cp)
{
	struct client *c = *cp;
	struct serve *s = c->s;
	int raised = gp_self()->exit_err;
	gp_fd_forget(c->fd);
	gp_sys_close(c->fd);
	if (raised && raised != ECANCELED && !s->err)
		s->err = raised, nudge(s);
	s->active--;
	gp_wq_wake_one(&s->room, 0);
	free(c);
	unref(s);
}

static void *client_run(void *arg)
{
	struct client *c __attribute__((cleanup(client_done))) = arg;
	struct serve *s = c->s;
	int r = s->handler(c->fd, (struct sockaddr *)&c->peer, c->len, s->arg);
	if (r == GREENPATCH_STOP_SERVE && !s->stop)
		s->stop = 1, nudge(s);
	else if (r > 0 && !s->err)
		s->err = r, nudge(s);
	return NULL;
}

/* One accept; 0 when a client was started, else what ends serve(). */
static long accept_one(int sock, struct gp_fd *f, struct serve *s)
{
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->s = s;
	c->len = sizeof(c->peer);
	struct gp_io a = { .addr = (struct sockaddr *)&c->peer, .addrlen = &c->len, .flags = SOCK_CLOEXEC };
	long fd = gp_io_accept(sock, f, &a);
	if (fd < 0) {
		free(c);
		return fd;
	}
	c->fd = (int)fd;
	struct gp_fd *cf = gp_fd_new(c->fd, GP_FD_SOCK);
	if (cf)
		cf->stream = 1, cf->tcp = f->tcp, cf->created = 1;
	s->active++;
	s->refs++;
	if (greenpatch_spawn_n(client_run, c) < 0) {
		s->active--;
		s->refs--;
		gp_fd_forget(c->fd);
		gp_sys_close(c->fd);
		free(c);
	}
	return 0;
}

static int serve_end(struct serve *s, long r)
{
	int stop = s->stop, err = s->err;
	s->acceptor = NULL;
	unref(s);
	if (err)
		return gp_api_fail(err);
	if (stop)
		return 0;
	return gp_api_ret(r);
}

GP_EXPORT int greenpatch_serve(int sock, int (*handler)(int, const struct sockaddr *, socklen_t, void *), void *arg,
			       int concurrency)
{
	struct gp_fd *f = gp_fd_get(sock);
	if (!f)
		return gp_api_fail(EBADF);
	struct serve *s = calloc(1, sizeof(*s));
	if (!s)
		return gp_api_fail(ENOMEM);
	*s = (struct serve){ .refs = 1, .limit = concurrency > 0 ? concurrency : 1000, .acceptor = gp_self(),
			     .handler = handler, .arg = arg };
	long r = 0;
	while (!s->stop && !s->err && (r == 0 || r == -ESHUTDOWN || r == -ECONNABORTED)) {
		if (s->active >= s->limit)
			r = gp_wait_on(&s->room, 0, GP_NEVER); /* a kill or a timeout ends serve here too */
		else
			r = accept_one(sock, f, s);
	}
	return serve_end(s, r == -ESHUTDOWN || r == -ECONNABORTED ? 0 : r);
}

/* ---- green I/O whatever is patched ---- */

GP_EXPORT ssize_t greenpatch_recv(int fd, void *buf, size_t len, int flags)
{
	struct gp_fd *f = gp_fd_get(fd);
	if (!f)
		return gp_api_fail(EBADF);
	struct gp_io a = { .buf = buf, .len = len, .flags = flags };
	return gp_api_ret(gp_io(fd, f, GP_IO_RECV, &a));
}

GP_EXPORT ssize_t greenpatch_sendall(int fd, const void *buf, size_t len)
{
	struct gp_fd *f = gp_fd_get(fd);
	if (!f)
		return gp_api_fail(EBADF);
	size_t done = 0;
	while (done < len) { /* a send cut short (SO_SNDTIMEO, an error) reports why when retried */
		struct gp_io a = { .buf = (char *)buf + done, .len = len - done, .flags = MSG_NOSIGNAL };
		long r = gp_io(fd, f, GP_IO_SEND, &a);
		if (r < 0)
			return gp_api_ret(r);
		done += (size_t)r;
	}
	return (ssize_t)done;
}
