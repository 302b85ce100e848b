/* File locks held by another process and by another thread, waited for by a thread while a
 * heartbeat ticks. A child process takes the lock and holds it 300 ms: the parent's non-blocking
 * attempt fails (and F_GETLK names the holder), then a thread's blocking request waits until the
 * child lets go. Two threads of this process through two open files: flock and OFD locks conflict
 * (the second waits until the first unlocks at 300 ms), POSIX locks do not (one owner, the
 * process). F_SETLKW between two processes that wait for each other fails with EDEADLK. A
 * blocking request interrupted by SIGALRM (a handler without SA_RESTART) fails with EINTR.
 * usage: disk_locks flock|setlkw|ofd DIR */
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "watch.h"

static char path[4200];
static const char *kind;
static int fd_a, fd_b;

/* The lock call of this run on fd: exclusive (or write) on the whole file, or unlock. */
static int lock(int fd, int wait, int unlock)
{
	if (!strcmp(kind, "flock"))
		return flock(fd, unlock ? LOCK_UN : LOCK_EX | (wait ? 0 : LOCK_NB));
	struct flock fl = { .l_type = unlock ? F_UNLCK : F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	if (!strcmp(kind, "setlkw"))
		return fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl);
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

static pid_t child;

static const char *getlk(int fd)
{
	static char out[96];
	if (!strcmp(kind, "flock"))
		return "-";
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	CHECK(fcntl(fd, !strcmp(kind, "ofd") ? F_OFD_GETLK : F_GETLK, &fl) == 0);
	snprintf(out, sizeof(out), "type %s pid %s", fl.l_type == F_WRLCK ? "F_WRLCK" : fl.l_type == F_UNLCK ? "F_UNLCK" : "?",
		 fl.l_pid == -1 ? "-1" : fl.l_pid == child ? "the child" : "other");
	return out;
}

/* A child that opens the file, locks it, says so on the pipe, holds it 300 ms and exits. */
static pid_t holder(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fd = open(path, O_RDWR);
		if (fd < 0 || lock(fd, 1, 0) != 0)
			_exit(3);
		if (write(p[1], "L", 1) != 1)
			_exit(4);
		usleep(300000);
		_exit(0);
	}
	close(p[1]);
	char c = 0;
	struct pollfd q = { p[0], POLLIN, 0 };
	CHECK(poll(&q, 1, 5000) == 1 && read(p[0], &c, 1) == 1 && c == 'L');
	close(p[0]);
	return pid;
}

static int reap(pid_t pid)
{
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *wait_lock(void *arg)
{
	double t0 = now_ms();
	const char *s = res(lock(fd_a, 1, 0));
	double took = now_ms() - t0;
	printf("%s: a thread's blocking request, the child holds it -> %s, after the child let go %d\n", kind, s,
	       took >= 150 && took < 3000);
	lock(fd_a, 0, 1);
	return arg;
}

static void act_unlock_b(long a) { CHECK(lock(fd_b, 0, 1) == 0); }

static void *wait_lock_sibling(void *arg)
{
	double t0 = now_ms();
	const char *s = res(lock(fd_a, 1, 0));
	double took = now_ms() - t0;
	printf("%s: two open files, another thread holds it until 300 ms -> %s, waited for it %d\n", kind, s,
	       took >= 250 && took < 3000);
	lock(fd_a, 0, 1);
	return arg;
}

static volatile int alarms;
static void on_alarm(int sig) { alarms++; }

int main(int argc, char **argv)
{
	watchdog(10);
	if (argc != 3 || (strcmp(argv[1], "flock") && strcmp(argv[1], "setlkw") && strcmp(argv[1], "ofd"))) {
		fprintf(stderr, "usage: disk_locks flock|setlkw|ofd DIR\n");
		return 2;
	}
	kind = argv[1];
	snprintf(path, sizeof(path), "%s/disk_locks.XXXXXX", argv[2]);
	int tmp = mkstemp(path);
	CHECK(tmp >= 0 && write(tmp, "0123456789", 10) == 10);
	close(tmp);
	fd_a = open(path, O_RDWR);
	fd_b = open(path, O_RDWR);
	CHECK(fd_a >= 0 && fd_b >= 0);
	beat_start();

	pid_t pid = child = holder();
	const char *s = res(lock(fd_a, 0, 0));
	printf("%s: the child holds it: non-blocking attempt -> %s, getlk %s\n", kind, s, getlk(fd_a));
	in_thread("lock-held-by-child", wait_lock, NULL, 0);
	printf("%s: the child exited %d\n", kind, reap(pid));

	CHECK(lock(fd_b, 1, 0) == 0);
	struct later u[] = { { 300, act_unlock_b, 0 } };
	if (!strcmp(kind, "setlkw")) {
		double t0 = now_ms();
		s = res(lock(fd_a, 1, 0));
		printf("%s: two open files, the same process holds it -> %s at once %d (one owner: the process)\n", kind,
		       s, now_ms() - t0 < 1000);
		lock(fd_a, 0, 1);
		lock(fd_b, 0, 1);
	} else {
		in_thread("lock-held-by-thread", wait_lock_sibling, u, 1);
	}

	if (!strcmp(kind, "setlkw")) {
		/* We hold bytes 0-4, the child 5-9 and waits for ours; our request for its bytes would
		 * close the circle. */
		struct flock mine = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5 };
		CHECK(fcntl(fd_a, F_SETLK, &mine) == 0);
		int p[2];
		CHECK(pipe(p) == 0);
		pid_t c = fork();
		CHECK(c >= 0);
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			int fd = open(path, O_RDWR);
			struct flock theirs = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 5 };
			struct flock want = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5 };
			if (fd < 0 || fcntl(fd, F_SETLK, &theirs) != 0 || write(p[1], "L", 1) != 1)
				_exit(3);
			_exit(fcntl(fd, F_SETLKW, &want) == 0 ? 0 : 5);
		}
		close(p[1]);
		char ch = 0;
		CHECK(read(p[0], &ch, 1) == 1);
		close(p[0]);
		usleep(200000); /* the child is in its F_SETLKW by now */
		struct flock want = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 5 };
		s = res(fcntl(fd_a, F_SETLKW, &want));
		printf("%s: each process waits for the other's bytes -> %s\n", kind, s);
		mine.l_type = F_UNLCK;
		CHECK(fcntl(fd_a, F_SETLK, &mine) == 0);
		printf("%s: we let go, the child got ours and exited %d\n", kind, reap(c));
	}

	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	pid = holder();
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	double t0 = now_ms();
	s = res(lock(fd_a, 1, 0));
	double took = now_ms() - t0;
	printf("%s: the child holds it, SIGALRM at 100 ms (no SA_RESTART) -> %s, handler ran %d, before the child let "
	       "go %d\n",
	       kind, s, alarms, took < 250);
	lock(fd_a, 0, 1);
	printf("%s: the child exited %d\n", kind, reap(pid));
	CHECK(unlink(path) == 0);
	beat_finish();
	return 0;
}
