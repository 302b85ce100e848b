/* The terminal of a test shell, for osfd_stdio: runs CMD with stdin, stdout and stderr on the
 * slave of a new pseudo-terminal (its controlling terminal, echo off), types "ping\n" on the
 * master after DELAY_MS, prints what CMD wrote (\r dropped), then CMD's exit status and whether the
 * slave's open file (shared with CMD's descriptors) and the master are O_NONBLOCK once CMD ended.
 * Run natively: it is the harness, not the program under test. Gives up after 20 s.
 * usage: osfd_ptyrun DELAY_MS CMD [ARGS...] */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include "common.h"

static void copy_out(int m, int ms)
{
	char buf[512];
	struct pollfd p = { m, POLLIN, 0 };
	while (poll(&p, 1, ms) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(m, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != '\r')
				putchar(buf[i]);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: osfd_ptyrun DELAY_MS CMD [ARGS...]\n");
		return 2;
	}
	int m, s, status = -1;
	CHECK(openpty(&m, &s, NULL, NULL, NULL) == 0);
	struct termios t;
	CHECK(tcgetattr(s, &t) == 0);
	t.c_lflag &= ~(ECHO | ECHONL);
	CHECK(tcsetattr(s, TCSANOW, &t) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		setsid();
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		close(m);
		if (s > 2)
			close(s);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	double t0 = now_ms();
	copy_out(m, atoi(argv[1]));
	CHECK(write(m, "ping\n", 5) == 5);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		copy_out(m, 50);
		if (now_ms() - t0 > 20000) {
			kill(pid, SIGKILL);
			printf("ptyrun: gave up after 20 s\n");
		}
	}
	copy_out(m, 50);
	printf("ptyrun: exit status %d, slave O_NONBLOCK after %d, master %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), !!(fcntl(s, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(m, F_GETFL) & O_NONBLOCK));
	return 0;
}
