/* Native threads meet green ones (sched.c inbox, hub.c kicks, the lock words of sync.c, sem.c,
 * rwlock.c, futex.c). The unit test binary is not preloaded, so pthread_create here makes real
 * OS threads: each becomes the main green thread of a hub of its own on its first runtime call,
 * and must block for real while the green side parks, wake-ups crossing both ways. */
#include "unit.h"
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

static struct gp_mutex mx;
static struct gp_cond cv;
static struct gp_sem s1, s2;
static struct gp_rwlock rw;
static struct gp_barrier bar;
static long counter;
static int flag;

static pthread_t native(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, arg) != 0)
		UNIT_FAILED("pthread_create failed");
	return t;
}

static void *native_count(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		gp_mutex_lock(&mx, GP_NEVER);
		counter++;
		gp_mutex_unlock(&mx);
	}
	return NULL;
}

static void *green_count(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		gp_mutex_lock(&mx, GP_NEVER);
		counter++;
		if (i % 64 == 0)
			gp_yield(); /* hold it across a switch now and then: the native one must wait */
		gp_mutex_unlock(&mx);
	}
	return NULL;
}

TEST(mutex_between_native_and_green_threads)
{
	pthread_t n1 = native(native_count, NULL), n2 = native(native_count, NULL);
	struct gp_gt *g1 = spawn(green_count, NULL), *g2 = spawn(green_count, NULL);
	join(g1), join(g2);
	pthread_join(n1, NULL), pthread_join(n2, NULL);
	CHECK_EQ(counter, 80000);
	CHECK(mx.owner == NULL && mx.wq.head == NULL);
	CHECK_EQ(mx.lock, 0);
}

static void *native_pingpong(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		CHECK_EQ(gp_sem_wait(&s1, GP_NEVER), 0);
		CHECK_EQ(gp_sem_post(&s2), 0);
	}
	return NULL;
}

static volatile long beats;
static void *heartbeat(void *arg)
{
	while (!flag) {
		sleep_ms(2);
		beats++;
	}
	return NULL;
}

TEST(semaphore_pingpong_with_a_native_thread_keeps_the_hub_running)
{
	gp_sem_init(&s1, 0), gp_sem_init(&s2, 0);
	struct gp_gt *hb = spawn(heartbeat, NULL);
	pthread_t n = native(native_pingpong, NULL);
	for (int i = 0; i < 2000; i++) {
		CHECK_EQ(gp_sem_post(&s1), 0);
		CHECK_EQ(gp_sem_wait(&s2, GP_NEVER), 0); /* parks: the heartbeat runs meanwhile */
	}
	pthread_join(n, NULL);
	sleep_ms(20);
	flag = 1;
	join(hb);
	CHECK(beats > 3);
	CHECK_EQ(s1.value, 0);
	CHECK_EQ(s2.value, 0);
}

static void *native_signaller(void *arg)
{
	usleep(30000);
	gp_mutex_lock(&mx, GP_NEVER);
	flag = 1;
	gp_cond_broadcast(&cv);
	gp_mutex_unlock(&mx);
	return NULL;
}

static void *green_cond_waiter(void *arg)
{
	gp_mutex_lock(&mx, GP_NEVER);
	while (!flag)
		gp_cond_wait(&cv, &mx, GP_NEVER);
	gp_mutex_unlock(&mx);
	return (void *)1L;
}

TEST(native_thread_signals_green_waiters_sleeping_hub)
{
	/* every green thread parked, the hub asleep in its futex wait: the kick must wake it */
	struct gp_gt *w[4];
	for (int i = 0; i < 4; i++)
		w[i] = spawn(green_cond_waiter, NULL);
	pthread_t n = native(native_signaller, NULL);
	long sum = 0;
	for (int i = 0; i < 4; i++)
		sum += join(w[i]);
	pthread_join(n, NULL);
	CHECK_EQ(sum, 4);
}

static void *native_cond_waiter(void *arg)
{
	gp_mutex_lock(&mx, GP_NEVER);
	while (!flag)
		gp_cond_wait(&cv, &mx, GP_NEVER);
	gp_mutex_unlock(&mx);
	return (void *)7L;
}

TEST(green_thread_signals_a_native_waiter)
{
	pthread_t n = native(native_cond_waiter, NULL);
	usleep(30000); /* the native thread waits in the kernel (its hub's futex) */
	gp_mutex_lock(&mx, GP_NEVER);
	flag = 1;
	gp_cond_signal(&cv);
	gp_mutex_unlock(&mx);
	void *r;
	pthread_join(n, &r);
	CHECK_EQ((long)r, 7);
}

static void *native_timed(void *arg)
{
	double t0 = unit_ms();
	gp_mutex_lock(&mx, GP_NEVER);
	int r = gp_cond_wait(&cv, &mx, gp_deadline_in(50 * MS));
	gp_mutex_unlock(&mx);
	CHECK_RANGE(unit_ms() - t0, 45, 3000);
	return (void *)(long)r;
}

TEST(native_timed_wait_times_out)
{
	pthread_t n = native(native_timed, NULL);
	void *r;
	pthread_join(n, &r);
	CHECK_EQ((long)r, -ETIMEDOUT);
}

static void *native_reader(void *arg)
{
	CHECK_EQ(gp_rwlock_rdlock(&rw, GP_NEVER), 0);
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	usleep(20000);
	gp_rwlock_unlock(&rw);
	return NULL;
}

static void *green_writer(void *arg)
{
	CHECK_EQ(gp_rwlock_wrlock(&rw, GP_NEVER), 0);
	long seen = __atomic_load_n(&counter, __ATOMIC_SEQ_CST);
	gp_rwlock_unlock(&rw);
	return (void *)seen;
}

TEST(rwlock_writer_waits_for_native_readers)
{
	pthread_t r1 = native(native_reader, NULL), r2 = native(native_reader, NULL);
	while (__atomic_load_n(&counter, __ATOMIC_SEQ_CST) < 2)
		sleep_ms(1);
	struct gp_gt *w = spawn(green_writer, NULL);
	CHECK_EQ(join(w), 2);
	pthread_join(r1, NULL), pthread_join(r2, NULL);
	CHECK_EQ(rw.readers, 0);
}

static void *native_at_barrier(void *arg)
{
	return (void *)(long)gp_barrier_wait(&bar);
}

static void *green_at_barrier(void *arg)
{
	return (void *)(long)gp_barrier_wait(&bar);
}

TEST(barrier_with_native_and_green_parties)
{
	bar = (struct gp_barrier){ .count = 4 };
	pthread_t n1 = native(native_at_barrier, NULL), n2 = native(native_at_barrier, NULL);
	struct gp_gt *g = spawn(green_at_barrier, NULL);
	long serial = (long)gp_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD;
	void *a, *b;
	pthread_join(n1, &a), pthread_join(n2, &b);
	serial += ((long)a == PTHREAD_BARRIER_SERIAL_THREAD) + ((long)b == PTHREAD_BARRIER_SERIAL_THREAD);
	serial += join(g) == PTHREAD_BARRIER_SERIAL_THREAD;
	CHECK_EQ(serial, 1);
}

static struct gp_gt *to_join;
static void *green_slow(void *arg)
{
	sleep_ms(30);
	return (void *)99L;
}

static void *native_joiner(void *arg)
{
	void *r = NULL;
	CHECK_EQ(gp_join(to_join, &r, GP_NEVER), 0);
	return r;
}

TEST(native_thread_joins_a_green_one)
{
	to_join = spawn(green_slow, NULL);
	pthread_t n = native(native_joiner, NULL);
	void *r;
	sleep_ms(60); /* the green thread ends while the native one waits */
	pthread_join(n, &r);
	CHECK_EQ((long)r, 99);
}

static int once_word, once_runs;
static void slow_init(void)
{
	usleep(30000);
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
}

static void *native_once(void *arg)
{
	gp_once(&once_word, slow_init);
	return (void *)(long)__atomic_load_n(&once_runs, __ATOMIC_SEQ_CST);
}

TEST(once_shared_with_native_threads)
{
	pthread_t n1 = native(native_once, NULL), n2 = native(native_once, NULL);
	usleep(5000);
	gp_once(&once_word, slow_init);
	CHECK_EQ(once_runs, 1);
	void *a, *b;
	pthread_join(n1, &a), pthread_join(n2, &b);
	CHECK_EQ((long)a, 1);
	CHECK_EQ((long)b, 1);
}

/* sem_post from a signal handler, also one that interrupts the semaphore's own critical
 * section: SIGALRM every 100 us while the main green thread waits and posts in a loop. */
static void on_alarm(int sig)
{
	gp_sem_post(&s1);
}

TEST(sem_post_from_a_signal_handler)
{
	gp_sem_init(&s1, 0);
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int got = 0;
	double t0 = unit_ms();
	while (got < 2000 && unit_ms() - t0 < 5000) {
		gp_sem_post(&s1);
		gp_sem_trywait(&s1);
		if (gp_sem_wait(&s1, gp_deadline_in(1000 * MS)) == 0)
			got++;
	}
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_EQ(got, 2000);
	CHECK_EQ(s1.pending, 0);
}

/* ---- futexes ---- */

static uint32_t fword;

static void *futex_waiter(void *arg)
{
	return (void *)(long)gp_futex_wait(&fword, 0, ~0u, GP_NEVER);
}

TEST(futex_wait_and_wake_between_green_threads)
{
	struct gp_gt *w[3];
	for (int i = 0; i < 3; i++)
		w[i] = spawn(futex_waiter, NULL);
	gp_yield();
	CHECK_EQ(gp_futex_wait(&fword, 1, ~0u, GP_NEVER), -EAGAIN); /* the value differs */
	CHECK_EQ(gp_futex_wait(&fword, 0, ~0u, gp_deadline_in(10 * MS)), -ETIMEDOUT);
	__atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(gp_futex_wake(&fword, 2, ~0u), 2);
	CHECK_EQ(gp_futex_wake(&fword, 5, ~0u), 1);
	CHECK_EQ(gp_futex_wake(&fword, 5, ~0u), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(join(w[i]), 0);
}

static void *futex_bits_waiter(void *arg)
{
	return (void *)(long)gp_futex_wait(&fword, 0, (uint32_t)(long)arg, gp_deadline_in(200 * MS));
}

TEST(futex_bitset_wakes_only_matching_waiters)
{
	struct gp_gt *a = spawn(futex_bits_waiter, (void *)1L), *b = spawn(futex_bits_waiter, (void *)2L);
	gp_yield();
	CHECK_EQ(gp_futex_wake(&fword, 10, 2), 1);
	CHECK_EQ(join(b), 0);
	CHECK_EQ(join(a), -ETIMEDOUT);
}

static void *native_futex_waker(void *arg)
{
	usleep(20000);
	__atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
	return (void *)(long)gp_futex_wake(&fword, 1, ~0u);
}

TEST(futex_woken_from_a_native_thread)
{
	struct gp_gt *w = spawn(futex_waiter, NULL);
	pthread_t n = native(native_futex_waker, NULL);
	CHECK_EQ(join(w), 0);
	void *r;
	pthread_join(n, &r);
	CHECK_EQ((long)r, 1);
}

RUN_TESTS()
