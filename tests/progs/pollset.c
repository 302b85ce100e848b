/* poll and select must report the full ready set with the kernel's exact revents: several fds
 * ready at once (data, hang-up, pending connection, writable, closed fd), nothing ready with a
 * timeout, and a wait that another thread ends. Output is compared with the native run. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int data[2], hup[2], quiet[2], lst, late[2];

static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, data) == 0 && write(data[1], "x", 1) == 1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, hup) == 0 && close(hup[1]) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, quiet) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, late) == 0);
	lst = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lst, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lst, 4) == 0);
	CHECK(getsockname(lst, (struct sockaddr *)&a, &len) == 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	usleep(20000);
}

static void *write_late(void *arg)
{
	usleep(50000);
	CHECK(write(late[1], "y", 1) == 1);
	return arg;
}

static void poll_all(void)
{
	struct pollfd p[] = {
		{ data[0], POLLIN, 0 },  { hup[0], POLLIN, 0 }, { quiet[0], POLLIN, 0 },
		{ quiet[0], POLLOUT, 0 }, { lst, POLLIN, 0 },   { 999, POLLIN, 0 },
		{ -1, POLLIN, 0 },
	};
	int n = poll(p, 7, 1000);
	printf("poll full set -> %d:", n);
	for (int i = 0; i < 7; i++)
		printf(" %x", p[i].revents);
	printf("\n");
	struct pollfd q = { quiet[0], POLLIN, 0 };
	double t0 = now_ms();
	n = poll(&q, 1, 100);
	printf("poll nothing, 100 ms -> %d revents %x waited>=90 %d\n", n, q.revents, now_ms() - t0 >= 90);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, write_late, NULL) == 0);
	struct pollfd w[2] = { { quiet[0], POLLIN, 0 }, { late[0], POLLIN, 0 } };
	n = poll(w, 2, 5000);
	printf("poll until another thread writes -> %d: %x %x\n", n, w[0].revents, w[1].revents);
	pthread_join(t, NULL);
	char c;
	CHECK(read(late[0], &c, 1) == 1);
	volatile nfds_t huge = 1u << 30;
	errno = 0;
	n = poll(p, huge, 10);
	printf("poll invalid nfds -> %d %s\n", n, strerror(errno));
}

static void select_all(void)
{
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(data[0], &r), FD_SET(hup[0], &r), FD_SET(quiet[0], &r), FD_SET(lst, &r);
	FD_SET(quiet[0], &w), FD_SET(quiet[0], &e);
	struct timeval tv = { 1, 0 };
	int n = select(lst + 1, &r, &w, &e, &tv);
	printf("select full set -> %d: r %d%d%d%d w %d e %d\n", n, FD_ISSET(data[0], &r), FD_ISSET(hup[0], &r),
	       FD_ISSET(quiet[0], &r), FD_ISSET(lst, &r), FD_ISSET(quiet[0], &w), FD_ISSET(quiet[0], &e));
	FD_ZERO(&r);
	FD_SET(quiet[0], &r);
	tv = (struct timeval){ 0, 100000 };
	n = select(quiet[0] + 1, &r, NULL, NULL, &tv);
	printf("select nothing, 100 ms -> %d set %d tv %ld.%06ld\n", n, FD_ISSET(quiet[0], &r), (long)tv.tv_sec,
	       (long)tv.tv_usec);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, write_late, NULL) == 0);
	FD_ZERO(&r);
	FD_SET(quiet[0], &r), FD_SET(late[0], &r);
	tv = (struct timeval){ 5, 0 };
	n = select(late[0] + 1, &r, NULL, NULL, &tv);
	printf("select until another thread writes -> %d: %d %d, time left > 4 s %d\n", n, FD_ISSET(quiet[0], &r),
	       FD_ISSET(late[0], &r), tv.tv_sec >= 4);
	pthread_join(t, NULL);
	/* A number just closed is inside the kernel's fd table, whatever its size: EBADF. (A number
	 * never opened may be beyond the table, where Linux ignores it; how far the table reaches
	 * depends on what the process inherited, so that case is not compared.) */
	int gone = dup(quiet[0]);
	CHECK(gone >= 0 && close(gone) == 0);
	FD_ZERO(&r);
	FD_SET(gone, &r);
	errno = 0;
	tv = (struct timeval){ 0, 1000 };
	n = select(gone + 1, &r, NULL, NULL, &tv);
	printf("select closed fd -> %d %s\n", n, strerror(errno));
	tv = (struct timeval){ -1, 0 };
	errno = 0;
	n = select(0, NULL, NULL, NULL, &tv);
	printf("select negative timeout -> %d %s\n", n, strerror(errno));
}

/* 100 socket pairs, one in three with data: poll and select see exactly those, from a thread
 * other than the one that wrote, while a third thread sleeps. */
#define PAIRS 100
static int many[PAIRS][2];

static void *poll_many(void *arg)
{
	struct pollfd p[PAIRS];
	for (int i = 0; i < PAIRS; i++)
		p[i] = (struct pollfd){ many[i][0], POLLIN, 0 };
	int n = poll(p, PAIRS, 1000), right = 0;
	for (int i = 0; i < PAIRS; i++)
		right += (p[i].revents == POLLIN) == (i % 3 == 0) && (p[i].revents & ~POLLIN) == 0;
	fd_set r;
	FD_ZERO(&r);
	int maxfd = 0;
	for (int i = 0; i < PAIRS; i++) {
		FD_SET(many[i][0], &r);
		maxfd = many[i][0] > maxfd ? many[i][0] : maxfd;
	}
	struct timeval tv = { 1, 0 };
	int m = select(maxfd + 1, &r, NULL, NULL, &tv), sright = 0;
	for (int i = 0; i < PAIRS; i++)
		sright += !!FD_ISSET(many[i][0], &r) == (i % 3 == 0);
	printf("%d pairs, one in three ready: poll -> %d, %d right; select -> %d, %d right\n", PAIRS, n, right, m,
	       sright);
	return arg;
}

static void *nap(void *arg)
{
	usleep(20000);
	return arg;
}

static void many_ready(void)
{
	for (int i = 0; i < PAIRS; i++) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, many[i]) == 0);
		if (i % 3 == 0)
			CHECK(write(many[i][1], "r", 1) == 1);
	}
	pthread_t a, b;
	CHECK(pthread_create(&b, NULL, nap, NULL) == 0);
	CHECK(pthread_create(&a, NULL, poll_many, NULL) == 0);
	pthread_join(a, NULL), pthread_join(b, NULL);
	for (int i = 0; i < PAIRS; i++)
		close(many[i][0]), close(many[i][1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	poll_all();
	select_all();
	many_ready();
	return 0;
}
