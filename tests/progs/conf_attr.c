/* Conformance of thread attributes and calls that name a thread, printed for comparison with
 * the native run: pthread_attr_* get/set with their errors (detachstate, stacksize, guardsize,
 * stack, scope, inheritsched, schedpolicy, sigmask), pthread_getattr_np of threads with a given
 * stack size or stack (the range holds a local of the thread), detached threads (join and
 * detach EINVAL), tryjoin/timedjoin/clockjoin, names (ERANGE), pthread_kill(t, 0), sched_yield,
 * pthread_equal, join of self, concurrency, the thread CPU clock. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

static void defaults_and_setters(void)
{
	pthread_attr_t a;
	int v = -1, r;
	size_t sz = 0;
	struct sched_param sp = { .sched_priority = -1 };
	long page = sysconf(_SC_PAGESIZE);
	CHECK(pthread_attr_init(&a) == 0);
	pthread_attr_getdetachstate(&a, &v);
	printf("attr defaults: JOINABLE %d", v == PTHREAD_CREATE_JOINABLE);
	pthread_attr_getstacksize(&a, &sz);
	printf(", stacksize>=PTHREAD_STACK_MIN %d", sz >= (size_t)PTHREAD_STACK_MIN);
	pthread_attr_getguardsize(&a, &sz);
	printf(", guardsize is a page %d", sz == (size_t)page);
	pthread_attr_getscope(&a, &v);
	printf(", scope SYSTEM %d", v == PTHREAD_SCOPE_SYSTEM);
	pthread_attr_getinheritsched(&a, &v);
	printf(", INHERIT_SCHED %d", v == PTHREAD_INHERIT_SCHED);
	pthread_attr_getschedpolicy(&a, &v);
	printf(", policy OTHER %d", v == SCHED_OTHER);
	pthread_attr_getschedparam(&a, &sp);
	printf(", priority %d\n", sp.sched_priority);

	printf("attr setdetachstate: DETACHED %s", errname(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED)));
	pthread_attr_getdetachstate(&a, &v);
	printf("/%d", v == PTHREAD_CREATE_DETACHED);
	printf(", JOINABLE %s", errname(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_JOINABLE)));
	printf(", 99 %s\n", errname(pthread_attr_setdetachstate(&a, 99)));

	printf("attr setstacksize: 1 MiB %s", errname(pthread_attr_setstacksize(&a, 1 << 20)));
	pthread_attr_getstacksize(&a, &sz);
	printf("/%d", sz == 1 << 20);
	printf(", PTHREAD_STACK_MIN %s", errname(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN)));
	printf(", PTHREAD_STACK_MIN+1 %s", errname(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN + 1)));
	printf(", PTHREAD_STACK_MIN-1 %s", errname(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN - 1)));
	pthread_attr_getstacksize(&a, &sz);
	printf(" (kept %d)\n", sz == (size_t)PTHREAD_STACK_MIN + 1);

	printf("attr setguardsize: 0 %s", errname(pthread_attr_setguardsize(&a, 0)));
	pthread_attr_getguardsize(&a, &sz);
	printf("/%d", sz == 0);
	printf(", 64 KiB %s", errname(pthread_attr_setguardsize(&a, 65536)));
	pthread_attr_getguardsize(&a, &sz);
	printf("/%d", sz == 65536);
	printf(", 1000 bytes %s", errname(pthread_attr_setguardsize(&a, 1000)));
	pthread_attr_getguardsize(&a, &sz);
	printf(" (reads back 1000: %d)\n", sz == 1000);

	printf("attr setscope: SYSTEM %s", errname(pthread_attr_setscope(&a, PTHREAD_SCOPE_SYSTEM)));
	printf(", PROCESS %s", errname(pthread_attr_setscope(&a, PTHREAD_SCOPE_PROCESS)));
	printf(", 99 %s\n", errname(pthread_attr_setscope(&a, 99)));
	printf("attr setinheritsched: EXPLICIT %s", errname(pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED)));
	pthread_attr_getinheritsched(&a, &v);
	printf("/%d", v == PTHREAD_EXPLICIT_SCHED);
	printf(", INHERIT %s", errname(pthread_attr_setinheritsched(&a, PTHREAD_INHERIT_SCHED)));
	printf(", 99 %s\n", errname(pthread_attr_setinheritsched(&a, 99)));
	printf("attr setschedpolicy: FIFO %s", errname(pthread_attr_setschedpolicy(&a, SCHED_FIFO)));
	pthread_attr_getschedpolicy(&a, &v);
	printf("/%d", v == SCHED_FIFO);
	printf(", RR %s", errname(pthread_attr_setschedpolicy(&a, SCHED_RR)));
	printf(", OTHER %s", errname(pthread_attr_setschedpolicy(&a, SCHED_OTHER)));
	printf(", 99 %s\n", errname(pthread_attr_setschedpolicy(&a, 99)));
	sp.sched_priority = 0;
	printf("attr setschedparam OTHER priority 0 %s", errname(pthread_attr_setschedparam(&a, &sp)));
	sp.sched_priority = 50;
	printf(", priority 50 %s\n", errname(pthread_attr_setschedparam(&a, &sp)));

	void *addr = (void *)-1;
	static char stack_buf[1 << 17] __attribute__((aligned(4096)));
	printf("attr setstack: 128 KiB %s", errname(pthread_attr_setstack(&a, stack_buf, sizeof(stack_buf))));
	sz = 0;
	pthread_attr_getstack(&a, &addr, &sz);
	printf(", getstack same %d", addr == stack_buf && sz == sizeof(stack_buf));
	pthread_attr_getstacksize(&a, &sz);
	printf(", getstacksize same %d", sz == sizeof(stack_buf));
	printf(", too small %s\n", errname(pthread_attr_setstack(&a, stack_buf, PTHREAD_STACK_MIN - 1)));
	printf("attr destroy %s\n", errname(pthread_attr_destroy(&a)));

	sigset_t set, got;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(pthread_attr_init(&a) == 0);
	r = pthread_attr_getsigmask_np(&a, &got);
	printf("attr getsigmask_np unset %s", r == PTHREAD_ATTR_NO_SIGMASK_NP ? "PTHREAD_ATTR_NO_SIGMASK_NP" : errname(r));
	printf(", setsigmask_np %s", errname(pthread_attr_setsigmask_np(&a, &set)));
	sigemptyset(&got);
	printf(", get %s/%d\n", errname(pthread_attr_getsigmask_np(&a, &got)), sigismember(&got, SIGUSR1));
	pthread_attr_destroy(&a);
}

/* ---- created threads ---- */

struct probe {
	int local_in_range, detached, size_ok, guard;
	int sigusr1_blocked;
	pthread_t self;
	volatile int go;
};

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	int local = 0;
	pthread_attr_t a;
	p->self = pthread_self();
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		void *addr;
		size_t sz;
		int d;
		pthread_attr_getstack(&a, &addr, &sz);
		p->local_in_range = (char *)&local >= (char *)addr && (char *)&local < (char *)addr + sz;
		p->size_ok = (int)(sz >> 10); /* KiB, compared by the caller */
		pthread_attr_getdetachstate(&a, &d);
		p->detached = d == PTHREAD_CREATE_DETACHED;
		pthread_attr_destroy(&a);
	}
	sigset_t cur;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	p->sigusr1_blocked = sigismember(&cur, SIGUSR1);
	for (int i = 0; i < 3000 && !p->go; i++) /* stays alive until told, at most 3 s */
		usleep(1000);
	return (void *)(long)(local + 5);
}

static void created(void)
{
	pthread_attr_t a;
	pthread_t t;
	struct probe p = { 0 };
	void *ret;

	CHECK(pthread_attr_init(&a) == 0);
	CHECK(pthread_attr_setstacksize(&a, 1 << 20) == 0);
	p.go = 1;
	CHECK(pthread_create(&t, &a, probe_run, &p) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	printf("thread with a 1 MiB stacksize: getattr_np size>=1MiB %d, holds a local %d, joinable %d, self is the created id %d\n",
	       p.size_ok >= 1024, p.local_in_range, !p.detached, pthread_equal(p.self, t) != 0);
	pthread_attr_destroy(&a);

	size_t stack_size = 256 << 10;
	void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	CHECK(pthread_attr_init(&a) == 0);
	CHECK(pthread_attr_setstack(&a, stack, stack_size) == 0);
	memset(&p, 0, sizeof(p));
	p.go = 1;
	CHECK(pthread_create(&t, &a, probe_run, &p) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	printf("thread on its own 256 KiB stack: getattr_np holds a local %d, size>=255KiB %d, returned %ld\n", p.local_in_range,
	       p.size_ok >= 255, (long)ret);
	pthread_attr_destroy(&a);
	munmap(stack, stack_size);

	int local = 0;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		void *addr;
		size_t sz;
		pthread_attr_getstack(&a, &addr, &sz);
		printf("main thread: getattr_np holds a local %d\n",
		       (char *)&local >= (char *)addr && (char *)&local < (char *)addr + sz);
		pthread_attr_destroy(&a);
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(pthread_attr_init(&a) == 0);
	CHECK(pthread_attr_setsigmask_np(&a, &set) == 0);
	memset(&p, 0, sizeof(p));
	p.go = 1;
	CHECK(pthread_create(&t, &a, probe_run, &p) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	pthread_attr_destroy(&a);
	int blocked_with = p.sigusr1_blocked;
	CHECK(pthread_create(&t, NULL, probe_run, &p) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	printf("setsigmask_np: the thread starts with SIGUSR1 blocked %d, a plain thread %d\n", blocked_with,
	       p.sigusr1_blocked);

}

/* ---- detached threads, kept alive while they are tried ---- */

static void detached(void)
{
	pthread_attr_t a;
	pthread_t t;
	struct probe p = { 0 };
	CHECK(pthread_attr_init(&a) == 0);
	CHECK(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) == 0);
	CHECK(pthread_create(&t, &a, probe_run, &p) == 0);
	pthread_attr_destroy(&a);
	usleep(20000);
	printf("detached at creation: getattr_np DETACHED %d\n", p.detached);
	printf("detached at creation: join %s\n", errname(pthread_join(t, NULL)));
	printf("detached at creation: tryjoin %s\n", errname(pthread_tryjoin_np(t, NULL)));
	printf("detached at creation: detach %s\n", errname(pthread_detach(t)));
	printf("detached at creation: kill 0 %s\n", errname(pthread_kill(t, 0)));
	p.go = 1;
	usleep(20000);

	memset(&p, 0, sizeof(p));
	CHECK(pthread_create(&t, NULL, probe_run, &p) == 0);
	printf("detached later: detach %s", errname(pthread_detach(t)));
	printf(", detach again %s", errname(pthread_detach(t)));
	printf(", join %s\n", errname(pthread_join(t, NULL)));
	p.go = 1;
	usleep(20000);
}

/* ---- joins that wait a bounded time ---- */

static void joins(void)
{
	pthread_t t;
	struct probe p = { 0 };
	void *ret;
	struct timespec ts;
	double t0;
	int r;
	CHECK(pthread_create(&t, NULL, probe_run, &p) == 0);
	printf("running thread: tryjoin %s\n", errname(pthread_tryjoin_np(t, NULL)));
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	r = pthread_timedjoin_np(t, NULL, &ts);
	printf("running thread: timedjoin +50ms %s waited>=45 %d\n", errname(r), now_ms() - t0 >= 45);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	t0 = now_ms();
	r = pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts);
	printf("running thread: clockjoin MONOTONIC +50ms %s waited>=45 %d\n", errname(r), now_ms() - t0 >= 45);
	ts = in_ms(CLOCK_REALTIME, 50);
	t0 = now_ms();
	r = pthread_clockjoin_np(t, NULL, CLOCK_REALTIME, &ts);
	printf("running thread: clockjoin REALTIME +50ms %s waited>=45 %d\n", errname(r), now_ms() - t0 >= 45);
	ts = in_ms(CLOCK_MONOTONIC, 50);
	printf("running thread: clockjoin PROCESS_CPUTIME_ID %s\n", errname(pthread_clockjoin_np(t, NULL, CLOCK_PROCESS_CPUTIME_ID, &ts)));
	/* not tried: a bad tv_nsec, glibc 2.36 then spins until the thread ends and joins it */
	ts = in_ms(CLOCK_REALTIME, 0);
	ts.tv_sec -= 10;
	printf("running thread: timedjoin 10 s in the past %s\n", errname(pthread_timedjoin_np(t, NULL, &ts)));
	printf("running thread: kill 0 %s, kill 99 %s\n", errname(pthread_kill(t, 0)), errname(pthread_kill(t, 99)));
	p.go = 1;
	ts = in_ms(CLOCK_REALTIME, 3000);
	ret = NULL;
	r = pthread_timedjoin_np(t, &ret, &ts);
	printf("told to end: timedjoin +3s %s value %ld\n", errname(r), (long)ret);

	memset(&p, 0, sizeof(p));
	p.go = 1;
	CHECK(pthread_create(&t, NULL, probe_run, &p) == 0);
	usleep(50000); /* it has ended */
	ret = NULL;
	r = pthread_tryjoin_np(t, &ret);
	printf("ended thread: tryjoin %s value %ld\n", errname(r), (long)ret);
	if (r != 0)
		pthread_join(t, NULL);
}

/* ---- names and the rest ---- */

static void *named(void *arg)
{
	struct probe *p = arg;
	for (int i = 0; i < 3000 && !p->go; i++)
		usleep(1000);
	return NULL;
}

static void names_and_misc(void)
{
	char buf[32];
	pthread_t t;
	struct probe p = { 0 };
	CHECK(pthread_create(&t, NULL, named, &p) == 0);
	printf("names: setname 15 chars %s", errname(pthread_setname_np(t, "fifteen-chars-x")));
	memset(buf, 0, sizeof(buf));
	int r = pthread_getname_np(t, buf, sizeof(buf));
	printf(", getname %s \"%s\"", errname(r), buf);
	printf(", setname 16 chars %s", errname(pthread_setname_np(t, "sixteen-chars-xx")));
	memset(buf, 0, sizeof(buf));
	pthread_getname_np(t, buf, sizeof(buf));
	printf(" (kept \"%s\")", buf);
	printf(", getname into 5 bytes %s", errname(pthread_getname_np(t, buf, 5)));
	r = pthread_getname_np(t, buf, 16);
	printf(", into 16 bytes %s\n", errname(r));
	printf("names: self setname %s", errname(pthread_setname_np(pthread_self(), "conf-main")));
	memset(buf, 0, sizeof(buf));
	r = pthread_getname_np(pthread_self(), buf, sizeof(buf));
	printf(", getname %s \"%s\"", errname(r), buf);
	memset(buf, 0, sizeof(buf));
	pthread_getname_np(t, buf, sizeof(buf));
	printf(", the other thread's still \"%s\"\n", buf);
	p.go = 1;
	pthread_join(t, NULL);

	printf("misc: sched_yield %d", sched_yield());
	printf(", equal(self, self) %d", pthread_equal(pthread_self(), pthread_self()) != 0);
	printf(", equal(self, other) %d", pthread_equal(pthread_self(), t) != 0);
	printf(", join self %s", errname(pthread_join(pthread_self(), NULL)));
	printf(", kill self 0 %s\n", errname(pthread_kill(pthread_self(), 0)));

	int pol = -1;
	struct sched_param sp = { .sched_priority = -1 };
	r = pthread_getschedparam(pthread_self(), &pol, &sp);
	printf("sched: getschedparam %s policy OTHER %d priority %d", errname(r), pol == SCHED_OTHER, sp.sched_priority);
	sp.sched_priority = 0;
	printf(", setschedparam OTHER 0 %s", errname(pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp)));
	printf(", setschedprio 0 %s", errname(pthread_setschedprio(pthread_self(), 0)));
	sp.sched_priority = 5;
	printf(", setschedparam OTHER 5 %s\n", errname(pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp)));

	printf("concurrency: get %d", pthread_getconcurrency());
	printf(", set 3 %s", errname(pthread_setconcurrency(3)));
	printf(", get %d", pthread_getconcurrency());
	printf(", set -1 %s", errname(pthread_setconcurrency(-1)));
	printf(", set 0 %s\n", errname(pthread_setconcurrency(0)));

	clockid_t cid;
	struct timespec ts;
	r = pthread_getcpuclockid(pthread_self(), &cid);
	printf("cpu clock: getcpuclockid %s, clock_gettime %d\n", errname(r), r == 0 ? clock_gettime(cid, &ts) : -2);
}

int main(int argc, char **argv)
{
	alarm(20); /* a watchdog: a hang ends the program */
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const struct part parts[] = { { "attr", defaults_and_setters }, { "threads", created }, { "joins", joins }, { "detached", detached }, { "misc", names_and_misc } };
	return run_part(argc, argv, parts, (int)(sizeof(parts) / sizeof(parts[0])));
}
