/* A FIFO opened by two threads of one process: open(O_RDONLY) blocks until a writer opens, and
 * open(O_WRONLY) until a reader does; the opening must not stop the other threads (the one that
 * will open the other end included). The writer opens at 200 ms, writes at 300 ms, closes at
 * 400 ms: the reader's open, read and EOF; then the other way round. The non-blocking opens
 * (O_RDONLY succeeds, O_WRONLY without a reader ENXIO), O_RDWR that never blocks, F_GETFL's
 * O_NONBLOCK of the blocking opens. A heartbeat ticks through each wait.
 * usage: osfd_fifo [DIR]  (the FIFO is made in a fresh directory in DIR, default $TMPDIR or /tmp) */
#include <fcntl.h>
#include <sys/stat.h>
#include "watch.h"

static char dir[4096], path[4200];
static int other = -1;

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void act_open_w(long a)
{
	other = open(path, O_WRONLY);
	CHECK(other >= 0);
}
static void act_open_r(long a)
{
	other = open(path, O_RDONLY);
	CHECK(other >= 0);
}
static void act_put(long a) { CHECK(write(other, "fifo\n", 5) == 5); }
static void act_close(long a) { CHECK(close(other) == 0); }

static void *reader(void *arg)
{
	double t0 = now_ms();
	int fd = open(path, O_RDONLY);
	double took = now_ms() - t0;
	printf("open O_RDONLY, a writer opens at 200 ms -> fd %s, after the writer %d, O_NONBLOCK %d\n",
	       fd >= 0 ? "ok" : res(fd), took >= 150 && took < 2000, fd >= 0 ? nonblock(fd) : -1);
	char buf[16] = { 0 };
	const char *s = res(read(fd, buf, sizeof(buf) - 1));
	printf("  read, written at 300 ms -> %s '%.4s'", s, buf);
	s = res(read(fd, buf, sizeof(buf) - 1));
	printf(", then (closed at 400 ms) -> %s\n", s);
	close(fd);
	return arg;
}

static void *writer(void *arg)
{
	double t0 = now_ms();
	int fd = open(path, O_WRONLY);
	double took = now_ms() - t0;
	printf("open O_WRONLY, a reader opens at 200 ms -> fd %s, after the reader %d, O_NONBLOCK %d\n",
	       fd >= 0 ? "ok" : res(fd), took >= 150 && took < 2000, fd >= 0 ? nonblock(fd) : -1);
	const char *s = res(write(fd, "back", 4));
	printf("  write -> %s\n", s);
	close(fd);
	return arg;
}

int main(int argc, char **argv)
{
	watchdog(10);
	const char *base = argc > 1 ? argv[1] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof(dir), "%s/osfd_fifo.XXXXXX", base);
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	beat_start();

	struct later a1[] = { { 200, act_open_w, 0 }, { 300, act_put, 0 }, { 400, act_close, 0 } };
	in_thread("fifo-open-read", reader, a1, 3);
	struct later a2[] = { { 200, act_open_r, 0 } };
	in_thread("fifo-open-write", writer, a2, 1);
	if (other >= 0) {
		char buf[8] = { 0 };
		const char *s = res(read(other, buf, sizeof(buf) - 1));
		printf("  the reader's end reads -> %s '%s'\n", s, buf);
		close(other);
	}

	int r = open(path, O_RDONLY | O_NONBLOCK);
	const char *rs = r >= 0 ? "ok" : res(r);
	printf("open O_RDONLY|O_NONBLOCK, no writer -> fd %s, O_NONBLOCK %d\n", rs, nonblock(r));
	int w = open(path, O_WRONLY | O_NONBLOCK);
	printf("open O_WRONLY|O_NONBLOCK, a reader there -> fd %s\n", w >= 0 ? "ok" : res(w));
	close(w);
	close(r);
	w = open(path, O_WRONLY | O_NONBLOCK);
	printf("open O_WRONLY|O_NONBLOCK, no reader -> %s\n", res(w));
	double t0 = now_ms();
	int rw = open(path, O_RDWR);
	const char *rws = rw >= 0 ? "ok" : res(rw);
	printf("open O_RDWR, nobody else -> fd %s at once %d, O_NONBLOCK %d\n", rws, now_ms() - t0 < 1000, nonblock(rw));
	close(rw);
	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	beat_finish();
	return 0;
}
