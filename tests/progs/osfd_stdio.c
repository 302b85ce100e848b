/* stdin and stdout as the test shell gave them (a pipe or a terminal): a thread blocked in
 * read(0) until the shell sends a line (at about 300 ms) while a heartbeat ticks, the line echoed
 * with write(1); F_GETFL's O_NONBLOCK of both seen before and after, and the shell checks them
 * again once the program has ended (they are its own open files). */
#include <fcntl.h>
#include "watch.h"

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void *reader(void *arg)
{
	char buf[64] = { 0 }, line[160];
	double t0 = now_ms();
	ssize_t n = read(0, buf, sizeof(buf) - 1);
	const char *s = res(n);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	int len = snprintf(line, sizeof(line), "read(0) -> %s '%s', waited for the shell %d\n", s, buf,
			   now_ms() - t0 >= 100);
	CHECK(write(1, line, len) == len);
	return arg;
}

int main(void)
{
	watchdog(10);
	printf("stdin isatty %d O_NONBLOCK %d, stdout isatty %d O_NONBLOCK %d\n", isatty(0), nonblock(0), isatty(1),
	       nonblock(1));
	fflush(stdout);
	beat_start();
	in_thread("stdin-read", reader, NULL, 0);
	printf("after: stdin O_NONBLOCK %d, stdout O_NONBLOCK %d\n", nonblock(0), nonblock(1));
	beat_finish();
	return 0;
}
