/* Runs a command with a socket as its stdin and stdout and a listening socket as fd 3, the way a
 * shell, inetd or systemd hands descriptors over, then reports whether the command left
 * O_NONBLOCK set on any of those open files (they are shared with this process). The command is
 * run under LD_PRELOAD=$INHERIT_PRELOAD when that is set; this program itself runs natively.
 * With -k the command gets no input: while it waits in read() and accept() the flags are read
 * (the open files are shared, so they must not change even for a while), then it is killed with
 * SIGKILL (no exit handler can restore anything) and the flags are read again.
 * usage: inherit_check [-k] CMD [ARGS] */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static int kill_mode(pid_t pid, int stdin_sock, int l)
{
	usleep(300000); /* the command is blocked in read(0) and accept(3) by now */
	int during_in = nonblock(stdin_sock), during_l = nonblock(l);
	CHECK(kill(pid, SIGKILL) == 0);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("killed=%d during: stdin_nonblock=%d listen_nonblock=%d after: stdin_nonblock=%d listen_nonblock=%d\n",
	       WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, during_in, during_l, nonblock(stdin_sock), nonblock(l));
	return 0;
}

int main(int argc, char **argv)
{
	int kill_it = argc > 1 && !strcmp(argv[1], "-k");
	argv += kill_it, argc -= kill_it;
	int sv[2], l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	CHECK(argc > 1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 8) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sv[1], 0), dup2(sv[1], 1), dup2(l, 3);
		if (getenv("INHERIT_PRELOAD"))
			setenv("LD_PRELOAD", getenv("INHERIT_PRELOAD"), 1);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (kill_it)
		return kill_mode(pid, sv[1], l);
	usleep(100000);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(write(sv[0], "hello\n", 6) == 6);
	shutdown(sv[0], SHUT_WR);
	char buf[256];
	ssize_t n = read(sv[0], buf, sizeof(buf) - 1);
	int st;
	waitpid(pid, &st, 0);
	buf[n > 0 ? n : 0] = 0;
	printf("child said: %s", buf);
	printf("exit=%d stdin_nonblock=%d listen_nonblock=%d\n", WEXITSTATUS(st), nonblock(sv[1]), nonblock(l));
	return 0;
}
