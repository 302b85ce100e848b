/* Shows by behaviour which modules are patched. thread: are 8 pthreads 8 OS threads? When threads
 * are green (one OS thread), time: do eight 50 ms sleeps overlap (about 50 ms, not 400)? socket:
 * does a read blocked on a socket let another thread run (the read has SO_RCVTIMEO 200 ms, so an
 * unpatched read returns EAGAIN instead of hanging)? select: the same with poll(200 ms). os: the
 * same with a pipe (a child process writes a byte after 200 ms, so an unpatched read returns then).
 * Prints e.g. "thread=1 time=1 socket=1 select=1 os=1" (only "thread=0" when threads are native). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int sv[2], pp[2];

static void *sleep50(void *a)
{
	usleep(50000);
	return a;
}

static void *sock_writer(void *a)
{
	CHECK(write(sv[1], "x", 1) == 1);
	return a;
}

static void *sock_reader(void *a)
{
	char c;
	return (void *)(long)(read(sv[0], &c, 1) == 1);
}

static void *poller(void *a)
{
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	return (void *)(long)(poll(&p, 1, 200) == 1);
}

static void *pipe_writer(void *a)
{
	CHECK(write(pp[1], "x", 1) == 1);
	return a;
}

/* The in-process writer's 'x' arrives first only if the read let it run. */
static void *pipe_reader(void *a)
{
	char c = 0;
	return (void *)(long)(read(pp[0], &c, 1) == 1 && c == 'x');
}

/* Start `first`, then `second`; 1 if `first` reported success. */
static int race(void *(*first)(void *), void *(*second)(void *))
{
	pthread_t a, b;
	void *r;
	CHECK(pthread_create(&a, NULL, first, NULL) == 0);
	CHECK(pthread_create(&b, NULL, second, NULL) == 0);
	CHECK(pthread_join(a, &r) == 0);
	CHECK(pthread_join(b, NULL) == 0);
	return r != NULL;
}

static int os_race(void)
{
	CHECK(pipe(pp) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) { /* the byte that ends an unpatched read */
		usleep(200000);
		_exit(write(pp[1], "z", 1) == 1 ? 0 : 1);
	}
	int r = race(pipe_reader, pipe_writer);
	if (r) /* its byte is not needed */
		kill(pid, SIGKILL);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && (r || (WIFEXITED(st) && WEXITSTATUS(st) == 0)));
	close(pp[0]), close(pp[1]);
	return r;
}

int main(void)
{
	pthread_t t[8];
	double t0 = now_ms();
	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, sleep50, NULL) == 0);
	int green_threads = os_threads() == 1;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	if (!green_threads) {
		printf("thread=0\n");
		return 0;
	}
	int time_green = now_ms() - t0 < 250;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct timeval tv = { 0, 200000 };
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	int sock_green = race(sock_reader, sock_writer);
	char c;
	while (recv(sv[0], &c, 1, MSG_DONTWAIT) == 1) /* leave the socket empty for the next race */
		;
	int select_green = race(poller, sock_writer);
	int os_green = os_race();
	printf("thread=1 time=%d socket=%d select=%d os=%d\n", time_green, sock_green, select_green, os_green);
	return 0;
}
