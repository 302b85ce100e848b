/* A daemon-style start: threads already talk over a socket (so the runtime has descriptors of its
 * own), then the program closes every descriptor from 3 with closefrom() and close_range(), and
 * goes on with new sockets between threads. Prints which descriptors were left and whether the
 * threads still work. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int sv[2];

static void *echo_once(void *arg)
{
	char c;
	CHECK(read(sv[1], &c, 1) == 1);
	CHECK(write(sv[1], &c, 1) == 1);
	return arg;
}

static int round_trip(void)
{
	pthread_t t;
	char c = 'x';
	CHECK(pthread_create(&t, NULL, echo_once, NULL) == 0);
	usleep(10000);
	CHECK(write(sv[0], &c, 1) == 1);
	c = 0;
	int ok = read(sv[0], &c, 1) == 1 && c == 'x';
	pthread_join(t, NULL);
	return ok;
}

static int open_count(int from, int to)
{
	int n = 0;
	for (int fd = from; fd < to; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

int main(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	printf("before: round trip %d\n", round_trip());
	closefrom(3);
	printf("after closefrom(3): fds 3..99 open %d\n", open_count(3, 100));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	printf("new socketpair got fds %d %d, round trip %d\n", sv[0], sv[1], round_trip());
	printf("close_range(3, ~0) -> %d\n", close_range(3, ~0u, 0));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	printf("again fds %d %d, round trip %d\n", sv[0], sv[1], round_trip());
	return 0;
}
