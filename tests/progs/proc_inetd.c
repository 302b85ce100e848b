/* An inetd-style server in one process: main accepts on 127.0.0.1 and forks a child per
 * connection, which echoes one line and exits; a reaper thread reaps every child with
 * waitpid(-1) in a loop; 20 client threads connect at once. Prints how many clients got their
 * echo, how many children were reaped with status 0, and the most OS threads the server had. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define CLIENTS 20

static struct sockaddr_in addr;
static volatile int echoed, reaped_ok;
static long max_threads;

static void timeouts(int fd)
{
	struct timeval tv = { 10, 0 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
}

static void *client(void *arg)
{
	int i = (int)(long)arg, fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	timeouts(fd);
	CHECK(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	char msg[32], buf[32] = { 0 };
	int n = snprintf(msg, sizeof(msg), "hello %d\n", i);
	CHECK(write(fd, msg, (size_t)n) == n);
	ssize_t got = 0, r;
	while (got < n && (r = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += r;
	if (got == n && !memcmp(buf, msg, (size_t)n))
		__atomic_add_fetch(&echoed, 1, __ATOMIC_RELAXED);
	close(fd);
	return NULL;
}

/* The child: one line back after a while (the children overlap), then exit. */
static void serve(int conn)
{
	timeouts(conn);
	usleep(50000);
	char buf[64];
	ssize_t got = 0, r;
	while ((r = read(conn, buf + got, sizeof(buf) - (size_t)got)) > 0) {
		got += r;
		if (buf[got - 1] == '\n')
			break;
	}
	_exit(got > 0 && write(conn, buf, (size_t)got) == got ? 0 : 1);
}

static void *reaper(void *arg)
{
	for (int reaped = 0; reaped < CLIENTS;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p > 0) {
			reaped++;
			reaped_ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
		} else {
			CHECK(errno == ECHILD); /* none running right now */
			usleep(5000);
		}
	}
	return arg;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(25); /* a hang ends the program instead of the test's timeout */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0);
	addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	CHECK(bind(ls, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(ls, 64) == 0);
	CHECK(getsockname(ls, (struct sockaddr *)&addr, &len) == 0);
	pthread_t r, c[CLIENTS];
	CHECK(pthread_create(&r, NULL, reaper, NULL) == 0);
	for (long i = 0; i < CLIENTS; i++)
		CHECK(pthread_create(&c[i], NULL, client, (void *)i) == 0);
	for (int i = 0; i < CLIENTS; i++) {
		int conn = accept(ls, NULL, NULL);
		CHECK(conn >= 0);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			close(ls);
			serve(conn);
		}
		close(conn);
		long n = os_threads();
		max_threads = n > max_threads ? n : max_threads;
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(c[i], NULL);
	pthread_join(r, NULL);
	printf("clients echoed %d, children reaped with status 0 %d\n", echoed, reaped_ok);
	printf("most OS threads while serving %ld\n", max_threads);
	return 0;
}
