/* Counts the lines on stdin, then reports whether stdin (a pipe shared with the previous stage of
 * a shell pipeline) has O_NONBLOCK set: a stage run under the preload must leave it as it was. */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
	char buf[65536];
	long lines = 0;
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	printf("lines=%ld stdin_nonblock=%d\n", lines, !!(fcntl(0, F_GETFL) & O_NONBLOCK));
	return n < 0;
}
