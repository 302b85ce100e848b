/* A non-green C library: slow_call blocks in a raw nanosleep system call, which no preload can
 * see, as a database client or vendor SDK makes its own syscalls. GREENPATCH_TPOOL_WRAP sends its
 * calls to the tpool (tests/t5400-tpool.bats). */
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>

int slow_call(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_nanosleep), "D"(&ts), "S"(0L) : "rcx", "r11", "memory");
	errno = 4242; /* a value only this function sets: the caller must see it */
	return r == 0 ? ms * 2 : -1;
}

/* The same, with a double and a pointer: signatures other than int(int). */
double slow_scale(double x, const int *ms)
{
	slow_call(*ms);
	return x * 1.5;
}
