/* A thread-per-connection echo server and N client threads in one process: each client does 50
 * round trips of 512 bytes and checks every byte. Prints the OS thread count at the peak and the
 * number of bad round trips. usage: echo_mt N */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static struct sockaddr_in addr;
static volatile long peak_threads;

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		CHECK(write(fd, buf, (size_t)n) == n);
	close(fd);
	return NULL;
}

static void *acceptor(void *arg)
{
	int l = (int)(long)arg;
	for (;;) {
		int fd = accept(l, NULL, NULL);
		if (fd < 0)
			return NULL;
		pthread_t t;
		CHECK(pthread_create(&t, NULL, serve, (void *)(long)fd) == 0);
		pthread_detach(t);
	}
}

static void *client(void *arg)
{
	long id = (long)arg, bad = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	char out[512], in[512];
	for (int r = 0; r < 50; r++) {
		memset(out, (int)(id * 7 + r), sizeof(out));
		CHECK(write(fd, out, sizeof(out)) == (ssize_t)sizeof(out));
		size_t got = 0;
		while (got < sizeof(in)) {
			ssize_t n = read(fd, in + got, sizeof(in) - got);
			CHECK(n > 0);
			got += (size_t)n;
		}
		bad += memcmp(in, out, sizeof(in)) != 0;
		if (r == 25 && os_threads() > peak_threads)
			peak_threads = os_threads();
	}
	close(fd);
	return (void *)bad;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	CHECK(bind(l, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(l, 1024) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&addr, &len) == 0);
	pthread_t a, *c = calloc((size_t)n, sizeof(*c));
	CHECK(pthread_create(&a, NULL, acceptor, (void *)(long)l) == 0);
	for (long i = 0; i < n; i++)
		CHECK(pthread_create(&c[i], NULL, client, (void *)i) == 0);
	long bad = 0;
	for (int i = 0; i < n; i++) {
		void *r;
		CHECK(pthread_join(c[i], &r) == 0);
		bad += (long)r;
	}
	printf("clients=%d bad=%ld peak_os_threads=%ld\n", n, bad, peak_threads);
	return 0;
}
