/* SIGALRM interrupting blocking calls of the main thread, by signal(7)'s rules. The handler is
 * installed without SA_RESTART (part norestart), with it (restart), or by signal() (bsd: BSD
 * semantics, SA_RESTART). The signal comes 50 ms into each call, from setitimer (source timer) or
 * from a helper thread's pthread_kill(main) (source thread); every other thread blocks it. What
 * would end the call otherwise (a byte written, a connection, a post, a child's exit, an unlock)
 * comes from the helper at 400 ms when the call is to resume, at 2 s when it is to fail: a call
 * that resumes where it should fail shows "at 2 s". Prints per call the result, whether the
 * handler ran in main, and when the call returned: at the signal, at 400 ms, at 1 s (a connect
 * whose SYN is retransmitted after 1 s), at 2 s. The calls come in three groups (socket and pipe
 * I/O; sleeps, polls and the other waits; sockets with timeouts), each short enough to finish
 * within the watchdog even when every call waits its 2 s.
 * usage: sig_eintr norestart|restart|bsd timer|thread [io|waits|timeo|all]   (default all) */
#include <netinet/in.h>
#include <poll.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "watch.h"

static int restart, by_thread;
static pthread_t main_thread;
static volatile int handled, in_main;
static double t0;

static void on_alarm(int sig)
{
	handled++;
	in_main = pthread_equal(pthread_self(), main_thread);
}

static void act_kill_main(long a) { CHECK(pthread_kill(main_thread, SIGALRM) == 0); }

/* Arms the signal at 50 ms and the completion fn(arg) at `at` ms (0: none); then the call. */
static void arm(int at, void (*fn)(long), long arg, void (*first)(long))
{
	struct later acts[3];
	int n = 0;
	if (first)
		acts[n++] = (struct later){ 0, first, arg };
	if (by_thread)
		acts[n++] = (struct later){ 50, act_kill_main, 0 };
	if (fn && at)
		acts[n++] = (struct later){ at, fn, arg };
	handled = in_main = 0;
	later_start(acts, n);
	if (!by_thread) {
		struct itimerval it = { { 0, 0 }, { 0, 50000 } };
		CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	}
	t0 = now_ms();
}

static const char *when(double took)
{
	if (took < 300)
		return "at the signal";
	if (took < 800)
		return "at 400 ms";
	if (took < 1800)
		return "at 1 s";
	return "at 2 s or later";
}

/* Prints the line of one call and stops the helper. */
static void done(const char *what, const char *result, const char *extra)
{
	double took = now_ms() - t0;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	later_stop();
	printf("%-34s -> %s, handler ran %d in main %d, %s%s\n", what, result, handled, in_main, when(took),
	       extra ? extra : "");
}

/* The completion time: 400 ms for a call that resumes, 2 s for one that fails with EINTR. */
static int resumes(int with_restart) { return with_restart && restart ? 400 : 2000; }

static int sv[2], lst;
static sem_t sem;
static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_flag;

static void act_post(long a) { CHECK(sem_post(&sem) == 0); }
static void act_drain(long fd)
{
	static char buf[1 << 16];
	while (recv((int)fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}
static void act_connect(long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = (in_port_t)port,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
}
static void act_accept(long fd)
{
	int c = accept((int)fd, NULL, NULL);
	CHECK(c >= 0);
}
static void act_lock(long a) { CHECK(pthread_mutex_lock(&mx) == 0); }
static void act_unlock(long a) { CHECK(pthread_mutex_unlock(&mx) == 0); }
static void act_signal(long a)
{
	pthread_mutex_lock(&mx);
	cv_flag = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mx);
}
static void *sleeper(void *arg)
{
	usleep(400000);
	return arg;
}

static void fresh_pair(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}
static void close_pair(void)
{
	close(sv[0]);
	close(sv[1]);
}

static int tcp_listener(int backlog, in_port_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, backlog) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	*port = a.sin_port;
	return l;
}

static void set_timeo(int fd, int opt)
{
	struct timeval tv = { 3, 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == 0);
}

static void fill(int fd)
{
	static char buf[1 << 16];
	while (send(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (send(fd, buf, 1, MSG_DONTWAIT) > 0)
		;
}

/* Socket and pipe I/O. */
static void calls_io(void)
{
	char c;
	const char *s;

	fresh_pair();
	arm(resumes(1), act_write, sv[1], NULL);
	s = res(read(sv[0], &c, 1));
	done("read on a socket", s, NULL);
	close_pair();

	int p[2];
	CHECK(pipe(p) == 0);
	arm(resumes(1), act_write, p[1], NULL);
	s = res(read(p[0], &c, 1));
	done("read on a pipe", s, NULL);
	close(p[0]);
	close(p[1]);

	fresh_pair();
	arm(resumes(1), act_write, sv[1], NULL);
	s = res(recv(sv[0], &c, 1, 0));
	done("recv", s, NULL);
	close_pair();

	in_port_t port;
	lst = tcp_listener(8, &port);
	arm(resumes(1), act_connect, port, NULL);
	int a = accept(lst, NULL, NULL);
	s = a >= 0 ? "a connection" : res(a);
	done("accept", s, NULL);
	close(lst);

	fresh_pair();
	fill(sv[0]);
	arm(resumes(1), act_drain, sv[1], NULL);
	s = res(send(sv[0], "y", 1, 0));
	done("send on a full socket", s, NULL);
	close_pair();

	/* A listen queue of one, already full: the SYN is dropped until the helper accepts, then
	 * the retransmission after 1 s gets through. */
	lst = tcp_listener(0, &port);
	act_connect(port);
	int cs = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	arm(400, act_accept, lst, NULL);
	s = res(connect(cs, (struct sockaddr *)&to, sizeof(to)));
	done("connect, the listen queue full", s, NULL);
	close(cs);
	close(lst);
}

/* Sleeps, polls, semaphores, condvars, mutexes, children, pause, sigsuspend, join. */
static void calls_waits(void)
{
	char c;
	const char *s;
	int p[2];
	in_port_t port;

	arm(0, NULL, 0, NULL);
	unsigned left = sleep(2);
	char extra[64];
	snprintf(extra, sizeof(extra), "%u (seconds left)", left);
	done("sleep(2)", extra, NULL);

	struct timespec two = { 2, 0 }, rem = { 0, 0 };
	arm(0, NULL, 0, NULL);
	s = res(nanosleep(&two, &rem));
	double r = rem.tv_sec + rem.tv_nsec / 1e9;
	done("nanosleep 2 s", s, r > 1.5 && r < 1.99 ? ", time left 1.5-1.99 s" : ", time left wrong");

	rem = (struct timespec){ 0, 0 };
	arm(0, NULL, 0, NULL);
	int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &two, &rem);
	r = rem.tv_sec + rem.tv_nsec / 1e9;
	done("clock_nanosleep 2 s", errname(e), r > 1.5 && r < 1.99 ? ", time left 1.5-1.99 s" : ", time left wrong");

	fresh_pair();
	struct pollfd pf = { sv[0], POLLIN, 0 };
	arm(2000, act_write, sv[1], NULL);
	s = res(poll(&pf, 1, 3000));
	done("poll", s, NULL);
	close_pair();

	fresh_pair();
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(sv[0], &rd);
	struct timeval tv = { 3, 0 };
	arm(2000, act_write, sv[1], NULL);
	s = res(select(sv[0] + 1, &rd, NULL, NULL, &tv));
	done("select", s, NULL);
	close_pair();

	fresh_pair();
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = sv[0] }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
	arm(2000, act_write, sv[1], NULL);
	s = res(epoll_wait(ep, &out, 1, 3000));
	done("epoll_wait", s, NULL);
	close(ep);
	close_pair();

	CHECK(sem_init(&sem, 0, 0) == 0);
	arm(resumes(1), act_post, 0, NULL);
	s = res(sem_wait(&sem));
	done("sem_wait", s, NULL);
	sem_destroy(&sem);

	CHECK(sem_init(&sem, 0, 0) == 0);
	struct timespec dl = in_ms(CLOCK_REALTIME, 3000);
	arm(2000, act_post, 0, NULL);
	s = res(sem_timedwait(&sem, &dl));
	done("sem_timedwait", s, NULL);
	sem_destroy(&sem);

	cv_flag = 0;
	int wakes = 0, rc = 0;
	CHECK(pthread_mutex_lock(&mx) == 0);
	arm(400, act_signal, 0, NULL);
	while (!cv_flag && wakes < 10) {
		rc = pthread_cond_wait(&cv, &mx);
		wakes++;
	}
	CHECK(pthread_mutex_unlock(&mx) == 0);
	snprintf(extra, sizeof(extra), ", returns %d", wakes);
	done("pthread_cond_wait", errname(rc), extra);

	arm(400, act_unlock, 0, act_lock);
	usleep(10000); /* the helper takes the mutex at 0 ms */
	t0 = now_ms() - 10;
	rc = pthread_mutex_lock(&mx);
	CHECK(pthread_mutex_unlock(&mx) == 0);
	done("pthread_mutex_lock", errname(rc), NULL);

	pid_t kid = fork();
	CHECK(kid >= 0);
	if (kid == 0) {
		usleep(resumes(1) * 1000);
		_exit(7);
	}
	arm(0, NULL, 0, NULL);
	int st = 0;
	pid_t w = waitpid(kid, &st, 0);
	s = w == kid ? "the child" : res(w);
	done("waitpid", s, NULL);
	if (w != kid) {
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
	}

	arm(0, NULL, 0, NULL);
	s = res(pause());
	done("pause", s, NULL);

	sigset_t alrm, none, after;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigemptyset(&none);
	CHECK(pthread_sigmask(SIG_BLOCK, &alrm, NULL) == 0);
	arm(0, NULL, 0, NULL);
	s = res(sigsuspend(&none));
	CHECK(pthread_sigmask(SIG_UNBLOCK, &alrm, &after) == 0);
	done("sigsuspend (SIGALRM blocked outside)", s, sigismember(&after, SIGALRM) ? ", mask restored" : ", mask lost");

	pthread_t j;
	CHECK(pthread_create(&j, NULL, sleeper, NULL) == 0);
	arm(0, NULL, 0, NULL);
	rc = pthread_join(j, NULL);
	done("pthread_join (the thread ends at 400 ms)", errname(rc), NULL);
	(void)c;
	(void)p;
	(void)port;
}

/* Sockets with SO_RCVTIMEO/SO_SNDTIMEO: never restarted. */
static void calls_timeo(void)
{
	char c;
	const char *s;
	in_port_t port;
	int a;

	fresh_pair();
	set_timeo(sv[0], SO_RCVTIMEO);
	arm(2000, act_write, sv[1], NULL);
	s = res(read(sv[0], &c, 1));
	done("read, SO_RCVTIMEO 3 s", s, NULL);
	close_pair();

	fresh_pair();
	set_timeo(sv[0], SO_RCVTIMEO);
	arm(2000, act_write, sv[1], NULL);
	s = res(recv(sv[0], &c, 1, 0));
	done("recv, SO_RCVTIMEO 3 s", s, NULL);
	close_pair();

	lst = tcp_listener(8, &port);
	set_timeo(lst, SO_RCVTIMEO);
	arm(2000, act_connect, port, NULL);
	a = accept(lst, NULL, NULL);
	s = a >= 0 ? "a connection" : res(a);
	done("accept, SO_RCVTIMEO 3 s", s, NULL);
	close(lst);

	fresh_pair();
	fill(sv[0]);
	set_timeo(sv[0], SO_SNDTIMEO);
	arm(2000, act_drain, sv[1], NULL);
	s = res(send(sv[0], "y", 1, 0));
	done("send on a full socket, SO_SNDTIMEO 3 s", s, NULL);
	close_pair();
}

int main(int argc, char **argv)
{
	const char *group = argc == 4 ? argv[3] : "all";
	if (argc < 3 || argc > 4 || (strcmp(argv[1], "norestart") && strcmp(argv[1], "restart") && strcmp(argv[1], "bsd")) ||
	    (strcmp(argv[2], "timer") && strcmp(argv[2], "thread")) ||
	    (strcmp(group, "io") && strcmp(group, "waits") && strcmp(group, "timeo") && strcmp(group, "all"))) {
		fprintf(stderr, "usage: sig_eintr norestart|restart|bsd timer|thread [io|waits|timeo|all]\n");
		return 2;
	}
	watchdog(25);
	main_thread = pthread_self();
	by_thread = !strcmp(argv[2], "thread");
	restart = strcmp(argv[1], "norestart") != 0;
	if (!strcmp(argv[1], "bsd")) {
		CHECK(signal(SIGALRM, on_alarm) != SIG_ERR);
	} else {
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
		sigemptyset(&sa.sa_mask);
		CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	}
	struct sigaction cur;
	CHECK(sigaction(SIGALRM, NULL, &cur) == 0);
	printf("SIGALRM handler installed by %s: SA_RESTART %d\n", !strcmp(argv[1], "bsd") ? "signal()" : "sigaction",
	       !!(cur.sa_flags & SA_RESTART));
	beat_start();
	beat_begin();
	if (!strcmp(group, "io") || !strcmp(group, "all"))
		calls_io();
	if (!strcmp(group, "waits") || !strcmp(group, "all"))
		calls_waits();
	if (!strcmp(group, "timeo") || !strcmp(group, "all"))
		calls_timeo();
	beat_end("main-interrupted");
	beat_finish();
	return 0;
}
