/* Helpers shared by the test programs. The programs are ordinary pthread/socket programs: nothing
 * here knows about greenpatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((unused)) static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The absolute time `ms` milliseconds from now on `clk`, for timed waits. */
__attribute__((unused)) static struct timespec in_ms(clockid_t clk, int ms)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

/* Number of OS threads (tasks) of this process right now. */
__attribute__((unused)) static long os_threads(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			v = atol(line + 8);
	if (f)
		fclose(f);
	return v;
}

/* An error number as its name ("EBUSY"), "0" for none; for output compared with the native run. */
__attribute__((unused)) static const char *errname(int e)
{
	static char buf[8][16];
	static int n;
	if (e == 0)
		return "0";
	const char *s = strerrorname_np(e);
	if (s)
		return s;
	n = (n + 1) % 8;
	snprintf(buf[n], sizeof(buf[n]), "err%d", e);
	return buf[n];
}

/* A program made of named parts: run the one argv[1] names; usage (status 2) otherwise. */
struct part {
	const char *name;
	void (*run)(void);
};
__attribute__((unused)) static int run_part(int argc, char **argv, const struct part *parts, int n)
{
	for (int i = 0; argc > 1 && i < n; i++) {
		if (!strcmp(argv[1], parts[i].name)) {
			parts[i].run();
			return 0;
		}
	}
	fprintf(stderr, "usage: %s", argv[0]);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? "|" : " ", parts[i].name);
	fprintf(stderr, "\n");
	return 2;
}

#define CHECK(c)                                                                     \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			exit(99);                                                    \
		}                                                                    \
	} while (0)

/* A soft RLIMIT_NOFILE of at least `want` for a program with many descriptors: below it, raised
 * to 4096 (or the hard limit, if lower). Returns the soft limit then in force. */
#include <sys/resource.h>
__attribute__((unused)) static rlim_t nofile_at_least(rlim_t want)
{
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	}
	return rl.rlim_cur;
}

/* A heartbeat: hb_run in a thread of its own ticks every 10 ms until hb_done is set; tests
 * compare hb_ticks before and after a blocking call to see whether other threads kept running,
 * or bound its longest pause: hb_mark() before the call, hb_gap() after it (a heartbeat that
 * could not run at all during the call pauses for the whole call). It waits hb_tick_ms in usleep,
 * or, with hb_poll set, in poll (for a program run with the time module off). */
#include <poll.h>
#include <unistd.h>
static volatile int hb_done, hb_poll, hb_tick_ms = 10;
static volatile long hb_ticks;
static volatile double hb_last, hb_max;
__attribute__((unused)) static void *hb_run(void *arg)
{
	while (!hb_done) {
		if (hb_poll)
			poll(NULL, 0, hb_tick_ms);
		else
			usleep(hb_tick_ms * 1000);
		double t = now_ms();
		if (hb_last > 0 && t - hb_last > hb_max)
			hb_max = t - hb_last;
		hb_last = t;
		hb_ticks = hb_ticks + 1;
	}
	return arg;
}
__attribute__((unused)) static void hb_mark(void)
{
	hb_max = 0;
	hb_last = now_ms();
}
__attribute__((unused)) static double hb_gap(void)
{
	double open = now_ms() - hb_last;
	return open > hb_max ? open : hb_max;
}

/* The heartbeat in a thread of its own (stdout line-buffered first, for programs whose children
 * print too), and its end. */
#include <pthread.h>
static pthread_t hb_thread;
__attribute__((unused)) static void hb_begin(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(pthread_create(&hb_thread, NULL, hb_run, NULL) == 0);
	usleep(20000);
}
__attribute__((unused)) static void hb_end(void)
{
	hb_done = 1;
	pthread_join(hb_thread, NULL);
}

/* A wait status (or -1 and errno) as one line: "what -> exited 3", "... killed by signal 9". */
#include <errno.h>
#include <sys/wait.h>
__attribute__((unused)) static void print_status(const char *what, int st)
{
	if (st == -1)
		printf("%s -> -1 %s\n", what, errname(errno));
	else if (WIFEXITED(st))
		printf("%s -> exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s -> killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s -> status %#x\n", what, st);
}

/* A TCP connection over 127.0.0.1: *client the connecting end, *server the accepted one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
__attribute__((unused)) static void tcp_loopback_pair(int *client, int *server)
{
	struct sockaddr_in sa; /* no designators: C++ (cxx_common.h) includes this too */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(*client >= 0 && connect(*client, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK((*server = accept(l, NULL, NULL)) >= 0);
	close(l);
}
