/* Built with _FORTIFY_SOURCE=2 at -O2, so glibc routes read/recv/recvfrom through __read_chk,
 * __recv_chk and __recvfrom_chk: those doors must be green too. A reader thread blocks in each
 * while the main thread writes after a short sleep; prints what was read and the OS thread count. */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int sv[2];

static void *reader(void *arg)
{
	char buf[8] = { 0 };
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	volatile size_t want = 4; /* not known at compile time: the checking variants are called */
	ssize_t a = read(sv[0], buf, want);
	ssize_t b = recv(sv[0], buf + 1, want, 0);
	ssize_t c = recvfrom(sv[0], buf + 2, want, 0, (struct sockaddr *)&from, &len);
	return (void *)(long)(a == 1 && b == 1 && c == 1 && !memcmp(buf, "abc", 3));
}

int main(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
	for (const char *p = "abc"; *p; p++) {
		usleep(20000);
		CHECK(write(sv[1], p, 1) == 1);
	}
	void *ok;
	pthread_join(t, &ok);
	printf("fortified reads ok=%ld os_threads=%ld\n", (long)ok, os_threads());
	return 0;
}
