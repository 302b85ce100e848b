/* The cost of read() on a socket that always has data: an AF_UNIX stream socketpair whose peer is
 * refilled (4000 reads' worth at a time) outside the timed loops. ns_per_op is per read() of 16
 * bytes. usage: ready_read [N]   (default 1,000,000 reads) */
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define BATCH 4000
#define SZ 16

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 1000000), reads = 0;
	int sv[2], big = 1 << 20;
	static char buf[BATCH * SZ];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("ready_read: socketpair");
		return 1;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	double timed = 0;
	while (reads < n) {
		long batch = n - reads < BATCH ? n - reads : BATCH;
		if (write(sv[1], buf, (size_t)batch * SZ) != batch * SZ) {
			perror("ready_read: refill");
			return 1;
		}
		double t0 = now_s();
		for (long i = 0; i < batch; i++)
			if (read(sv[0], buf, SZ) != SZ) {
				perror("ready_read: read");
				return 1;
			}
		timed += now_s() - t0;
		reads += batch;
	}
	printf("name=ready_read ops=%ld ns_per_op=%.1f size=%d\n", reads, timed * 1e9 / reads, SZ);
	return 0;
}
