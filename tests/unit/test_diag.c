/* dump.c, stats.c, overflow.c, monitor.c: the dump's line for each kind of wait, the counters, the
 * stack overflow line (in a forked child that must then die of SIGSEGV), the watchdog's report of
 * a thread that spins. Without the preload the test lends the runtime its signals itself
 * (gp_config.sig_claim, with the C library's sigaction) and starts the watchdog with the real
 * pthread_create. Backtraces are not checked here: linked statically, every frame is the runtime's
 * own and is left out; the BATS suite checks them (tests/t9000-diag.bats). */
#include "unit.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn with fd 2 going to a pipe; returns what it wrote (static buffer). */
static const char *stderr_of(void (*fn)(void))
{
	static char buf[16384];
	int p[2], saved = dup(2);
	if (pipe(p) != 0 || saved < 0)
		return "";
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	dup2(p[1], 2);
	close(p[1]);
	fn();
	dup2(saved, 2);
	close(saved);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static struct gp_mutex m;
static struct gp_sem s;
static int sv[2];

static void *sleeper(void *arg)
{
	sleep_ms(2000);
	return arg;
}

static void *locker(void *arg)
{
	gp_mutex_lock(&m, arg ? gp_deadline_in(5000 * MS) : GP_NEVER);
	gp_mutex_unlock(&m);
	return NULL;
}

static void *sem_waiter(void *arg)
{
	return (void *)(long)gp_sem_wait(&s, GP_NEVER);
}

static void *reader(void *arg)
{
	struct gp_fd *f = gp_fd_get(sv[0]);
	return (void *)(long)gp_fd_wait(sv[0], f, GP_RD, GP_NEVER, GP_INTR_RESTART);
}

static struct gp_gt *joined_one;
static void *joiner(void *arg)
{
	return (void *)(long)gp_join(joined_one, NULL, GP_NEVER);
}

static void dump_now(void)
{
	gp_dump(gp_hub(), 2);
}

TEST(dump_names_each_wait)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	gp_sem_init(&s, 0);
	gp_mutex_lock(&m, GP_NEVER);
	struct gp_gt *t[6];
	t[0] = joined_one = spawn(sleeper, NULL);
	t[1] = spawn(locker, NULL);
	t[2] = spawn(locker, (void *)1); /* a timed lock */
	t[3] = spawn(sem_waiter, NULL);
	t[4] = spawn(reader, NULL);
	t[5] = spawn(joiner, NULL);
	sleep_ms(20); /* every one has parked */
	const char *out = stderr_of(dump_now);
	CHECK(strstr(out, "greenpatch: dump (pid ") != NULL);
	CHECK(strstr(out, ": 7 green threads, 0 runnable, ") != NULL);
	CHECK(strstr(out, "greenpatch: end of dump\n") != NULL);
	char want[160];
	snprintf(want, sizeof(want), "  thread %lu \"", t[0]->id);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "\": sleeps until +") != NULL);
	snprintf(want, sizeof(want), ": waits on mutex %p, held by thread %lu \"", (void *)&m, gp_self()->id);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), ": waits on mutex %p, held by thread %lu \"%s\", until +", (void *)&m,
		 gp_self()->id, gp_self()->name);
	CHECK(strstr(out, want) != NULL); /* the timed one says until when */
	snprintf(want, sizeof(want), ": waits on semaphore %p\n", (void *)&s);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), ": waits on fd %d for read\n", sv[0]);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), ": waits on join %p (thread %lu \"", (void *)t[0], t[0]->id);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, " (main): running\n") != NULL); /* the caller, outside any wait */
	/* oldest first: main, then in spawn order */
	snprintf(want, sizeof(want), "  thread %lu ", t[1]->id);
	const char *p1 = strstr(out, want);
	snprintf(want, sizeof(want), "  thread %lu ", t[5]->id);
	const char *p5 = strstr(out, want);
	CHECK(p1 && p5 && p1 < p5 && strstr(out, "(main)") < p1);
}

static void stats_now(void)
{
	gp_stats_print(2);
}

static void *nothing(void *arg)
{
	return arg;
}

TEST(stats_count_threads_switches_and_the_peak)
{
	struct gp_gt *t[10];
	for (int i = 0; i < 10; i++)
		t[i] = spawn(nothing, NULL);
	for (int i = 0; i < 10; i++)
		join(t[i]);
	const char *out = stderr_of(stats_now);
	CHECK(strstr(out, " green_threads=10 peak_alive=11 ") != NULL);
	const char *sw = strstr(out, "switches=");
	CHECK(sw && atol(sw + 9) >= 10);
}

/* The test's own stand-in for the preload's signal table. */
static int (*lent)(int, siginfo_t *, void *);
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	if (lent(sig, si, uc))
		return;
	signal(sig, SIG_DFL); /* the fault comes again, with the default action */
}

static int lend(int sig, int (*fn)(int, siginfo_t *, void *), enum gp_sig_mode mode, const char *what)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	lent = fn;
	return sigaction(sig, &sa, NULL);
}

static unsigned long recurse(unsigned long n)
{
	volatile char frame[512];
	frame[0] = (char)n;
	return n ? recurse(n - 1) + frame[0] : 0;
}

static void *overflow(void *arg)
{
	return (void *)recurse(1ul << 30);
}

/* In a child: overflow a stack of stack_kib (from an attr when attr is set); the parent gets its
 * stderr and its status. */
static int overflow_child(size_t stack_kib, int attr, char *out, size_t len)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		gp_config.sig_claim = lend;
		if (!attr)
			gp_config.stack_size = stack_kib * 1024;
		struct gp_spawn_attr a = { .stack_size = attr ? stack_kib * 1024 : 0, .guard_size = SIZE_MAX };
		struct gp_gt *t;
		if (gp_spawn(&t, &a, overflow, NULL) != 0)
			_exit(3);
		memcpy(t->name, "deep", 5);
		gp_join(t, NULL, GP_NEVER);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = 0;
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

TEST(overflow_line_names_the_thread_and_the_setting_then_sigsegv)
{
	char out[512];
	int st = overflow_child(64, 0, out, sizeof(out));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	CHECK(strstr(out, "greenpatch: stack overflow in green thread ") == out);
	CHECK(strstr(out, " \"deep\": its stack is 64 KiB, set by GREENPATCH_STACK_SIZE (raise it, e.g. "
			  "GREENPATCH_STACK_SIZE=128k)\n") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* one line */
	st = overflow_child(80, 1, out, sizeof(out));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	CHECK(strstr(out, " \"deep\": its stack is 80 KiB, as the program set with pthread_attr_setstacksize (give it "
			  "more there)\n") != NULL);
}

static volatile int spun;
static void *spinner(void *arg)
{
	double until = unit_ms() + 400;
	while (unit_ms() < until)
		spun++;
	return arg;
}

static void spin_watched(void)
{
	struct gp_gt *a = spawn(spinner, NULL), *b = spawn(nothing, NULL);
	join(a);
	join(b);
	gp_monitor_exit();
}

TEST(watchdog_reports_a_spinning_thread_once)
{
	gp_config.sig_claim = lend;
	gp_config.thread_create = pthread_create;
	gp_config.block_ms = 100;
	const char *out = stderr_of(spin_watched);
	CHECK_EQ(gp_monitor_threads(), 1);
	CHECK(strstr(out, "greenpatch: hub blocked (pid ") == out);
	const char *ran = strstr(out, " has run ");
	CHECK(ran && atol(ran + 9) >= 100 && atol(ran + 9) < 350);
	CHECK(strstr(out, " without a switch (GREENPATCH_HUB_BLOCKING_DETECTION=100)\n") != NULL);
	const char *again = strstr(out, "greenpatch: hub moves again");
	CHECK(again && strstr(again, " ran ") && atol(strstr(again, " ran ") + 4) >= 300);
	const char *nl = strchr(out, '\n');
	CHECK(nl && strstr(nl, "hub blocked") == NULL); /* once */
	CHECK(spun > 0);
}

RUN_TESTS()
