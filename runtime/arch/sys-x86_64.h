/* Raw system calls for x86-64. The runtime uses these instead of libc wrappers for every name the
 * preload interposes (read, close, epoll_wait, ...): no recursion into the shims, no cancellation
 * wrapper, and the result comes back as -errno, libuv style. */
#ifndef GP_ARCH_SYS_H
#define GP_ARCH_SYS_H

static inline long gp_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif
