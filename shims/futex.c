/* The thread module, syscall(SYS_futex): libstdc++'s std::atomic::wait, counting_semaphore,
 * latch, barrier and std::future wait on futexes through the C library's syscall(). A green
 * thread with company on its hub waits in the runtime's futex table instead of the kernel
 * (runtime/futex.c); a wake reaches the green waiters first and the kernel's for the rest, so a
 * native thread on either side works. Only WAIT, WAKE and their BITSET forms are green; every
 * other call, and every other syscall, is the real one. */
#include "shim.h"
#include <stdarg.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#define FUTEX_CMD(op) ((op) & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

/* A green wait only makes sense when the hub has others to run. */
static int green_waiter(void)
{
	return gp_on(GP_M_THREAD) && !gp_alone();
}

static uint64_t wait_deadline(int op, const struct timespec *ts, int *bad)
{
	if (!ts)
		return GP_NEVER;
	if (!gp_ts_valid(ts)) {
		*bad = 1;
		return 0;
	}
	if (FUTEX_CMD(op) == FUTEX_WAIT) /* relative, on the monotonic clock */
		return gp_deadline_in(gp_rel_ns(ts));
	return gp_deadline_at(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, ts);
}

static long futex_wait(uint32_t *addr, int op, uint32_t val, const struct timespec *ts, uint32_t bits)
{
	int bad = 0;
	uint64_t deadline = wait_deadline(op, ts, &bad);
	if (bad || !bits)
		return gp_ret(-EINVAL);
	return gp_ret(gp_futex_wait(addr, val, bits, deadline));
}

static long futex_wake(uint32_t *addr, int op, int n, uint32_t bits, long (*real)(long, ...))
{
	if (!bits)
		return gp_ret(-EINVAL);
	int woken = n > 0 ? gp_futex_wake(addr, n, bits) : 0;
	if (woken >= n)
		return woken;
	long r = real(SYS_futex, addr, op, n - woken, NULL, NULL, bits);
	return r < 0 ? (woken ? woken : r) : woken + r;
}

SHIM long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_futex && gp_on(GP_M_THREAD)) {
		uint32_t *addr = (uint32_t *)a[0];
		int op = (int)a[1];
		switch (FUTEX_CMD(op)) {
		case FUTEX_WAIT:
			if (green_waiter())
				return futex_wait(addr, op, (uint32_t)a[2], (const struct timespec *)a[3], ~0u);
			break;
		case FUTEX_WAIT_BITSET:
			if (green_waiter())
				return futex_wait(addr, op, (uint32_t)a[2], (const struct timespec *)a[3], (uint32_t)a[5]);
			break;
		case FUTEX_WAKE:
			return futex_wake(addr, op, (int)a[2], ~0u, REAL(syscall));
		case FUTEX_WAKE_BITSET:
			return futex_wake(addr, op, (int)a[2], (uint32_t)a[5], REAL(syscall));
		}
	}
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
