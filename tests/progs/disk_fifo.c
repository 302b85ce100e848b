/* A FIFO whose other end another process opens 200 ms later: a thread's open(O_RDONLY) waits for
 * the writer process (then reads its line and EOF), and a thread's open(O_WRONLY) waits for a
 * reader process (which reads what it writes), while a heartbeat ticks.
 * usage: disk_fifo DIR  (the FIFO is made in a fresh directory in DIR and removed) */
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "watch.h"

static char dir[4096], path[4200];

/* A child that sleeps 200 ms, then opens the FIFO (for writing or reading) and writes its line,
 * or reads one and exits 0 if it was "back\n". */
static pid_t other_end(int writer)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never left blocked in the open if the parent is gone */
	usleep(200000);
	int fd = open(path, writer ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		_exit(3);
	if (writer)
		_exit(write(fd, "proc\n", 5) == 5 ? 0 : 4);
	char buf[8] = { 0 };
	_exit(read(fd, buf, 7) == 5 && !strcmp(buf, "back\n") ? 0 : 5);
}

static int reap(pid_t pid)
{
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *reader(void *arg)
{
	double t0 = now_ms();
	int fd = open(path, O_RDONLY);
	double took = now_ms() - t0;
	printf("open O_RDONLY, a writer process opens at 200 ms -> fd %s, after it %d\n", fd >= 0 ? "ok" : res(fd),
	       took >= 150 && took < 3000);
	char buf[16] = { 0 };
	const char *s = res(read(fd, buf, sizeof(buf) - 1));
	const char *e = res(read(fd, buf + 8, 7));
	printf("  read -> %s '%.4s', then -> %s (EOF)\n", s, buf, e);
	close(fd);
	return arg;
}

static void *writer(void *arg)
{
	double t0 = now_ms();
	int fd = open(path, O_WRONLY);
	double took = now_ms() - t0;
	printf("open O_WRONLY, a reader process opens at 200 ms -> fd %s, after it %d\n", fd >= 0 ? "ok" : res(fd),
	       took >= 150 && took < 3000);
	const char *s = res(write(fd, "back\n", 5));
	printf("  write -> %s\n", s);
	close(fd);
	return arg;
}

int main(int argc, char **argv)
{
	watchdog(10);
	if (argc != 2) {
		fprintf(stderr, "usage: disk_fifo DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/disk_fifo.XXXXXX", argv[1]);
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	beat_start();
	pid_t w = other_end(1);
	in_thread("fifo-wait-writer", reader, NULL, 0);
	printf("  the writer process exited %d\n", reap(w));
	pid_t r = other_end(0);
	in_thread("fifo-wait-reader", writer, NULL, 0);
	printf("  the reader process exited %d (0: it read 'back')\n", reap(r));
	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	beat_finish();
	return 0;
}
