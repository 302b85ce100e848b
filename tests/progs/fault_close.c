/* A descriptor closed while a thread waits on it, its number reused at once (the waits on a
 * closed descriptor themselves: closewake.c).
 *   reuse_read: thread A blocks reading pipe X, thread B reading pipe Y; main writes a byte to
 *     each, Y first, so that B runs first: B closes X and makes a new pipe, which gets X's number,
 *     and writes "NEW" into it. A's read was for the old pipe: natively it returns the old pipe's
 *     byte; it must never return bytes of the new pipe (greenpatch, which closed the old pipe for
 *     real, says EBADF instead).
 *   reuse_write: the same with A blocked writing into a full pipe X: its bytes must never land in
 *     the new pipe behind the reused number.
 * A missed wake-up hangs until alarm(20) ends the program (the test then fails on its status). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "common.h"

static int x[2], y[2], x_new[2], mode; /* 0 read, 1 write */

static void *thread_a(void *arg)
{
	char buf[16] = "";
	if (mode == 0) {
		ssize_t n = read(x[0], buf, sizeof(buf) - 1);
		printf("A read: %zd %s\n", n, n > 0 ? (buf[0] == 'o' ? "the old pipe's byte" : "BYTES OF THE NEW PIPE")
						      : errname(errno));
	} else {
		static char big[1 << 16];
		memset(big, 'a', sizeof(big));
		ssize_t n = write(x[1], big, sizeof(big)); /* the pipe is full: it blocks */
		printf("A write: %s\n", n > 0 ? "wrote" : errname(errno));
	}
	return arg;
}

/* B: woken first, closes A's descriptor and makes a new pipe in its number. */
static void *thread_b(void *arg)
{
	char c;
	CHECK(read(y[0], &c, 1) == 1);
	int old = mode == 1 ? x[1] : x[0];
	close(old);
	CHECK(pipe(x_new) == 0);
	int *same = mode == 1 ? &x_new[1] : &x_new[0], *other = mode == 1 ? &x_new[0] : &x_new[1];
	if (*same != old) { /* the other end took the number: swap them */
		int moved = dup(*other);
		CHECK(moved >= 0 && close(*other) == 0 && dup2(*same, old) == old && close(*same) == 0);
		*same = old, *other = moved;
	}
	CHECK(fcntl(x_new[0], F_SETFL, O_NONBLOCK) == 0);
	if (mode == 0)
		CHECK(write(x_new[1], "NEW", 3) == 3);
	return arg;
}

static void reuse(int m)
{
	mode = m;
	CHECK(pipe(x) == 0 && pipe(y) == 0);
	if (mode == 1) { /* fill X so that A's write blocks */
		CHECK(fcntl(x[1], F_SETFL, O_NONBLOCK) == 0);
		static char fillbuf[4096];
		while (write(x[1], fillbuf, sizeof(fillbuf)) > 0)
			;
		CHECK(fcntl(x[1], F_SETFL, 0) == 0);
	}
	pthread_t a, b;
	CHECK(pthread_create(&a, NULL, thread_a, NULL) == 0);
	CHECK(pthread_create(&b, NULL, thread_b, NULL) == 0);
	usleep(100000); /* both blocked */
	CHECK(write(y[1], "y", 1) == 1);
	if (mode == 1) { /* room in X: make A's write able to go on */
		static char drain[1 << 16];
		(void)!read(x[0], drain, sizeof(drain));
	} else {
		CHECK(write(x[1], "o", 1) == 1);
	}
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	if (mode == 1) {
		char buf[16];
		ssize_t n = read(x_new[0], buf, sizeof(buf));
		printf("the new pipe holds: %s\n", n > 0 ? "A'S BYTES" : "nothing");
	}
	if (mode == 0) { /* the new pipe still holds all it was given */
		char buf[16];
		ssize_t n = read(x_new[0], buf, sizeof(buf));
		printf("the new pipe holds: %zd bytes\n", n);
	}
}

static void reuse_read(void) { reuse(0); }
static void reuse_write(void) { reuse(1); }

int main(int argc, char **argv)
{
	static const struct part parts[] = { { "reuse_read", reuse_read }, { "reuse_write", reuse_write } };
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(20);
	return run_part(argc, argv, parts, 2);
}
