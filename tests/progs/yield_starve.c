/* A thread spins on sched_yield() until a flag is set by a thread that first has to receive a
 * byte from a socket, sent by a third thread after a sleep: the spinning must not starve the I/O.
 * usage: yield_starve [old]  ("old": spin on pthread_yield@GLIBC_2.2.5, the deprecated name old
 * binaries call; today's header redirects it to sched_yield and new links cannot bind it) */
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static volatile int flag;
static int sv[2];
static long spins;
static int (*yield)(void) = sched_yield;
int old_yield(void); /* pthread_yield@GLIBC_2.2.5, bound as an old binary binds it */
__asm__(".symver old_yield,pthread_yield@GLIBC_2.2.5");

static void *spinner(void *arg)
{
	while (!flag) {
		yield();
		spins++;
	}
	return arg;
}

static void *reader(void *arg)
{
	char c;
	CHECK(read(sv[0], &c, 1) == 1);
	flag = 1;
	return arg;
}

static void *writer(void *arg)
{
	usleep(50000);
	CHECK(write(sv[1], "x", 1) == 1);
	return arg;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "old"))
		yield = old_yield;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t a, b, c;
	double t0 = now_ms();
	CHECK(pthread_create(&a, NULL, spinner, NULL) == 0);
	CHECK(pthread_create(&b, NULL, reader, NULL) == 0);
	CHECK(pthread_create(&c, NULL, writer, NULL) == 0);
	pthread_join(a, NULL), pthread_join(b, NULL), pthread_join(c, NULL);
	printf("flag set after %.0f ms, spinner yielded %s, os_threads=%ld\n", now_ms() - t0,
	       spins > 0 ? "yes" : "no", os_threads());
	return 0;
}
