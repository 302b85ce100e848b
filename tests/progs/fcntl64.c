/* Built with _FILE_OFFSET_BITS=64, so glibc routes fcntl through fcntl64 (as large-file builds
 * are): the program's own view of O_NONBLOCK on a listening socket and on a connected one, and a
 * blocking accept that another thread ends, behave as natively. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static struct sockaddr_in a;

static void *connect_late(void *arg)
{
	usleep(50000);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	return (void *)(long)c;
}

int main(void)
{
	socklen_t len = sizeof(a);
	a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 8) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	printf("listening: O_NONBLOCK %d\n", !!(fcntl(l, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK) == 0);
	printf("set: O_NONBLOCK %d\n", !!(fcntl(l, F_GETFL) & O_NONBLOCK));
	errno = 0;
	int r = accept(l, NULL, NULL);
	printf("accept, none pending: %d %s\n", r, strerror(errno));
	CHECK(fcntl(l, F_SETFL, fcntl(l, F_GETFL) & ~O_NONBLOCK) == 0);
	printf("cleared: O_NONBLOCK %d\n", !!(fcntl(l, F_GETFL) & O_NONBLOCK));
	pthread_t t;
	CHECK(pthread_create(&t, NULL, connect_late, NULL) == 0);
	int fd = accept(l, NULL, NULL);
	void *c;
	pthread_join(t, &c);
	printf("blocking accept: %d, accepted socket O_NONBLOCK %d\n", fd >= 0, !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND) == 0);
	char ch;
	errno = 0;
	r = (int)read(fd, &ch, 1);
	printf("accepted socket set non-blocking: O_NONBLOCK %d, read %d %s\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK), r,
	       strerror(errno));
	int before = fcntl(fd, F_GETFD), set = fcntl(fd, F_SETFD, FD_CLOEXEC), after = fcntl(fd, F_GETFD);
	printf("F_GETFD %d, F_SETFD FD_CLOEXEC %d, F_GETFD %d\n", before, set, after);
	close(fd), close((int)(long)c), close(l);
	return 0;
}
