/* The tpool (tpool.c), regular-file I/O (disk.c) and the signal notes (signal.c). The unit test
 * binary is not preloaded: the tpool's workers are made with the real pthread_create. */
#include "unit.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

static void use_real_threads(unsigned size)
{
	gp_config.thread_create = pthread_create;
	gp_config.tpool_size = size;
}

static volatile long beats;
static volatile int stop;
static void *heartbeat(void *arg)
{
	while (!stop) {
		sleep_ms(2);
		beats++;
	}
	return NULL;
}

static void *nap_job(void *arg)
{
	struct timespec ts = { 0, (long)arg * 1000000 };
	return (void *)gp_tpool_syscall(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

TEST(a_blocking_job_runs_on_a_worker_while_the_hub_runs)
{
	use_real_threads(4);
	struct gp_gt *hb = spawn(heartbeat, NULL);
	double t0 = unit_ms();
	long b0 = beats;
	CHECK_EQ(join(spawn(nap_job, (void *)100L)), 0);
	CHECK_RANGE(unit_ms() - t0, 95, 3000);
	CHECK(beats - b0 > 10); /* the heartbeat kept going: only the job's thread waited */
	stop = 1;
	join(hb);
	CHECK_EQ(gp_tpool_workers(), 1);
	/* the worker counts the job done just after it wakes the caller: it may be a moment later */
	for (int i = 0; i < 2000 && gp_tpool_pending(); i++)
		sleep_ms(1);
	CHECK_EQ(gp_tpool_pending(), 0);
}

TEST(blocking_jobs_get_more_workers_quick_ones_do_not)
{
	use_real_threads(4);
	struct gp_gt *t[4];
	double t0 = unit_ms();
	for (int i = 0; i < 4; i++)
		t[i] = spawn(nap_job, (void *)100L);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(join(t[i]), 0);
	CHECK_RANGE(unit_ms() - t0, 95, 390); /* in parallel: not 4 x 100 ms */
	CHECK_EQ(gp_tpool_workers(), 4);
}

static void *getpid_jobs(void *arg)
{
	long ok = 0;
	for (int i = 0; i < 200; i++)
		ok += gp_tpool_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0) == getpid();
	return (void *)ok;
}

TEST(quick_jobs_share_one_worker)
{
	use_real_threads(8);
	struct gp_gt *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = spawn(getpid_jobs, NULL);
	long ok = 0;
	for (int i = 0; i < 4; i++)
		ok += join(t[i]);
	CHECK_EQ(ok, 800);
	CHECK(gp_tpool_workers() <= 2); /* a second one only if the first was slow to start */
}

TEST(a_pool_of_zero_runs_jobs_inline)
{
	use_real_threads(0);
	CHECK_EQ(gp_tpool_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0), gettid());
	CHECK_EQ(gp_tpool_workers(), 0);
	use_real_threads(2);
	CHECK(gp_tpool_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0) != gettid());
	CHECK_EQ(gp_tpool_syscall(SYS_close, -1, 0, 0, 0, 0, 0), -EBADF); /* errors come back as -errno */
}

/* ---- regular files ---- */

static char path[64];
static int make_file(size_t size)
{
	snprintf(path, sizeof(path), "/tmp/gp_unit_disk.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)(i * 7 + i / 251);
		if (write(fd, &c, 1) != 1)
			return -1;
	}
	unlink(path);
	return fd;
}

static int content_ok(const unsigned char *b, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)((off + i) * 7 + (off + i) / 251))
			return 0;
	return 1;
}

static struct gp_fd *reg(int fd)
{
	struct gp_fd *f = gp_fd_get(fd);
	return f && f->kind == GP_FD_REG ? f : NULL;
}

TEST(disk_reads_complete_in_full_and_short_only_at_the_end)
{
	use_real_threads(2);
	int fd = make_file(10000);
	REQUIRE(fd >= 0);
	struct gp_fd *f = reg(fd);
	REQUIRE(f != NULL);
	unsigned char b[20000];
	struct iovec v = { b, 4096 };
	CHECK_EQ(gp_disk_rw(fd, f, 0, &v, 1, 0), 4096);
	CHECK(content_ok(b, 0, 4096));
	v.iov_len = sizeof(b);
	CHECK_EQ(gp_disk_rw(fd, f, 0, &v, 1, 5000), 5000); /* to the end of the file */
	CHECK(content_ok(b, 5000, 5000));
	CHECK_EQ(gp_disk_rw(fd, f, 0, &v, 1, 10000), 0);
	lseek(fd, 9000, SEEK_SET); /* -1: at the file position, which moves */
	CHECK_EQ(gp_disk_rw(fd, f, 0, &v, 1, -1), 1000);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10000);
	struct iovec two[2] = { { b, 3 }, { b + 3, 5 } };
	CHECK_EQ(gp_disk_rw(fd, f, 0, two, 2, 100), 8);
	CHECK(content_ok(b, 100, 8));
	close(fd);
}

TEST(disk_reads_of_uncached_data_go_through_the_tpool)
{
	use_real_threads(2);
	int fd = make_file(1 << 20);
	REQUIRE(fd >= 0);
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* evicted where the kernel can */
	static unsigned char b[1 << 20];
	struct iovec v = { b, sizeof(b) };
	CHECK_EQ(gp_disk_rw(fd, reg(fd), 0, &v, 1, 0), 1 << 20);
	CHECK(content_ok(b, 0, 1 << 20));
	close(fd);
}

TEST(disk_writes_land_where_asked)
{
	use_real_threads(2);
	int fd = make_file(100);
	struct gp_fd *f = reg(fd);
	REQUIRE(f != NULL);
	static unsigned char big[2 << 20]; /* beyond the direct-write limit: the tpool */
	memset(big, 'x', sizeof(big));
	struct iovec v = { big, sizeof(big) };
	CHECK_EQ(gp_disk_rw(fd, f, 1, &v, 1, 50), (long)sizeof(big));
	v = (struct iovec){ "abc", 3 };
	CHECK_EQ(gp_disk_rw(fd, f, 1, &v, 1, 10), 3);
	char back[4] = { 0 };
	CHECK_EQ(pread(fd, back, 3, 10), 3);
	CHECK_STR(back, "abc");
	CHECK_EQ(lseek(fd, 0, SEEK_END), 50 + (long)sizeof(big));
	close(fd);
}

/* ---- signal notes ---- */

static void *sleep_long(void *arg)
{
	return (void *)(long)gp_sleep_until(gp_deadline_in(2000 * MS));
}

static void *wait_restart(void *arg)
{
	struct gp_sem *s = arg;
	return (void *)(long)gp_sem_wait(s, GP_NEVER); /* untimed: sem_wait restarts, sem_timedwait would not */
}

TEST(a_noted_signal_ends_the_receivers_wait_as_natively)
{
	struct gp_sem s;
	gp_sem_init(&s, 0);
	uint64_t all = ~0ull, none = 0;
	gp_sigmask(SIG_SETMASK, &all, NULL); /* main blocks everything: the oldest other thread gets it */
	struct gp_gt *t = spawn(sleep_long, NULL);
	gp_sigmask(SIG_SETMASK, &none, NULL);
	t->sigmask = 0;
	gp_self()->sigmask = all & ~(3ull << 31);
	sleep_ms(5);
	gp_signal_note(SIGUSR1, 1, NULL); /* a sleep ends even with SA_RESTART */
	CHECK_EQ(join(t), -EINTR);
	gp_self()->sigmask = 0;
	gp_sigmask(SIG_SETMASK, &none, NULL);
	/* directed at a thread in a restartable wait: ends without SA_RESTART only */
	t = spawn(wait_restart, &s);
	sleep_ms(5);
	gp_signal_note(SIGUSR1, 1, t);
	sleep_ms(5);
	CHECK_EQ(t->state, GP_WAITING);
	gp_signal_note(SIGUSR1, 0, t);
	CHECK_EQ(join(t), -EINTR);
}

TEST(signal_masks_are_per_green_thread)
{
	uint64_t usr1 = 1ull << (SIGUSR1 - 1), old;
	CHECK_EQ(gp_sigmask(SIG_BLOCK, &usr1, &old), 0);
	CHECK_EQ(gp_self()->sigmask & usr1, usr1);
	uint64_t k = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &k, 8);
	CHECK_EQ(k & usr1, usr1); /* on the OS thread while this thread runs */
	CHECK_EQ(gp_sigmask(99, &usr1, NULL), -EINVAL);
	uint64_t kill_too = usr1 | (1ull << (SIGKILL - 1));
	CHECK_EQ(gp_sigmask(SIG_SETMASK, &kill_too, NULL), 0);
	CHECK_EQ(gp_self()->sigmask, usr1); /* SIGKILL cannot be blocked */
	CHECK_EQ(gp_sigmask_swap(0), usr1);
	CHECK_EQ(gp_self()->sigmask, 0);
}

static struct gp_gt *handled_in;
static volatile int handled;

static void on_usr2(int sig)
{
	handled_in = gp_self();
	handled++;
}

static void *block_sleep_unblock(void *arg)
{
	uint64_t usr2 = 1ull << (SIGUSR2 - 1);
	gp_sigmask(SIG_BLOCK, &usr2, NULL);
	long r = gp_sleep_until(gp_deadline_in(60 * MS));
	if (handled)
		return (void *)-100L; /* it ran while blocked */
	gp_sigmask(SIG_UNBLOCK, &usr2, NULL); /* runs the handler here, in this thread */
	return (void *)(r + (handled_in == gp_self() ? 1 : 10));
}

/* A signal for a green thread that blocks it is held on that thread (main's sig_held): its
 * handler does not run while it blocks it (in whatever thread is running), its sleep is not cut
 * short, and it runs in that thread when it unblocks it. A sigwait takes a held one: it is sent
 * to the OS thread, where the wait's mask keeps it pending, and never delivered. */
TEST(a_signal_for_a_thread_that_blocks_it_is_held_until_it_unblocks_it)
{
	signal(SIGUSR2, on_usr2);
	struct gp_gt *t = spawn(block_sleep_unblock, NULL);
	sleep_ms(10);
	uint64_t usr2 = 1ull << (SIGUSR2 - 1);
	CHECK_EQ(gp_signal_hold(t, SIGUSR2), 0);
	CHECK_EQ(t->sig_held, usr2);
	CHECK_EQ(join(t), 1); /* slept in full, the handler ran in t after the unblock */
	CHECK_EQ(handled, 1);
	gp_sigmask(SIG_BLOCK, &usr2, NULL);
	CHECK_EQ(gp_signal_hold(gp_self(), SIGUSR2), 0);
	CHECK_EQ(gp_self()->sig_held, usr2);
	gp_sigwait_begin(usr2); /* sent to the OS thread, blocked there */
	CHECK_EQ(gp_self()->sig_held, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	static const struct timespec zero = { 0, 0 };
	CHECK_EQ(sigtimedwait(&set, NULL, &zero), SIGUSR2);
	CHECK_EQ(sigtimedwait(&set, NULL, &zero), -1);
	gp_sigwait_end(usr2);
	gp_sigmask(SIG_UNBLOCK, &usr2, NULL);
	CHECK_EQ(handled, 1); /* taken: never delivered */
}

RUN_TESTS()
