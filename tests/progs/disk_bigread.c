/* Disk reads by several threads at once: a 64 MiB file of a known pattern is written in DIR,
 * flushed and dropped from the page cache where the kernel lets an unprivileged program
 * (POSIX_FADV_DONTNEED), then 4 threads each read all of it through their own descriptor in
 * 64 KiB blocks, checking every 8-byte word and a checksum, while a heartbeat ticks; then each
 * reads it 4 times more, cached. Either way the data must be exact.
 * usage: disk_bigread DIR [MIB [THREADS]]   (defaults 64 and 4) */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include "watch.h"

#define BLOCK 65536

static char path[4200];
static long size_mib = 64;

static uint64_t word(uint64_t i) { return i * 0x9E3779B97F4A7C15ULL ^ (i >> 7); }
static uint64_t fold(uint64_t h, uint64_t w) { return (h << 1 | h >> 63) ^ w; }
static uint64_t expected;
static int passes;

struct reader {
	pthread_t t;
	long bytes, bad_words, short_reads;
	int sums_right, err;
};

static void *reader(void *arg)
{
	struct reader *r = arg;
	uint64_t *b = malloc(BLOCK);
	CHECK(b);
	for (int pass = 0; pass < passes; pass++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			r->err = errno;
			break;
		}
		uint64_t h = 0, i = 0;
		ssize_t n;
		while ((n = read(fd, b, BLOCK)) > 0) {
			if (n != BLOCK)
				r->short_reads++;
			for (ssize_t k = 0; k < n / 8; k++, i++) {
				if (b[k] != word(i))
					r->bad_words++;
				h = fold(h, b[k]);
			}
			r->bytes += n;
		}
		if (n < 0)
			r->err = errno;
		r->sums_right += h == expected;
		close(fd);
	}
	free(b);
	return NULL;
}

static void round_of(const char *label, int nthreads, int npasses)
{
	passes = npasses;
	struct reader r[64];
	memset(r, 0, sizeof(r));
	beat_begin();
	for (int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&r[i].t, NULL, reader, &r[i]) == 0);
	for (int i = 0; i < nthreads; i++)
		CHECK(pthread_join(r[i].t, NULL) == 0);
	beat_end(label);
	int all_bytes = 1, sums = 0;
	long bad = 0, shorts = 0, errs = 0;
	for (int i = 0; i < nthreads; i++) {
		all_bytes &= r[i].bytes == passes * (size_mib << 20);
		sums += r[i].sums_right;
		bad += r[i].bad_words;
		shorts += r[i].short_reads;
		errs += r[i].err != 0;
	}
	printf("%s: %d readers x %d x %ld MiB: every byte read %d, checksums right %d, wrong words %ld, short reads "
	       "%ld, errors %ld\n",
	       label, nthreads, passes, size_mib, all_bytes, sums, bad, shorts, errs);
}

int main(int argc, char **argv)
{
	watchdog(60);
	if (argc < 2) {
		fprintf(stderr, "usage: disk_bigread DIR [MIB [THREADS]]\n");
		return 2;
	}
	size_mib = argc > 2 ? atol(argv[2]) : 64;
	int nthreads = argc > 3 ? atoi(argv[3]) : 4;
	CHECK(size_mib > 0 && nthreads > 0 && nthreads <= 64);
	snprintf(path, sizeof(path), "%s/disk_bigread.XXXXXX", argv[1]);
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	uint64_t *chunk = malloc(1 << 20), i = 0, h = 0;
	CHECK(chunk);
	for (long c = 0; c < size_mib; c++) {
		for (int k = 0; k < (1 << 20) / 8; k++, i++) {
			chunk[k] = word(i);
			h = fold(h, chunk[k]);
		}
		CHECK(write(fd, chunk, 1 << 20) == 1 << 20);
	}
	expected = h;
	CHECK(fsync(fd) == 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* cold where the kernel allows it */
	close(fd);
	printf("file of %ld MiB written\n", size_mib);
	beat_start();
	round_of("cold-or-warm", nthreads, 1);
	round_of("warm", nthreads, 4);
	CHECK(unlink(path) == 0);
	beat_finish();
	return 0;
}
