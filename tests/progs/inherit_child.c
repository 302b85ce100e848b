/* The command inherit_check runs: reads a line from stdin (a socket) in one thread while another
 * thread accepts a connection on the inherited listening socket fd 3; echoes the line to stdout. */
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static void *acceptor(void *arg)
{
	CHECK(listen(3, 8) == 0); /* a server may well call listen() again on what it inherited */
	int fd = accept(3, NULL, NULL);
	CHECK(fd >= 0);
	close(fd);
	return arg;
}

int main(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, acceptor, NULL) == 0);
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(write(1, buf, (size_t)n) == n);
	pthread_join(t, NULL);
	return 0;
}
