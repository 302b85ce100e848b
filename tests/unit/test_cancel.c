/* Cancellation (cancel.c) and the deadlock check (deadlock.c). A cancelled green thread's waits
 * return -ECANCELED; gp_cancel_act unwinds its stack (cleanup attributes of C frames compiled with
 * -fexceptions run, as C++ destructors would) and ends it with PTHREAD_CANCELED. */
#include "unit.h"
#include <sys/time.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>

static struct gp_mutex mx;
static struct gp_cond cv;
static struct gp_sem sem;
static int sv[2];
static char trace[64];

static void note(const char *s)
{
	strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
}

static void unwound(int *mark)
{
	note(*mark ? "U" : "?");
}

/* A wait that is a cancellation point, by number; -ECANCELED makes the thread act. */
static void *wait_in(void *arg)
{
	int mark __attribute__((cleanup(unwound))) = 1;
	long r = 0;
	switch ((long)arg) {
	case 0: r = gp_sleep_until(gp_deadline_in(5000 * MS)); break;
	case 1:
		gp_mutex_lock(&mx, GP_NEVER);
		r = gp_cond_wait(&cv, &mx, GP_NEVER);
		CHECK(mx.owner == gp_self()); /* the mutex is held again when the cancellation acts */
		gp_mutex_unlock(&mx);
		break;
	case 2: r = gp_sem_wait(&sem, GP_NEVER); break;
	case 3: {
		char c;
		struct gp_io a = { .buf = &c, .len = 1 };
		r = gp_io(sv[0], gp_fd_get(sv[0]), GP_IO_RECV, &a);
		break;
	}
	}
	if (r == -ECANCELED && gp_cancel_due())
		gp_cancel_act();
	mark = 0;
	return (void *)r;
}

TEST(each_cancellation_point_ends_the_thread_by_unwinding)
{
	gp_sem_init(&sem, 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	gp_fd_new(sv[0], GP_FD_SOCK)->stream = 1;
	for (long i = 0; i < 4; i++) {
		trace[0] = 0;
		struct gp_gt *t = spawn(wait_in, (void *)i);
		sleep_ms(5); /* parked in its wait (the OS thread's main keeps company) */
		REQUIRE(t->state == GP_WAITING);
		CHECK_EQ(gp_cancel(t), 0);
		CHECK(join(t) == (long)PTHREAD_CANCELED);
		CHECK_STR(trace, "U");
	}
	CHECK(cv.wq.head == NULL && sem.wq.head == NULL);
}

static void *disabled(void *arg)
{
	gp_self()->cancel_off = 1;
	long r = gp_sleep_until(gp_deadline_in(20 * MS)); /* not cut short */
	gp_self()->cancel_off = 0;
	note("s");
	if (gp_cancel_due())
		gp_cancel_act(); /* pthread_testcancel */
	note("!");
	return (void *)r;
}

TEST(disabled_cancellation_waits_for_the_next_point)
{
	trace[0] = 0;
	struct gp_gt *t = spawn(disabled, NULL);
	sleep_ms(5);
	CHECK_EQ(gp_cancel(t), 0);
	CHECK(join(t) == (long)PTHREAD_CANCELED);
	CHECK_STR(trace, "s");
}

static void *pending_at_entry(void *arg)
{
	sleep_ms(10);
	/* the request came while it slept with cancellation off: the next wait reports it at once */
	double t0 = unit_ms();
	int r = gp_sleep_until(gp_deadline_in(2000 * MS));
	return (void *)(long)(r == -ECANCELED && unit_ms() - t0 < 1000);
}

TEST(a_pending_request_acts_at_the_next_wait_on_entry)
{
	struct gp_gt *t = spawn(pending_at_entry, NULL);
	gp_yield();
	t->cancel_off = 1;
	CHECK_EQ(gp_cancel(t), 0);
	t->cancel_off = 0;
	CHECK_EQ(join(t), 1); /* it returned -ECANCELED without acting (the caller would) */
}

static void *exits_with(void *arg)
{
	int mark __attribute__((cleanup(unwound))) = 1;
	gp_exit_unwind(arg);
}

TEST(exit_unwinds_and_the_value_reaches_join)
{
	trace[0] = 0;
	CHECK_EQ(join(spawn(exits_with, (void *)42L)), 42);
	CHECK_STR(trace, "U");
	CHECK_EQ(gp_cancel((struct gp_gt *)trace), -ESRCH);
}

/* ---- the deadlock report ---- */

static struct gp_mutex a, b;
static void *lock_b_then_a(void *arg)
{
	gp_mutex_lock(&b, GP_NEVER);
	sleep_ms(10);
	gp_mutex_lock(&a, GP_NEVER);
	return NULL;
}

static void on_alarm(int sig)
{
}

static double report_ms; /* when the report began, from the child's start */

/* Run a deadlock in a child with stderr in a pipe; returns what it printed (and its status). With
 * timer_ms, a SIGALRM handler is installed and an interval timer armed to fire that much later. */
static int deadlock_child_timer(char *out, size_t len, int mode, int *status, int timer_ms)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	double start = unit_ms();
	report_ms = -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		gp_config.deadlock = mode;
		if (timer_ms) {
			struct sigaction sa = { .sa_handler = on_alarm };
			sigaction(SIGALRM, &sa, NULL);
			struct itimerval it = { { 0, 0 }, { 0, timer_ms * 1000 } };
			setitimer(ITIMER_REAL, &it, NULL);
		} else {
			alarm(2); /* a watchdog: its signal kills, it wakes nothing */
		}
		gp_mutex_lock(&a, GP_NEVER);
		struct gp_gt *t = spawn(lock_b_then_a, NULL);
		sleep_ms(5);
		gp_mutex_lock(&b, GP_NEVER); /* both wait now, for good */
		join(t);
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	double t0 = unit_ms();
	while (n < len - 1 && (r = read(p[0], out + n, len - 1 - n)) > 0 && unit_ms() - t0 < 3000) {
		if (report_ms < 0)
			report_ms = unit_ms() - start;
		n += (size_t)r;
		out[n] = 0;
		if (strstr(out, "greenpatch: waiting on"))
			break; /* it waits on: only a kill ends it (abort mode reads on to the EOF) */
	}
	out[n] = 0;
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return (int)n;
}

static int deadlock_child(char *out, size_t len, int mode, int *status)
{
	return deadlock_child_timer(out, len, mode, status, 0);
}

/* An armed timer whose signal has a handler may end the wait (or the handler may post): no
 * report until it has fired; then, nothing left to wake anyone, the report. */
TEST(no_deadlock_report_while_a_timer_with_a_handler_is_armed)
{
	char out[4096];
	int st;
	deadlock_child_timer(out, sizeof(out), 1, &st, 300);
	CHECK(strstr(out, "greenpatch: deadlock: every green thread waits") != NULL);
	CHECK_RANGE(report_ms, 290, 2500);
}

TEST(deadlock_is_reported_once_with_every_thread)
{
	char out[4096];
	int st;
	deadlock_child(out, sizeof(out), 1, &st);
	CHECK(strstr(out, "greenpatch: deadlock: every green thread waits") != NULL);
	CHECK(strstr(out, "(main): waits on mutex") != NULL);
	CHECK(strstr(out, "held by thread") != NULL);
	CHECK(strstr(out, "greenpatch: waiting on, as the program would") != NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL); /* it kept waiting until killed */
	const char *first = strstr(out, "deadlock:");
	CHECK(first && !strstr(first + 1, "deadlock:")); /* once */
}

TEST(deadlock_abort_mode_aborts)
{
	char out[4096];
	int st;
	deadlock_child(out, sizeof(out), 2, &st);
	CHECK(strstr(out, "GREENPATCH_DEADLOCK=abort: aborting") != NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

TEST(deadlock_off_says_nothing)
{
	char out[4096];
	int st;
	deadlock_child(out, sizeof(out), 0, &st);
	CHECK_STR(out, "");
}

static void *sleeper(void *arg)
{
	sleep_ms(50);
	gp_sem_post(&sem);
	return NULL;
}

TEST(no_report_while_a_timer_can_end_the_wait)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	int saved = dup(2);
	dup2(p[1], 2);
	gp_sem_init(&sem, 0);
	struct gp_gt *t = spawn(sleeper, NULL); /* asleep, then it posts: no deadlock */
	CHECK_EQ(gp_sem_wait(&sem, GP_NEVER), 0);
	join(t);
	dup2(saved, 2);
	close(p[1]);
	char out[256];
	ssize_t n = read(p[0], out, sizeof(out) - 1);
	CHECK(n <= 0);
}

RUN_TESTS()
