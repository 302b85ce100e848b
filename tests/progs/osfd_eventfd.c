/* eventfd: a thread blocked in read() until another writes at 200 ms (the value read), the
 * semaphore mode (one unit per read), a write that blocks while the counter is full until a read
 * at 200 ms makes room, eventfd_read()/eventfd_write() (glibc's wrappers, whose read is inside
 * libc), poll's view, the errors (short buffers, the value 2^64-1, EAGAIN when the program made it
 * non-blocking), and F_GETFL's O_NONBLOCK before and after. A heartbeat ticks through each wait. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include "watch.h"

static int efd, sfd, full;

static void act_add5(long fd)
{
	uint64_t v = 5;
	CHECK(write((int)fd, &v, 8) == 8);
}
static void act_add3(long fd)
{
	uint64_t v = 3;
	CHECK(write((int)fd, &v, 8) == 8);
}
static uint64_t taken;
static void act_take(long fd) { CHECK(read((int)fd, &taken, 8) == 8); }
static void act_wrapper_write(long fd) { CHECK(eventfd_write((int)fd, 7) == 0); }

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void *read_one(void *arg)
{
	uint64_t v = 0;
	double t0 = now_ms();
	const char *s = res(read(efd, &v, 8));
	printf("eventfd read, 5 written at 200 ms -> %s value %llu, after the write %d\n", s, (unsigned long long)v,
	       now_ms() - t0 >= 150);
	return arg;
}

static void *read_sem(void *arg)
{
	uint64_t v[3] = { 0, 0, 0 };
	int n[3];
	for (int i = 0; i < 3; i++)
		n[i] = read(sfd, &v[i], 8);
	printf("EFD_SEMAPHORE, 3 written at 200 ms: three reads -> %d %llu, %d %llu, %d %llu\n", n[0],
	       (unsigned long long)v[0], n[1], (unsigned long long)v[1], n[2], (unsigned long long)v[2]);
	return arg;
}

static void *write_full(void *arg)
{
	uint64_t one = 1;
	double t0 = now_ms();
	const char *s = res(write(full, &one, 8));
	printf("write of 1 to a counter at 2^64-2 -> %s, after the read %d\n", s, now_ms() - t0 >= 150);
	return arg;
}

static void *wrapper_read(void *arg)
{
	eventfd_t v = 0;
	const char *s = res(eventfd_read(efd, &v));
	printf("eventfd_read, eventfd_write(7) at 200 ms -> %s value %llu\n", s, (unsigned long long)v);
	return arg;
}

int main(void)
{
	watchdog(10);
	beat_start();
	efd = eventfd(0, 0);
	CHECK(efd >= 0);
	printf("eventfd(0, 0): O_NONBLOCK %d\n", nonblock(efd));
	struct pollfd p = { efd, POLLIN | POLLOUT, 0 };
	const char *s = res(poll(&p, 1, 0));
	printf("poll of a fresh eventfd -> %s revents %x\n", s, p.revents);

	struct later a1[] = { { 200, act_add5, 0 } };
	a1[0].arg = efd;
	in_thread("eventfd-read", read_one, a1, 1);

	sfd = eventfd(0, EFD_SEMAPHORE);
	CHECK(sfd >= 0);
	struct later a2[] = { { 200, act_add3, 0 } };
	a2[0].arg = sfd;
	in_thread("eventfd-semaphore", read_sem, a2, 1);

	full = eventfd(0, 0);
	CHECK(full >= 0);
	uint64_t big = 0xfffffffffffffffeULL;
	CHECK(write(full, &big, 8) == 8);
	p = (struct pollfd){ full, POLLIN | POLLOUT, 0 };
	s = res(poll(&p, 1, 0));
	printf("poll of an eventfd at 2^64-2 -> %s revents %x\n", s, p.revents);
	struct later a3[] = { { 200, act_take, 0 } };
	a3[0].arg = full;
	in_thread("eventfd-write", write_full, a3, 1);
	printf("  the read at 200 ms took %#llx\n", (unsigned long long)taken);
	uint64_t v = 0;
	s = res(read(full, &v, 8));
	printf("then read -> %s value %llu\n", s, (unsigned long long)v);

	struct later a4[] = { { 200, act_wrapper_write, 0 } };
	a4[0].arg = efd;
	in_thread("eventfd_read", wrapper_read, a4, 1);

	uint32_t small = 1;
	s = res(read(efd, &small, 4));
	printf("read of 4 bytes -> %s\n", s);
	s = res(write(efd, &small, 4));
	printf("write of 4 bytes -> %s\n", s);
	uint64_t all = UINT64_MAX;
	s = res(write(efd, &all, 8));
	printf("write of 2^64-1 -> %s\n", s);
	int nb = eventfd(0, EFD_NONBLOCK);
	printf("eventfd(0, EFD_NONBLOCK): O_NONBLOCK %d", nonblock(nb));
	s = res(read(nb, &v, 8));
	printf(", read when 0 -> %s\n", s);
	CHECK(fcntl(efd, F_SETFL, O_NONBLOCK) == 0);
	s = res(read(efd, &v, 8));
	printf("F_SETFL O_NONBLOCK on the first: read when 0 -> %s, O_NONBLOCK %d\n", s, nonblock(efd));
	CHECK(fcntl(efd, F_SETFL, 0) == 0);
	printf("after: O_NONBLOCK of the blocking ones %d %d %d\n", nonblock(efd), nonblock(sfd), nonblock(full));
	beat_finish();
	return 0;
}
