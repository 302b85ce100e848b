/* A signal storm during heavy I/O: SIGUSR1 every millisecond (a POSIX timer, or another process
 * calling kill) for 1.5 s while three writer/reader thread pairs stream bytes as fast as they can
 * over a unix socketpair, a pipe and a TCP connection over 127.0.0.1 (a fourth pair over a unix
 * socketpair with SO_RCVTIMEO and SO_SNDTIMEO set). Every byte is a function of its position: the
 * readers check each one and the total the writers sent. EINTR and short writes are handled as a
 * careful program handles them (retry, send the rest), and counted.
 *   restart: handler with SA_RESTART, the timer aimed at main (SIGEV_THREAD_ID: a process-directed
 *     timer signal goes to whichever thread is running when it fires, since Linux 6.3, so under
 *     load main might see none), which sits in poll and nanosleep loops: no read or write is
 *     interrupted, main's poll and nanosleep are (they are never restarted).
 *   workers: SA_RESTART, main blocks SIGUSR1, so the signals land in the I/O threads: calls
 *     without a timeout are restarted (no EINTR), those on the sockets with timeouts may fail with
 *     EINTR (they do natively).
 *   norestart: no SA_RESTART, main blocks SIGUSR1: reads and writes may fail with EINTR or
 *     return short, but nothing is lost, duplicated or reordered.
 *   process: as workers, the signals sent by a child process with kill(2).
 * Prints only what does not depend on timing: each stream intact, EINTR counts that must be 0,
 * whether main's waits were cut short, whether the handler ran at least 100 times (with
 * FAULT_VERBOSE set, the counts of signals, bytes, EINTRs and short writes on stderr). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define RUN_MS 1500
#define NPAIRS 4

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { handled++; }

struct pair {
	const char *name;
	int rd, wr, timed;
	long long sent, got;
	long eintr_rd, eintr_wr, short_wr, bad;
	unsigned char wbuf[65536], rbuf[65536];
};
static struct pair pairs[NPAIRS];
static volatile int stop_writing;

static unsigned char byte_at(long long pos)
{
	return (unsigned char)((pos * 2654435761u) >> 13);
}

static void *writer(void *arg)
{
	struct pair *p = arg;
	unsigned char *buf = p->wbuf;
	for (unsigned k = 0; !stop_writing; k++) {
		size_t n = 1 + (k * 7919u) % sizeof(p->wbuf);
		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(p->sent + (long long)i);
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(p->wr, buf + off, n - off);
			if (w < 0 && errno == EINTR) {
				p->eintr_wr++;
				continue;
			}
			if (w <= 0) {
				printf("%s: write: %s\n", p->name, w < 0 ? errname(errno) : "0");
				p->bad++;
				p->sent += (long long)off;
				goto out;
			}
			if ((size_t)w < n - off)
				p->short_wr++;
			off += (size_t)w;
		}
		p->sent += (long long)n;
	}
out:
	close(p->wr);
	return NULL;
}

static void *reader(void *arg)
{
	struct pair *p = arg;
	unsigned char *buf = p->rbuf;
	for (unsigned k = 0;; k++) {
		size_t n = 1 + (k * 104729u) % sizeof(p->rbuf);
		ssize_t r = read(p->rd, buf, n);
		if (r < 0 && errno == EINTR) {
			p->eintr_rd++;
			continue;
		}
		if (r < 0) {
			printf("%s: read: %s\n", p->name, errname(errno));
			p->bad++;
			break;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			p->bad += buf[i] != byte_at(p->got + i);
		p->got += r;
	}
	close(p->rd);
	return NULL;
}

static void setup_pairs(void)
{
	int sv[2], pp[2], t[2], tm[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(pp) == 0);
	tcp_loopback_pair(&t[0], &t[1]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, tm) == 0);
	struct timeval tv = { 5, 0 };
	CHECK(setsockopt(tm[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(setsockopt(tm[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	pairs[0] = (struct pair){ .name = "unix stream", .rd = sv[1], .wr = sv[0] };
	pairs[1] = (struct pair){ .name = "pipe", .rd = pp[0], .wr = pp[1] };
	pairs[2] = (struct pair){ .name = "tcp", .rd = t[1], .wr = t[0] };
	pairs[3] = (struct pair){ .name = "unix stream with timeouts", .rd = tm[1], .wr = tm[0], .timed = 1 };
}

static timer_t storm_timer;
static pid_t storm_child = -1;

static void storm_start(int by_process, int at_main)
{
	if (by_process) {
		pid_t parent = getpid();
		storm_child = fork();
		CHECK(storm_child >= 0);
		if (storm_child == 0) {
			closefrom(3); /* the streams' ends: their readers must see EOF when the writers close */
			for (;;) {
				if (kill(parent, SIGUSR1) < 0)
					_exit(0);
				usleep(1000);
			}
		}
		return;
	}
	struct sigevent se = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	if (at_main) { /* called by main */
		se.sigev_notify = SIGEV_THREAD_ID;
		se._sigev_un._tid = gettid();
	}
	CHECK(timer_create(CLOCK_MONOTONIC, &se, &storm_timer) == 0);
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	CHECK(timer_settime(storm_timer, 0, &its, NULL) == 0);
}

static void storm_stop(void)
{
	if (storm_child > 0) {
		kill(storm_child, SIGKILL);
		waitpid(storm_child, NULL, 0);
		return;
	}
	timer_delete(storm_timer);
}

/* main, natively the target of every signal when it does not block them: waits that are never
 * restarted (poll, nanosleep) until the writers stop. */
static void main_waits(long *poll_eintr, long *sleep_eintr)
{
	int idle[2];
	CHECK(pipe(idle) == 0);
	double end = now_ms() + RUN_MS;
	while (now_ms() < end) {
		struct pollfd p = { .fd = idle[0], .events = POLLIN };
		if (poll(&p, 1, 20) < 0 && errno == EINTR)
			(*poll_eintr)++;
		struct timespec ts = { 0, 5000000 };
		if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
			(*sleep_eintr)++;
	}
	close(idle[0]), close(idle[1]);
}

static void storm(int restart, int main_blocks, int by_process)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	signal(SIGPIPE, SIG_IGN);
	setup_pairs();
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_t w[NPAIRS], r[NPAIRS];
	for (int i = 0; i < NPAIRS; i++) {
		CHECK(pthread_create(&r[i], NULL, reader, &pairs[i]) == 0);
		CHECK(pthread_create(&w[i], NULL, writer, &pairs[i]) == 0);
	}
	if (main_blocks) /* after the threads are made: they keep SIGUSR1 unblocked */
		CHECK(pthread_sigmask(SIG_BLOCK, &usr1, NULL) == 0);
	storm_start(by_process, !main_blocks);
	long poll_eintr = 0, sleep_eintr = 0;
	if (main_blocks)
		usleep(RUN_MS * 1000);
	else
		main_waits(&poll_eintr, &sleep_eintr);
	stop_writing = 1;
	for (int i = 0; i < NPAIRS; i++) {
		pthread_join(w[i], NULL);
		pthread_join(r[i], NULL);
	}
	storm_stop();
	long untimed_eintr = 0;
	for (int i = 0; i < NPAIRS; i++) {
		struct pair *p = &pairs[i];
		printf("%s: %s\n", p->name,
		       p->got == p->sent && !p->bad && p->sent > 0 ? "every byte arrived, in order" : "BYTES LOST OR WRONG");
		if (!p->timed)
			untimed_eintr += p->eintr_rd + p->eintr_wr;
	}
	if (restart)
		printf("EINTR in reads and writes without a timeout: %ld\n", untimed_eintr);
	if (!main_blocks)
		printf("main's poll cut short: %s, its nanosleep cut short: %s\n", poll_eintr ? "yes" : "no",
		       sleep_eintr ? "yes" : "no");
	printf("the handler ran at least 100 times: %s\n", handled >= 100 ? "yes" : "no");
	if (!getenv("FAULT_VERBOSE")) /* the figures that vary from run to run, on request */
		return;
	fprintf(stderr, "fault_signal: %ld signals handled; main: %ld poll and %ld nanosleep EINTRs\n", (long)handled,
		poll_eintr, sleep_eintr);
	for (int i = 0; i < NPAIRS; i++)
		fprintf(stderr, "fault_signal: %s: %lld bytes, %ld+%ld EINTR (read+write), %ld short writes\n",
			pairs[i].name, pairs[i].sent, pairs[i].eintr_rd, pairs[i].eintr_wr, pairs[i].short_wr);
}

static void restart(void) { storm(1, 0, 0); }
static void workers(void) { storm(1, 1, 0); }
static void norestart(void) { storm(0, 1, 0); }
static void process(void) { storm(1, 1, 1); }

int main(int argc, char **argv)
{
	static const struct part parts[] = { { "restart", restart }, { "workers", workers },
					     { "norestart", norestart }, { "process", process } };
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(25);
	return run_part(argc, argv, parts, 4);
}
