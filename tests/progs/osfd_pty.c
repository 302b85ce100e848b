/* A pseudo-terminal from openpty (in libc since glibc 2.34: no -lutil). In canonical mode a thread
 * blocked reading the slave gets a whole line another thread writes to the master at 200 ms; a
 * line written in two pieces (100 and 300 ms) comes back as one read after the newline; a short
 * buffer splits a line; VEOF on an empty line reads 0; the master sees the echo; a thread blocked
 * reading the master gets what the slave writes at 200 ms (ONLCR); in raw mode VMIN=0 VTIME=2
 * returns 0 after 200 ms with nothing typed, VMIN=1 returns the first byte; a read on the slave
 * when the master is closed at 200 ms fails with EIO. F_GETFL's O_NONBLOCK before and after; a
 * heartbeat ticks through each wait. */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include "watch.h"

static int m, s;

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void put(int fd, const char *text) { CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text)); }
static void act_hello(long a) { put(m, "hello\n"); }
static void act_abc(long a) { put(m, "abc"); }
static void act_def(long a) { put(m, "def\n"); }
static void act_out(long a) { put(s, "out\n"); }
static void act_close_master(long a) { CHECK(close(m) == 0); }

/* buf as a C string with \r, \n and control characters escaped. */
static const char *esc(const char *buf, ssize_t n)
{
	static char out[4][256];
	static int k;
	k = (k + 1) % 4;
	char *o = out[k];
	for (ssize_t i = 0; i < n && o < out[k] + 240; i++) {
		unsigned char c = buf[i];
		if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\r')
			o += sprintf(o, "\\r");
		else if (c < 32 || c >= 127)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = 0;
	return out[k];
}

static void read_show(int fd, size_t len, const char *what, double t0, int min_ms)
{
	char buf[256];
	ssize_t n = read(fd, buf, len);
	const char *r = res(n);
	double took = now_ms() - t0;
	printf("%s -> %s '%s'", what, r, n > 0 ? esc(buf, n) : "");
	if (min_ms >= 0)
		printf(", after %d ms %d", min_ms, took >= min_ms - 10 && took < 2000);
	printf("\n");
}

/* Everything the master can read within 100 ms, escaped. */
static const char *drain_master(void)
{
	static char all[256];
	size_t got = 0;
	struct pollfd p = { m, POLLIN, 0 };
	while (got < sizeof(all) && poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(m, all + got, sizeof(all) - got);
		if (n <= 0)
			break;
		got += n;
	}
	return esc(all, got);
}

static void *slave_line(void *arg)
{
	read_show(s, 100, "slave read, canonical, 'hello\\n' written to the master at 200 ms", now_ms(), 200);
	return arg;
}

static void *slave_pieces(void *arg)
{
	read_show(s, 100, "slave read, 'abc' at 100 ms and 'def\\n' at 300 ms", now_ms(), 300);
	return arg;
}

static void *master_read(void *arg)
{
	read_show(m, 100, "master read, the slave writes 'out\\n' at 200 ms", now_ms(), 200);
	return arg;
}

static void *raw_vtime(void *arg)
{
	read_show(s, 100, "slave read, raw, VMIN 0 VTIME 2, nothing typed", now_ms(), 200);
	return arg;
}

static void *slave_eio(void *arg)
{
	read_show(s, 100, "slave read, the master closed at 200 ms", now_ms(), 200);
	return arg;
}

int main(void)
{
	watchdog(10);
	beat_start();
	CHECK(openpty(&m, &s, NULL, NULL, NULL) == 0);
	struct termios t;
	CHECK(tcgetattr(s, &t) == 0);
	printf("openpty: slave ICANON %d ECHO %d ONLCR %d, O_NONBLOCK master %d slave %d, isatty %d, ttyname /dev/pts/ "
	       "%d\n",
	       !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO), !!(t.c_oflag & ONLCR), nonblock(m), nonblock(s),
	       isatty(s), !strncmp(ttyname(s), "/dev/pts/", 9));

	struct later a1[] = { { 200, act_hello, 0 } };
	in_thread("pty-slave-line", slave_line, a1, 1);
	printf("  the master reads the echo '%s'\n", drain_master());

	struct later a2[] = { { 100, act_abc, 0 }, { 300, act_def, 0 } };
	in_thread("pty-slave-pieces", slave_pieces, a2, 2);
	printf("  the master reads the echo '%s'\n", drain_master());

	put(m, "0123456789\n");
	read_show(s, 4, "a line of 11, read of 4", now_ms(), -1);
	read_show(s, 100, "then the rest", now_ms(), -1);
	put(m, "\x04");
	read_show(s, 100, "VEOF on an empty line", now_ms(), -1);
	drain_master();

	struct later a3[] = { { 200, act_out, 0 } };
	in_thread("pty-master-read", master_read, a3, 1);

	struct termios raw = t;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 2;
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	in_thread("pty-raw-vtime", raw_vtime, NULL, 0);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	put(m, "xy");
	read_show(s, 1, "raw, VMIN 1, 'xy' typed, read of 1", now_ms(), -1);
	read_show(s, 100, "then", now_ms(), -1);
	CHECK(tcsetattr(s, TCSANOW, &t) == 0);
	printf("after: O_NONBLOCK master %d slave %d\n", nonblock(m), nonblock(s));

	struct later a4[] = { { 200, act_close_master, 0 } };
	in_thread("pty-eio", slave_eio, a4, 1);
	beat_finish();
	return 0;
}
