/* The cost of read() on a socket that always has data: a socketpair whose peer is refilled
 * outside the timed loop. ns per read() of 16 bytes. usage: ready_read [ROUNDS] */
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define PER 4000
#define SZ 16

int main(int argc, char **argv)
{
	long rounds = arg_or(argc, argv, 1, 200), reads = 0;
	int sv[2], big = 1 << 20;
	static char buf[PER * SZ];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	double timed = 0;
	for (long r = 0; r < rounds; r++) {
		if (write(sv[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
		double t0 = now_s();
		for (int i = 0; i < PER; i++, reads++)
			if (read(sv[0], buf, SZ) != SZ)
				return 1;
		timed += now_s() - t0;
	}
	printf("name=ready_read ops=%ld ns_per_op=%.1f\n", reads, timed * 1e9 / reads);
	return 0;
}
