/* Does a known amount of each thing GREENPATCH_STATS counts: THREADS threads that sleep 10 ms,
 * alive at once; one fsync (the tpool); one read of an empty pipe the program made non-blocking
 * (a call made real); then, alone, one read of a pipe whose data comes 20 ms later (a wait made
 * real: nobody else to run). usage: stats_probe THREADS */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static void *nap(void *arg)
{
	usleep(10000);
	return arg;
}

static void *sync_file(void *arg)
{
	char path[] = "/tmp/gp-stats-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1 && fsync(fd) == 0);
	close(fd);
	unlink(path);
	return arg;
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	int n = atoi(argv[1]);
	pthread_t t[n + 1];
	for (int i = 0; i < n; i++)
		CHECK(pthread_create(&t[i], NULL, nap, NULL) == 0);
	CHECK(pthread_create(&t[n], NULL, sync_file, NULL) == 0);
	for (int i = 0; i <= n; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	int p[2];
	char c;
	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(read(p[0], &c, 1) == -1 && errno == EAGAIN);
	int q[2];
	CHECK(pipe(q) == 0);
	pid_t child = fork();
	if (child == 0) {
		usleep(20000);
		_exit(write(q[1], "y", 1) == 1 ? 0 : 1);
	}
	CHECK(read(q[0], &c, 1) == 1 && c == 'y');
	CHECK(waitpid(child, NULL, 0) == child);
	printf("threads=%d done\n", n + 1);
	return 0;
}
