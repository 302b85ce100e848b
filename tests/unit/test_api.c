/* The public API of include/greenpatch.h, semantics as eventlet documents them: spawn/wait,
 * spawn_after with cancel (before start: prevented; after: nothing) and kill, raise, sleep(0);
 * GreenPool (a full pool blocks spawn, waitall, resize, imap in input order); GreenPile (spawn
 * order under reversed completion, errors at read); Queue (unbounded, bounded, Queue(0) as a
 * rendezvous, timeouts, counts); Timeout (ETIME, nesting in the right order, cancel, silent);
 * listen/connect/serve. */
#include "unit.h"
#include "greenpatch.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char trace[128];
static void note(char c)
{
	size_t n = strlen(trace);
	trace[n] = c;
	trace[n + 1] = 0;
}

static void *ret_arg(void *arg)
{
	return arg;
}

static void *note_it(void *arg)
{
	note((char)(long)arg);
	return arg;
}

TEST(spawn_wait_and_spawn_n)
{
	greenpatch_thread *t;
	void *r = NULL;
	CHECK_EQ(greenpatch_spawn(&t, ret_arg, (void *)42L), 0);
	CHECK_EQ(greenpatch_wait(t, &r), 0);
	CHECK_EQ((long)r, 42);
	trace[0] = 0;
	CHECK_EQ(greenpatch_spawn_n(note_it, (void *)'n'), 0);
	CHECK_STR(trace, ""); /* not yet: it runs when the caller yields */
	CHECK_EQ(greenpatch_sleep(0), 0);
	CHECK_STR(trace, "n");
	CHECK_EQ(greenpatch_sleep(-1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(greenpatch_wait((greenpatch_thread *)trace, NULL), -1);
	CHECK_EQ(errno, EINVAL);
}

static void *raiser(void *arg)
{
	greenpatch_raise(EPIPE);
}

static void *waiter_of_self(void *arg)
{
	return (void *)(long)(greenpatch_wait(greenpatch_current(), NULL) == -1 && errno == EDEADLK);
}

TEST(raise_reaches_the_waiter)
{
	greenpatch_thread *t;
	CHECK_EQ(greenpatch_spawn(&t, raiser, NULL), 0);
	CHECK_EQ(greenpatch_wait(t, NULL), -1);
	CHECK_EQ(errno, EPIPE);
	void *r;
	CHECK_EQ(greenpatch_spawn(&t, waiter_of_self, NULL), 0);
	CHECK_EQ(greenpatch_wait(t, &r), 0);
	CHECK_EQ((long)r, 1);
}

TEST(spawn_after_runs_later_and_cancel_prevents_it)
{
	trace[0] = 0;
	greenpatch_thread *a, *b;
	double t0 = unit_ms();
	CHECK_EQ(greenpatch_spawn_after(&a, 0.05, note_it, (void *)'a'), 0);
	CHECK_EQ(greenpatch_spawn_after(&b, 0.02, note_it, (void *)'b'), 0);
	CHECK_EQ(greenpatch_wait(a, NULL), 0);
	CHECK(unit_ms() - t0 >= 49);
	CHECK_EQ(greenpatch_wait(b, NULL), 0);
	CHECK_STR(trace, "ba");
	/* cancelled before it starts: never runs, its wait says ECANCELED */
	trace[0] = 0;
	CHECK_EQ(greenpatch_spawn_after(&a, 0.05, note_it, (void *)'x'), 0);
	CHECK_EQ(greenpatch_cancel(a), 1);
	CHECK_EQ(greenpatch_wait(a, NULL), -1);
	CHECK_EQ(errno, ECANCELED);
	sleep_ms(80);
	CHECK_STR(trace, "");
	CHECK_EQ(greenpatch_spawn_after(&a, -1, note_it, NULL), -1);
	CHECK_EQ(errno, EINVAL);
}

static int cleaned;
static void cleanup_mark(int *p)
{
	cleaned++;
}

static void *sleep_then_note(void *arg)
{
	int m __attribute__((cleanup(cleanup_mark))) = 0;
	greenpatch_sleep(0.05);
	note('s');
	return arg;
}

TEST(cancel_after_start_does_nothing_kill_does)
{
	trace[0] = 0;
	greenpatch_thread *t;
	CHECK_EQ(greenpatch_spawn_after(&t, 0, sleep_then_note, NULL), 0);
	greenpatch_sleep(0.01); /* it has started, and sleeps */
	CHECK_EQ(greenpatch_cancel(t), 0);
	CHECK_EQ(greenpatch_wait(t, NULL), 0);
	CHECK_STR(trace, "s");
	cleaned = 0;
	trace[0] = 0;
	CHECK_EQ(greenpatch_spawn(&t, sleep_then_note, NULL), 0);
	greenpatch_sleep(0.01);
	CHECK_EQ(greenpatch_kill(t), 0);
	CHECK_EQ(greenpatch_wait(t, NULL), -1);
	CHECK_EQ(errno, ECANCELED);
	CHECK_STR(trace, "");
	CHECK_EQ(cleaned, 1); /* unwound: its cleanup ran */
	/* a runnable one (spawned, never run) is killed when it would run */
	CHECK_EQ(greenpatch_spawn(&t, note_it, (void *)'k'), 0);
	greenpatch_kill(t);
	CHECK_EQ(greenpatch_wait(t, NULL), -1);
	CHECK_STR(trace, "");
}

static void *kill_self(void *arg)
{
	greenpatch_kill(greenpatch_current());
	note('!');
	return NULL;
}

TEST(a_thread_may_kill_itself)
{
	trace[0] = 0;
	greenpatch_thread *t;
	CHECK_EQ(greenpatch_spawn(&t, kill_self, NULL), 0);
	CHECK_EQ(greenpatch_wait(t, NULL), -1);
	CHECK_EQ(errno, ECANCELED);
	CHECK_STR(trace, "");
}

/* ---- GreenPool ---- */

static void *nap_note(void *arg)
{
	greenpatch_sleep(arg == (void *)'2' ? 0.3 : 0.02); /* '1' ends first, alone */
	note((char)(long)arg);
	return arg;
}

TEST(a_full_pool_blocks_spawn)
{
	greenpatch_pool *p;
	CHECK_EQ(greenpatch_pool_new(&p, 2), 0);
	trace[0] = 0;
	greenpatch_pool_spawn(p, NULL, nap_note, (void *)'1');
	greenpatch_pool_spawn(p, NULL, nap_note, (void *)'2');
	CHECK_EQ(greenpatch_pool_running(p), 2);
	CHECK_EQ(greenpatch_pool_free(p), 0);
	double t0 = unit_ms();
	greenpatch_pool_spawn(p, NULL, nap_note, (void *)'3'); /* waits for a slot */
	CHECK(unit_ms() - t0 >= 15);
	CHECK_EQ(strlen(trace), 1);
	CHECK_EQ(greenpatch_pool_waitall(p), 0);
	CHECK_EQ(greenpatch_pool_running(p), 0);
	CHECK_EQ(strlen(trace), 3);
	CHECK_EQ(greenpatch_pool_resize(p, 0), -1);
	CHECK_EQ(greenpatch_pool_resize(p, 5), 0);
	CHECK_EQ(greenpatch_pool_free(p), 5);
	CHECK_EQ(greenpatch_pool_destroy(p), 0);
	CHECK_EQ(greenpatch_pool_new(&p, 0), -1);
	CHECK_EQ(errno, EINVAL);
}

static void *slow_by_value(void *arg)
{
	long v = (long)arg;
	greenpatch_sleep((10 - v) * 0.005); /* later inputs finish first */
	if (v == 7)
		greenpatch_raise(ERANGE);
	return (void *)(v * v);
}

/* The i-th result of slow_by_value as imap and GreenPile give it: 7 fails with ERANGE. */
static int slow_result_ok(long i, int got, void *r)
{
	if (i == 7)
		return got == -1 && errno == ERANGE;
	return got == 1 && (long)r == i * i;
}

TEST(imap_yields_results_in_input_order)
{
	greenpatch_pool *p;
	greenpatch_imap *it;
	void *in[10];
	for (long i = 0; i < 10; i++)
		in[i] = (void *)i;
	CHECK_EQ(greenpatch_pool_new(&p, 4), 0);
	CHECK_EQ(greenpatch_pool_imap(p, &it, slow_by_value, in, 10), 0);
	long i = 0;
	void *r;
	int got;
	while ((got = greenpatch_imap_next(it, &r)) != 0) {
		CHECK_EQ(slow_result_ok(i, got, r), 1);
		i++;
	}
	CHECK_EQ(i, 10);
	CHECK_EQ(greenpatch_imap_free(it), 0);
	greenpatch_pool_destroy(p);
}

/* ---- GreenPile ---- */

TEST(pile_results_in_spawn_order_errors_at_read)
{
	greenpatch_pile *pile;
	CHECK_EQ(greenpatch_pile_new(&pile, NULL, 10), 0);
	for (long i = 0; i < 10; i++)
		CHECK_EQ(greenpatch_pile_spawn(pile, slow_by_value, (void *)i), 0);
	void *r;
	for (long i = 0; i < 10; i++) {
		int got = greenpatch_pile_next(pile, &r);
		CHECK_EQ(slow_result_ok(i, got, r), 1);
	}
	CHECK_EQ(greenpatch_pile_next(pile, &r), 0);
	CHECK_EQ(greenpatch_pile_free(pile), 0);
}

/* ---- Queue ---- */

static greenpatch_queue *q;
static void *getter(void *arg)
{
	void *item = NULL;
	int r = greenpatch_queue_get(q, &item, 1, -1);
	note('g');
	return r == 0 ? item : (void *)-1L;
}

TEST(queue_zero_is_a_rendezvous)
{
	CHECK_EQ(greenpatch_queue_new(&q, 0), 0);
	CHECK_EQ(greenpatch_queue_put(q, (void *)1L, 0, 0), -1); /* nobody gets: a put cannot finish */
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(greenpatch_queue_put(q, (void *)1L, 1, 0.02), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	trace[0] = 0;
	greenpatch_thread *g;
	greenpatch_spawn(&g, getter, NULL);
	greenpatch_sleep(0);
	CHECK_EQ(greenpatch_queue_getting(q), 1);
	CHECK_EQ(greenpatch_queue_put(q, (void *)7L, 1, -1), 0); /* goes straight to the getter */
	void *r;
	greenpatch_wait(g, &r);
	CHECK_EQ((long)r, 7);
	CHECK_EQ(greenpatch_queue_full(q), 1);
	CHECK_EQ(greenpatch_queue_empty(q), 1);
	CHECK_EQ(greenpatch_queue_free(q), 0);
}

static void *putter(void *arg)
{
	return (void *)(long)greenpatch_queue_put(q, arg, 1, -1);
}

TEST(queue_zero_put_blocks_until_a_get)
{
	CHECK_EQ(greenpatch_queue_new(&q, 0), 0);
	greenpatch_thread *p;
	greenpatch_spawn(&p, putter, (void *)9L);
	greenpatch_sleep(0.01);
	CHECK_EQ(greenpatch_queue_putting(q), 1); /* still waiting: nobody got it */
	CHECK_EQ(greenpatch_queue_free(q), -1);
	CHECK_EQ(errno, EBUSY);
	void *item;
	CHECK_EQ(greenpatch_queue_get(q, &item, 1, -1), 0);
	CHECK_EQ((long)item, 9);
	void *r;
	greenpatch_wait(p, &r);
	CHECK_EQ((long)r, 0);
	CHECK_EQ(greenpatch_queue_putting(q), 0);
	greenpatch_queue_free(q);
}

TEST(bounded_and_unbounded_queues)
{
	CHECK_EQ(greenpatch_queue_new(&q, 2), 0);
	CHECK_EQ(greenpatch_queue_put(q, (void *)1L, 0, 0), 0);
	CHECK_EQ(greenpatch_queue_put(q, (void *)2L, 0, 0), 0);
	CHECK_EQ(greenpatch_queue_full(q), 1);
	CHECK_EQ(greenpatch_queue_put(q, (void *)3L, 0, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	greenpatch_thread *p;
	greenpatch_spawn(&p, putter, (void *)3L); /* waits for room */
	greenpatch_sleep(0);
	CHECK_EQ(greenpatch_queue_putting(q), 1);
	void *item;
	for (long i = 1; i <= 3; i++) {
		CHECK_EQ(greenpatch_queue_get(q, &item, 1, -1), 0);
		CHECK_EQ((long)item, i); /* FIFO, the waiting put's item included */
	}
	greenpatch_wait(p, NULL);
	CHECK_EQ(greenpatch_queue_get(q, &item, 0, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	double t0 = unit_ms();
	CHECK_EQ(greenpatch_queue_get(q, &item, 1, 0.03), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK(unit_ms() - t0 >= 29);
	greenpatch_queue_free(q);
	CHECK_EQ(greenpatch_queue_new(&q, -1), 0);
	for (long i = 0; i < 1000; i++)
		CHECK_EQ(greenpatch_queue_put(q, (void *)i, 0, 0), 0);
	CHECK_EQ(greenpatch_queue_qsize(q), 1000);
	CHECK_EQ(greenpatch_queue_full(q), 0);
	for (long i = 0; i < 1000; i++)
		greenpatch_queue_get(q, &item, 0, 0);
	CHECK_EQ((long)item, 999);
	greenpatch_queue_free(q);
}

/* ---- Timeout ---- */

TEST(timeouts_fire_as_etime_and_nest_in_order)
{
	greenpatch_timeout outer, inner;
	CHECK_EQ(greenpatch_timeout_start(&outer, 0.5), 0); /* far apart: a loaded machine's delay */
	CHECK_EQ(greenpatch_timeout_start(&inner, 0.02), 0);
	double t0 = unit_ms();
	CHECK_EQ(greenpatch_sleep(1), -1);
	CHECK_EQ(errno, ETIME);
	CHECK_RANGE(unit_ms() - t0, 19, 450);
	CHECK_EQ(greenpatch_timeout_fired(&inner), 1);
	CHECK_EQ(greenpatch_timeout_fired(&outer), 0);
	CHECK_EQ(greenpatch_timeout_cancel(&inner), 1);
	CHECK_EQ(greenpatch_sleep(1), -1); /* the outer one's turn */
	CHECK_EQ(errno, ETIME);
	CHECK_EQ(greenpatch_timeout_cancel(&outer), 1);
	/* an outer one that is shorter fires first */
	CHECK_EQ(greenpatch_timeout_start(&outer, 0.02), 0);
	CHECK_EQ(greenpatch_timeout_start(&inner, 0.5), 0);
	CHECK_EQ(greenpatch_sleep(1), -1);
	CHECK_EQ(greenpatch_timeout_fired(&outer), 1);
	CHECK_EQ(greenpatch_timeout_fired(&inner), 0);
	CHECK_EQ(greenpatch_timeout_cancel(&inner), 0);
	greenpatch_timeout_cancel(&outer);
	/* cancelled in time: never fires */
	CHECK_EQ(greenpatch_timeout_start(&outer, 0.02), 0);
	CHECK_EQ(greenpatch_timeout_cancel(&outer), 0);
	CHECK_EQ(greenpatch_sleep(0.04), 0);
	CHECK_EQ(greenpatch_timeout_start(&outer, -1), -1);
}

TEST(a_timeout_cuts_a_queue_get_short)
{
	CHECK_EQ(greenpatch_queue_new(&q, -1), 0);
	greenpatch_timeout t;
	greenpatch_timeout_start(&t, 0.02);
	void *item;
	CHECK_EQ(greenpatch_queue_get(q, &item, 1, 5.0), -1);
	CHECK_EQ(errno, ETIME); /* not its own ETIMEDOUT */
	CHECK_EQ(greenpatch_timeout_cancel(&t), 1);
	CHECK_EQ(greenpatch_queue_getting(q), 0);
	greenpatch_queue_free(q);
}

TEST(a_silent_timeout_leaves_the_block)
{
	greenpatch_timeout t;
	volatile int inside_after = 0, in_else = 0;
	GREENPATCH_TIMEOUT_BLOCK(t, 0.02)
	{
		greenpatch_sleep(1);
		inside_after = 1; /* not reached */
		greenpatch_timeout_cancel(&t);
	}
	else
	{
		in_else = 1;
	}
	CHECK_EQ(inside_after, 0);
	CHECK_EQ(in_else, 1);
	CHECK(gp_self()->timeouts == NULL);
	/* one that does not fire: the block runs to its end */
	in_else = 0;
	GREENPATCH_TIMEOUT_BLOCK(t, 1)
	{
		greenpatch_sleep(0.01);
		inside_after = 1;
		greenpatch_timeout_cancel(&t);
	}
	else
	{
		in_else = 1;
	}
	CHECK_EQ(inside_after, 1);
	CHECK_EQ(in_else, 0);
}

/* ---- network ---- */

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static int echo_handler(int fd, const struct sockaddr *peer, socklen_t len, void *arg)
{
	char buf[64];
	long n = greenpatch_recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return 0;
	if (n == 4 && !memcmp(buf, "stop", 4))
		return GREENPATCH_STOP_SERVE;
	if (n == 4 && !memcmp(buf, "fail", 4))
		return EPROTO;
	greenpatch_sendall(fd, buf, (size_t)n);
	return GREENPATCH_SERVE_OK;
}

static int lfd;
static void *server(void *arg)
{
	return (void *)(long)(greenpatch_serve(lfd, echo_handler, NULL, 10) < 0 ? errno : 0);
}

static long ask(const char *what)
{
	int fd = greenpatch_connect("127.0.0.1", port_of(lfd), NULL, 0);
	if (fd < 0)
		return -errno;
	greenpatch_sendall(fd, what, strlen(what));
	char buf[64];
	long n = greenpatch_recv(fd, buf, sizeof(buf), 0);
	gp_fd_forget(fd);
	close(fd);
	return n;
}

TEST(listen_connect_serve_until_a_handler_stops_it)
{
	lfd = greenpatch_listen("127.0.0.1", 0, 0, 0);
	REQUIRE(lfd >= 0);
	greenpatch_thread *s;
	greenpatch_spawn(&s, server, NULL);
	CHECK_EQ(ask("hello"), 5);
	CHECK_EQ(ask("again"), 5);
	CHECK_EQ(ask("stop"), 0); /* the handler ends serve() and the connection */
	void *r;
	CHECK_EQ(greenpatch_wait(s, &r), 0);
	CHECK_EQ((long)r, 0);
	/* a failing handler ends serve() with its error */
	greenpatch_spawn(&s, server, NULL);
	CHECK_EQ(ask("fail"), 0);
	greenpatch_wait(s, &r);
	CHECK_EQ((long)r, EPROTO);
	close(lfd);
	CHECK_EQ(greenpatch_listen("not an address", 0, 0, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(greenpatch_connect("127.0.0.1", 1, NULL, 0), -1); /* nobody listens there */
	CHECK_EQ(errno, ECONNREFUSED);
}

/* ---- serve's concurrency limit ---- */

static int in_handler, most_in_handler;
static greenpatch_queue *release_q;
static int holding_handler(int fd, const struct sockaddr *peer, socklen_t len, void *arg)
{
	if (++in_handler > most_in_handler)
		most_in_handler = in_handler;
	void *v;
	greenpatch_queue_get(release_q, &v, 1, -1);
	in_handler--;
	return v ? GREENPATCH_STOP_SERVE : GREENPATCH_SERVE_OK;
}

static void *limited_server(void *arg)
{
	return (void *)(long)greenpatch_serve(lfd, holding_handler, NULL, 2);
}

TEST(serve_stops_accepting_at_its_concurrency)
{
	lfd = greenpatch_listen("127.0.0.1", 0, 0, 0);
	REQUIRE(lfd >= 0);
	CHECK_EQ(greenpatch_queue_new(&release_q, -1), 0);
	greenpatch_thread *s;
	greenpatch_spawn(&s, limited_server, NULL);
	int c[4];
	for (int i = 0; i < 4; i++)
		REQUIRE((c[i] = greenpatch_connect("127.0.0.1", port_of(lfd), NULL, 0)) >= 0);
	greenpatch_sleep(0.05);
	CHECK_EQ(in_handler, 2); /* the other two wait in the backlog */
	greenpatch_queue_put(release_q, NULL, 0, 0);
	greenpatch_sleep(0.05);
	CHECK_EQ(in_handler, 2); /* one ended, the third is in */
	for (int i = 0; i < 3; i++)
		greenpatch_queue_put(release_q, NULL, 0, 0);
	greenpatch_sleep(0.05);
	CHECK_EQ(in_handler, 0);
	CHECK_EQ(most_in_handler, 2);
	int c5 = greenpatch_connect("127.0.0.1", port_of(lfd), NULL, 0);
	greenpatch_queue_put(release_q, (void *)1L, 0, 0); /* that handler stops serve */
	void *r;
	CHECK_EQ(greenpatch_wait(s, &r), 0);
	CHECK_EQ((long)r, 0);
	for (int i = 0; i < 4; i++)
		close(c[i]);
	close(c5);
	close(lfd);
	greenpatch_queue_free(release_q);
}

TEST(ipv6_listen_and_a_bound_connect)
{
	int l = greenpatch_listen("::1", 0, 5, GREENPATCH_REUSE_PORT);
	if (l < 0 && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT))
		return; /* no IPv6 loopback on this machine */
	REQUIRE(l >= 0);
	int on = 0;
	socklen_t len = sizeof(on);
	getsockopt(l, SOL_SOCKET, SO_REUSEPORT, &on, &len);
	CHECK_EQ(on, 1);
	getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, &len);
	CHECK_EQ(on, 1);
	struct sockaddr_in6 a;
	len = sizeof(a);
	getsockname(l, (struct sockaddr *)&a, &len);
	CHECK_EQ(a.sin6_family, AF_INET6);
	int c = greenpatch_connect("::1", ntohs(a.sin6_port), "::1", 0);
	REQUIRE(c >= 0);
	struct sockaddr_in6 me;
	len = sizeof(me);
	getsockname(c, (struct sockaddr *)&me, &len);
	CHECK_EQ(me.sin6_family, AF_INET6);
	close(c);
	/* bound to a chosen port */
	int p4 = greenpatch_listen("127.0.0.1", 0, 0, 0);
	int c4 = greenpatch_connect("127.0.0.1", port_of(p4), "127.0.0.1", 0);
	REQUIRE(c4 >= 0);
	CHECK(port_of(c4) > 0);
	CHECK_EQ(greenpatch_connect("127.0.0.1", port_of(p4), "::1", 0), -1); /* families differ */
	CHECK_EQ(errno, EAFNOSUPPORT); /* bind's own error */
	close(c4);
	close(p4);
	close(l);
}

static char big[4 << 20]; /* more than the socket buffers: sendall waits for the reader */
static int big_fd;
static void *send_big(void *arg)
{
	return (void *)greenpatch_sendall(big_fd, big, sizeof(big));
}

TEST(recv_and_sendall_wait_greenly_and_report_errors)
{
	int l = greenpatch_listen("127.0.0.1", 0, 0, 0);
	REQUIRE(l >= 0);
	int c = greenpatch_connect("127.0.0.1", port_of(l), NULL, 0);
	REQUIRE(c >= 0);
	int s = accept(l, NULL, NULL);
	REQUIRE(s >= 0);
	char buf[65536];
	greenpatch_timeout t;
	greenpatch_timeout_start(&t, 0.05);
	CHECK_EQ(greenpatch_recv(s, buf, sizeof(buf), 0), -1); /* nothing sent yet */
	CHECK_EQ(errno, ETIME);
	greenpatch_timeout_cancel(&t);
	memset(big, 'x', sizeof(big));
	big_fd = c;
	greenpatch_thread *w;
	CHECK_EQ(greenpatch_spawn(&w, send_big, NULL), 0);
	long got = 0, n;
	while (got < (long)sizeof(big) && (n = greenpatch_recv(s, buf, sizeof(buf), 0)) > 0)
		got += n;
	CHECK_EQ(got, (long)sizeof(big));
	void *r;
	CHECK_EQ(greenpatch_wait(w, &r), 0);
	CHECK_EQ((long)r, (long)sizeof(big));
	close(s); /* the peer goes: a send fails with EPIPE (or ECONNRESET), and no SIGPIPE */
	long sent = 0;
	for (int i = 0; i < 100 && (sent = greenpatch_sendall(c, big, 4096)) > 0; i++)
		greenpatch_sleep(0.001);
	CHECK_EQ(sent, -1);
	CHECK(errno == EPIPE || errno == ECONNRESET);
	CHECK_EQ(greenpatch_recv(1000000, buf, 1, 0), -1);
	CHECK_EQ(errno, EBADF);
	close(c);
	close(l);
}

/* ---- the waits of pools and piles under timeouts and kills ---- */

static void *nap(void *arg)
{
	greenpatch_sleep((long)arg / 1000.0);
	return arg;
}

static greenpatch_pool *shared_pool;
static void *waitall_forever(void *arg)
{
	greenpatch_pool_waitall(shared_pool);
	note('w'); /* not reached: killed in the wait */
	return NULL;
}

/* call, made under a timeout of `seconds`, fails with ETIME. */
#define CUT_SHORT(seconds, call)                       \
	do {                                           \
		greenpatch_timeout t_;                 \
		greenpatch_timeout_start(&t_, seconds); \
		CHECK_EQ(call, -1);                    \
		CHECK_EQ(errno, ETIME);                \
		greenpatch_timeout_cancel(&t_);        \
	} while (0)

TEST(timeouts_cut_pool_and_pile_waits_short_and_kills_end_them)
{
	greenpatch_pool *p;
	CHECK_EQ(greenpatch_pool_new(&p, 1), 0);
	greenpatch_pool_spawn(p, NULL, nap, (void *)300L);
	CUT_SHORT(0.02, greenpatch_pool_spawn(p, NULL, nap, (void *)1L)); /* full: cut short */
	CHECK_EQ(greenpatch_pool_running(p), 1); /* nothing was spawned */
	CUT_SHORT(0.02, greenpatch_pool_waitall(p));
	/* a thread killed while it waits in waitall ends there, at once */
	shared_pool = p;
	trace[0] = 0;
	greenpatch_thread *w;
	greenpatch_spawn(&w, waitall_forever, NULL);
	greenpatch_sleep(0.01);
	double t0 = unit_ms();
	greenpatch_kill(w);
	CHECK_EQ(greenpatch_wait(w, NULL), -1);
	CHECK_EQ(errno, ECANCELED);
	CHECK(unit_ms() - t0 < 200);
	CHECK_STR(trace, "");
	CHECK_EQ(greenpatch_pool_destroy(p), 0);
	/* a pile: the reader's timeout leaves the job for the next read */
	greenpatch_pile *pile;
	CHECK_EQ(greenpatch_pile_new(&pile, NULL, 2), 0);
	greenpatch_pile_spawn(pile, nap, (void *)100L);
	greenpatch_pile_spawn(pile, nap, (void *)10L);
	void *r;
	CUT_SHORT(0.03, greenpatch_pile_next(pile, &r));
	CHECK_EQ(greenpatch_pile_next(pile, &r), 1);
	CHECK_EQ((long)r, 100);
	CHECK_EQ(greenpatch_pile_next(pile, &r), 1);
	CHECK_EQ((long)r, 10);
	CHECK_EQ(greenpatch_pile_free(pile), 0);
	/* an imap read, the same */
	void *in[2] = { (void *)80L, (void *)1L };
	greenpatch_imap *it;
	CHECK_EQ(greenpatch_pool_new(&p, 2), 0);
	CHECK_EQ(greenpatch_pool_imap(p, &it, nap, in, 2), 0);
	CUT_SHORT(0.02, greenpatch_imap_next(it, &r));
	CHECK_EQ(greenpatch_imap_next(it, &r), 1);
	CHECK_EQ((long)r, 80);
	CHECK_EQ(greenpatch_imap_next(it, &r), 1);
	CHECK_EQ(greenpatch_imap_next(it, &r), 0);
	CHECK_EQ(greenpatch_imap_free(it), 0);
	CHECK_EQ(greenpatch_pool_destroy(p), 0);
}

RUN_TESTS()
