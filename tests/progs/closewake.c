/* Threads blocked reading a socket another thread closes: under greenpatch they wake with EBADF
 * (natively Linux leaves them blocked, so this program only runs under the preload). Then the fd
 * number is reused at once by a new socket: a waiter on the new socket is not woken by anything
 * that belonged to the old one. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int sv[2];

static void *reader(void *arg)
{
	char c;
	ssize_t n = read(sv[0], &c, 1);
	return (void *)(long)(n < 0 ? errno : 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	usleep(20000);
	int old = sv[0];
	CHECK(close(sv[0]) == 0);
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("reader %d: %s\n", i, strerror((int)(long)r));
	}
	int nv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, nv) == 0);
	printf("fd reused: %s\n", nv[0] == old ? "yes" : "no");
	sv[0] = nv[0];
	pthread_t r2;
	CHECK(pthread_create(&r2, NULL, reader, NULL) == 0);
	usleep(50000);
	(void)!write(sv[1], "x", 1); /* the old peer (EPIPE): must not wake the new reader */
	usleep(50000);
	CHECK(write(nv[1], "y", 1) == 1);
	void *r;
	pthread_join(r2, &r);
	printf("new reader: %s\n", r ? strerror((int)(long)r) : "got its byte");
	return 0;
}
