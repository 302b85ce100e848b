/* K threads blocked in accept() on one listening socket while the main thread makes 10*K
 * connections: every connection is accepted once; prints how the accepts were shared.
 * usage: acceptors K */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int l, *served;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *acceptor(void *arg)
{
	for (;;) {
		int fd = accept(l, NULL, NULL);
		if (fd < 0)
			return NULL;
		served[(long)arg]++;
		pthread_mutex_lock(&m);
		total++;
		pthread_mutex_unlock(&m);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int k = argc > 1 ? atoi(argv[1]) : 10, conns = 10 * k;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4096) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	served = calloc((size_t)k, sizeof(*served));
	pthread_t *t = calloc((size_t)k, sizeof(*t));
	for (long i = 0; i < k; i++)
		CHECK(pthread_create(&t[i], NULL, acceptor, (void *)i) == 0);
	usleep(20000);
	for (int i = 0; i < conns; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
		close(c);
		if (i % 10 == 9)
			usleep(1000);
	}
	for (int i = 0; i < 200 && total < conns; i++)
		usleep(10000);
	int min = conns, max = 0, idle = 0;
	for (int i = 0; i < k; i++) {
		min = served[i] < min ? served[i] : min;
		max = served[i] > max ? served[i] : max;
		idle += served[i] == 0;
	}
	printf("acceptors=%d accepted=%ld min=%d max=%d idle=%d os_threads=%ld\n", k, total, min, max, idle,
	       os_threads());
	return 0;
}
