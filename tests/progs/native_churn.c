/* Creates 2000 threads one after another, each sleeping briefly and reading one byte from a
 * socketpair; prints how many descriptors the process has before and after. With pthreads native
 * (GREENPATCH_THREAD=0) every thread is its own hub under greenpatch: ending threads must leave
 * nothing behind. */
#include <dirent.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void *worker(void *arg)
{
	int *sv = arg;
	char c;
	usleep(100);
	CHECK(write(sv[1], "x", 1) == 1);
	CHECK(read(sv[0], &c, 1) == 1);
	return NULL;
}

int main(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	int before = open_fds();
	for (int i = 0; i < 2000; i++) {
		pthread_t t;
		CHECK(pthread_create(&t, NULL, worker, sv) == 0);
		CHECK(pthread_join(t, NULL) == 0);
	}
	printf("fds before=%d after=%d\n", before, open_fds());
	return 0;
}
