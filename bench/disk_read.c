/* read() of a cached 64 MiB file in 64 KiB blocks: the file is written in DIR (default $TMPDIR or
 * /tmp) and read once to cache it, then read PASSES times from the start; every byte is checked
 * after the clock stops. ns_per_op is per 64 KiB read (natively the copy out of the page cache;
 * under greenpatch also the hop to the thread pool and back).
 * usage: disk_read [PASSES [DIR]]   (default 32 passes: 32,768 reads) */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include "bench.h"

#define SIZE (64L << 20)
#define BLOCK 65536

static long read_all(int fd, unsigned char *into)
{
	long got = 0;
	ssize_t n;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	while (got < SIZE && (n = read(fd, into + got, BLOCK)) > 0)
		got += n;
	return got;
}

int main(int argc, char **argv)
{
	long passes = arg_or(argc, argv, 1, 32);
	const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	snprintf(path, sizeof(path), "%s/disk_read.XXXXXX", dir);
	int fd = mkstemp(path);
	unsigned char *data = malloc(SIZE), *back = malloc(SIZE);
	if (fd < 0 || !data || !back) {
		fprintf(stderr, "disk_read: cannot make %s\n", path);
		return 1;
	}
	unlink(path);
	for (long i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 16));
	if (write(fd, data, SIZE) != SIZE || read_all(fd, back) != SIZE) {
		fprintf(stderr, "disk_read: writing the file failed\n");
		return 1;
	}
	long ops = passes * (SIZE / BLOCK);
	double t0 = now_s();
	for (long p = 0; p < passes; p++)
		if (read_all(fd, back) != SIZE) {
			fprintf(stderr, "disk_read: short read\n");
			return 1;
		}
	double s = now_s() - t0;
	if (memcmp(back, data, SIZE)) {
		fprintf(stderr, "disk_read: wrong data\n");
		return 1;
	}
	printf("name=disk_read ops=%ld ns_per_op=%.1f block=%d mib=%ld passes=%ld seconds=%.3f\n", ops, s * 1e9 / ops,
	       BLOCK, SIZE >> 20, passes, s);
	return 0;
}
