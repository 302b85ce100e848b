/* signalfd: SIGUSR1, SIGUSR2 and SIGRTMIN blocked in every thread; a thread blocked reading the
 * signalfd gets a kill(getpid()) (SI_USER, our pid and uid), a sigqueue with a value (SI_QUEUE),
 * a pthread_kill aimed at it (SI_TKILL), each sent by the helper thread at 200 ms while a
 * heartbeat ticks; a signal aimed at another thread is not the reader's (its poll times out; the
 * target thread reads it); two pending signals in one read, lowest first; the errors (a short
 * buffer, EAGAIN when non-blocking); F_GETFL's O_NONBLOCK before and after. */
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include "watch.h"

static int sfd;
static pthread_t reader_thread, main_thread;

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void act_kill(long sig) { CHECK(kill(getpid(), (int)sig) == 0); }
static void act_queue(long sig) { CHECK(sigqueue(getpid(), (int)sig, (union sigval){ .sival_int = 42 }) == 0); }
static void act_tkill_reader(long sig) { CHECK(pthread_kill(reader_thread, (int)sig) == 0); }
static void act_tkill_main(long sig) { CHECK(pthread_kill(main_thread, (int)sig) == 0); }

static void show(const char *what, const char *s, const struct signalfd_siginfo *si)
{
	printf("%s -> %s: signo %u code %d pid ours %d uid ours %d int %d\n", what, s, si->ssi_signo, si->ssi_code,
	       si->ssi_pid == (uint32_t)getpid(), si->ssi_uid == getuid(), si->ssi_int);
}

static void *read_kill(void *arg)
{
	struct signalfd_siginfo si = { 0 };
	show("read, kill(getpid(), SIGUSR1) at 200 ms", res(read(sfd, &si, sizeof(si))), &si);
	return arg;
}

static void *read_queue(void *arg)
{
	struct signalfd_siginfo si = { 0 };
	show("read, sigqueue(getpid(), SIGRTMIN, 42) at 200 ms", res(read(sfd, &si, sizeof(si))), &si);
	return arg;
}

static void *read_tkill(void *arg)
{
	struct signalfd_siginfo si = { 0 };
	reader_thread = pthread_self();
	show("read, pthread_kill(reader, SIGUSR2) at 200 ms", res(read(sfd, &si, sizeof(si))), &si);
	return arg;
}

static void *poll_other(void *arg)
{
	struct pollfd p = { sfd, POLLIN, 0 };
	const char *s = res(poll(&p, 1, 400));
	printf("poll in another thread, pthread_kill(main, SIGUSR2) at 100 ms -> %s revents %x\n", s, p.revents);
	return arg;
}

int main(void)
{
	watchdog(10);
	main_thread = pthread_self();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);
	beat_start();
	sfd = signalfd(-1, &set, 0);
	CHECK(sfd >= 0);
	printf("signalfd(-1, {USR1, USR2, RTMIN}, 0): O_NONBLOCK %d\n", nonblock(sfd));

	struct later k[] = { { 200, act_kill, SIGUSR1 } };
	in_thread("signalfd-kill", read_kill, k, 1);
	struct later q[] = { { 200, act_queue, 0 } };
	q[0].arg = SIGRTMIN;
	in_thread("signalfd-sigqueue", read_queue, q, 1);
	struct later t[] = { { 200, act_tkill_reader, SIGUSR2 } };
	in_thread("signalfd-tkill", read_tkill, t, 1);

	struct later m[] = { { 100, act_tkill_main, SIGUSR2 } };
	in_thread("signalfd-other-thread", poll_other, m, 1);
	struct signalfd_siginfo si = { 0 };
	show("then main reads it", res(read(sfd, &si, sizeof(si))), &si);

	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	struct signalfd_siginfo two[2];
	memset(two, 0, sizeof(two));
	const char *s = res(read(sfd, two, sizeof(two)));
	printf("two pending, read with room for two -> %s: signo %u then %u\n", s, two[0].ssi_signo, two[1].ssi_signo);

	char small[8];
	CHECK(kill(getpid(), SIGUSR1) == 0);
	s = res(read(sfd, small, sizeof(small)));
	printf("read with an 8-byte buffer, USR1 pending -> %s\n", s);
	s = res(read(sfd, &si, sizeof(si)));
	printf("then with room -> %s signo %u\n", s, si.ssi_signo);
	int nb = signalfd(-1, &set, SFD_NONBLOCK);
	printf("SFD_NONBLOCK: O_NONBLOCK %d", nonblock(nb));
	s = res(read(nb, &si, sizeof(si)));
	printf(", read with nothing pending -> %s\n", s);
	printf("after: O_NONBLOCK %d\n", nonblock(sfd));
	beat_finish();
	return 0;
}
