/* select with nfds above FD_SETSIZE (1024), as programs with many descriptors do: RLIMIT_NOFILE
 * raised, a socket dup'd to fd 1500 and its peer to 1501, the sets heap-allocated arrays of
 * fd_set. Ready and writable bits, a timeout (tv updated by Linux), a wait that a helper thread
 * ends at 300 ms while a heartbeat ticks, bits at or above nfds ignored, EBADF for a closed fd in
 * the set; pselect the same. */
#include <sys/select.h>
#include <sys/socket.h>
#include "watch.h"

#define RFD 1500
#define WFD 1501
#define WORDS (2048 / (8 * sizeof(unsigned long)))

static unsigned long *set_new(void)
{
	unsigned long *s = calloc(2, sizeof(fd_set)); /* room for fds 0..2047 */
	CHECK(s);
	return s;
}
static void set_bit(unsigned long *s, int fd) { s[fd / (8 * sizeof(long))] |= 1UL << (fd % (8 * sizeof(long))); }
static int has_bit(unsigned long *s, int fd) { return !!(s[fd / (8 * sizeof(long))] & (1UL << (fd % (8 * sizeof(long))))); }
static int count(unsigned long *s)
{
	int n = 0;
	for (size_t i = 0; i < WORDS; i++)
		n += __builtin_popcountl(s[i]);
	return n;
}
static void drain(int fd)
{
	char c;
	while (recv(fd, &c, 1, MSG_DONTWAIT) == 1)
		;
}
static void clear(unsigned long *s) { memset(s, 0, 2 * sizeof(fd_set)); }

int main(void)
{
	watchdog(20);
	printf("RLIMIT_NOFILE soft >= 2048: %d\n", nofile_at_least(2048) >= 2048);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(dup2(sv[0], RFD) == RFD && dup2(sv[1], WFD) == WFD);
	close(sv[0]);
	close(sv[1]);
	unsigned long *r = set_new(), *w = set_new();
	struct timeval tv = { 0, 0 };
	const char *s;
	beat_start();

	set_bit(r, RFD);
	set_bit(w, WFD);
	s = res(select(WFD + 1, (fd_set *)r, (fd_set *)w, NULL, &tv));
	printf("select nfds %d, read {%d} write {%d}, no wait -> %s: read %d write %d, bits set %d\n", WFD + 1, RFD,
	       WFD, s, has_bit(r, RFD), has_bit(w, WFD), count(r) + count(w));

	clear(r);
	clear(w);
	set_bit(r, RFD);
	tv = (struct timeval){ 0, 100000 };
	double t0 = now_ms();
	s = res(select(RFD + 1, (fd_set *)r, NULL, NULL, &tv));
	printf("select nfds %d, read {%d}, nothing ready, 100 ms -> %s, bits set %d, tv %ld.%06ld, waited>=90 %d\n",
	       RFD + 1, RFD, s, count(r), (long)tv.tv_sec, (long)tv.tv_usec, now_ms() - t0 >= 90);

	clear(r);
	set_bit(r, RFD);
	struct later a[] = { { 300, act_write, WFD } };
	later_start(a, 1);
	tv = (struct timeval){ 3, 0 };
	beat_begin();
	t0 = now_ms();
	s = res(select(RFD + 1, (fd_set *)r, NULL, NULL, &tv));
	double took = now_ms() - t0;
	beat_end("select-1501");
	later_stop();
	printf("select nfds %d, read {%d}, a byte at 300 ms -> %s: read %d, bits set %d, after the byte %d, tv left "
	       "2-3 s %d\n",
	       RFD + 1, RFD, s, has_bit(r, RFD), count(r), took >= 250 && took < 2000,
	       tv.tv_sec == 2 || (tv.tv_sec == 3 && tv.tv_usec == 0));

	drain(RFD);
	CHECK(write(WFD, "x", 1) == 1);
	clear(r);
	set_bit(r, RFD);
	set_bit(r, 1700); /* at or above nfds: not looked at */
	tv = (struct timeval){ 0, 0 };
	s = res(select(RFD + 1, (fd_set *)r, NULL, NULL, &tv));
	printf("select nfds %d, read {%d, 1700 (>= nfds)}, data ready -> %s: read %d, 1700 %d\n", RFD + 1, RFD, s,
	       has_bit(r, RFD), has_bit(r, 1700));

	clear(r);
	set_bit(r, RFD);
	set_bit(r, 1600); /* never opened */
	tv = (struct timeval){ 0, 0 };
	s = res(select(1601, (fd_set *)r, NULL, NULL, &tv));
	printf("select nfds 1601, read {%d, 1600 (not open)} -> %s\n", RFD, s);

	drain(RFD);
	clear(r);
	set_bit(r, RFD);
	later_start(a, 1);
	struct timespec ts = { 3, 0 };
	sigset_t none;
	sigemptyset(&none);
	beat_begin();
	t0 = now_ms();
	s = res(pselect(RFD + 1, (fd_set *)r, NULL, NULL, &ts, &none));
	took = now_ms() - t0;
	beat_end("pselect-1501");
	later_stop();
	printf("pselect nfds %d, read {%d}, a byte at 300 ms -> %s: read %d, bits set %d, after the byte %d\n",
	       RFD + 1, RFD, s, has_bit(r, RFD), count(r), took >= 250 && took < 2000);
	beat_finish();
	return 0;
}
