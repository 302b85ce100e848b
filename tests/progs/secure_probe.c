/* What an observer sees of a small program that does a little of what servers do: four threads
 * that sleep while it counts the process's OS threads (natively 5; 1 when its threads are green),
 * two threads passing bytes through a pipe and a unix socketpair, a poll, a sleep. It also says
 * whether it runs set-user-ID (euid != uid) and whether a library named libgreenpatch is mapped
 * into it (/proc/self/maps): the tests run it under strace, and set-user-ID under another user,
 * to see what the preload opens and whether the dynamic loader lets it in at all. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static void *nap(void *arg)
{
	usleep(200000);
	return arg;
}

static int pp[2], sv[2];

static void *echo(void *arg)
{
	char buf[16];
	ssize_t n = read(pp[0], buf, sizeof(buf));
	if (n > 0 && write(sv[1], buf, (size_t)n) == n)
		return (void *)n;
	return NULL;
}

static int mapped(const char *name)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("set-user-ID: %s\n", geteuid() != getuid() ? "yes" : "no");
	printf("libgreenpatch mapped: %s\n", mapped("libgreenpatch") ? "yes" : "no");
	pthread_t t[4], e;
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, nap, NULL) == 0);
	usleep(50000);
	printf("OS threads while 4 threads sleep: %ld\n", os_threads());
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(pipe(pp) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pthread_create(&e, NULL, echo, NULL) == 0);
	usleep(20000);
	CHECK(write(pp[1], "ping", 4) == 4);
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	int r = poll(&p, 1, 3000);
	char buf[16] = "";
	ssize_t n = read(sv[0], buf, sizeof(buf) - 1);
	void *got;
	pthread_join(e, &got);
	printf("poll: %d, the echo: %s\n", r, n == 4 && !memcmp(buf, "ping", 4) && got ? "ping" : "WRONG");
	return 0;
}
