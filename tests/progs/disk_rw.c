/* Regular-file I/O results, for comparison with the native run: write, pwrite and pread with
 * offsets (the file offset untouched), short reads at EOF, readv/writev, preadv/pwritev (a hole
 * past EOF reads as zeros), pwritev2 with offset -1 and RWF_APPEND, lseek (SEEK_SET/CUR/END, a bad
 * offset, SEEK_DATA/SEEK_HOLE around a 1 MiB hole), ftruncate down and up, fstat, pwrite on an
 * O_APPEND descriptor (Linux appends), the offset shared by dup'd descriptors, sendfile and
 * copy_file_range between files, fallocate, and the errors: EBADF by access mode, EISDIR, ESPIPE,
 * EINVAL for negative offsets and lengths. usage: disk_rw DIR */
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "watch.h"

static char path[4200], path2[4200];

static const char *show(const char *buf, ssize_t n)
{
	static char out[4][128];
	static int k;
	k = (k + 1) % 4;
	char *o = out[k];
	for (ssize_t i = 0; i < n && i < 100; i++)
		*o++ = buf[i] ? buf[i] : '.';
	*o = 0;
	return out[k];
}

static long off(int fd) { return (long)lseek(fd, 0, SEEK_CUR); }
static long size(int fd)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	return (long)st.st_size;
}

int main(int argc, char **argv)
{
	watchdog(20);
	if (argc != 2) {
		fprintf(stderr, "usage: disk_rw DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/disk_rw.XXXXXX", argv[1]);
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	char buf[256];
	const char *s;
	ssize_t n;

	s = res(write(fd, "0123456789", 10));
	printf("write 10 -> %s, offset %ld\n", s, off(fd));
	s = res(pwrite(fd, "AB", 2, 3));
	printf("pwrite 2 at 3 -> %s, offset %ld\n", s, off(fd));
	n = pread(fd, buf, 10, 0);
	printf("pread 10 at 0 -> %s '%s', offset %ld\n", res(n), show(buf, n), off(fd));
	n = pread(fd, buf, 10, 8);
	printf("pread 10 at 8 -> %s '%s'\n", res(n), show(buf, n));
	s = res(pread(fd, buf, 10, 100));
	printf("pread 10 at 100 (past EOF) -> %s\n", s);

	struct iovec w[3] = { { "ab", 2 }, { "cd", 2 }, { "ef", 2 } };
	s = res(writev(fd, w, 3));
	printf("writev 2+2+2 -> %s, offset %ld, size %ld\n", s, off(fd), size(fd));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	char a[4], b[4], c[100];
	struct iovec r[3] = { { a, 4 }, { b, 4 }, { c, 100 } };
	n = readv(fd, r, 3);
	printf("readv 4+4+100 at 0 -> %s: '%s' '%s' '%s', offset %ld\n", res(n), show(a, 4), show(b, 4),
	       show(c, n - 8), off(fd));
	struct iovec pr[2] = { { a, 3 }, { b, 3 } };
	n = preadv(fd, pr, 2, 2);
	printf("preadv 3+3 at 2 -> %s: '%s' '%s', offset %ld\n", res(n), show(a, 3), show(b, 3), off(fd));
	struct iovec pw[2] = { { "X", 1 }, { "Y", 1 } };
	s = res(pwritev(fd, pw, 2, 20));
	n = pread(fd, buf, 100, 0);
	printf("pwritev 1+1 at 20 -> %s, size %ld, file '%s'\n", s, size(fd), show(buf, n));
	CHECK(lseek(fd, 10, SEEK_SET) == 10);
	struct iovec one = { "*", 1 };
	s = res(pwritev2(fd, &one, 1, -1, 0));
	printf("pwritev2 at -1 (the offset, 10) -> %s, offset %ld\n", s, off(fd));
	struct iovec app = { "$", 1 };
	s = res(pwritev2(fd, &app, 1, 0, RWF_APPEND));
	n = pread(fd, buf, 100, 0);
	printf("pwritev2 at 0 with RWF_APPEND -> %s, size %ld, offset %ld, file '%s'\n", s, size(fd), off(fd),
	       show(buf, n));

	long end2 = lseek(fd, -2, SEEK_END), cur1 = lseek(fd, 1, SEEK_CUR);
	printf("lseek SEEK_END -2 -> %ld, SEEK_CUR +1 -> %ld", end2, cur1);
	s = res(lseek(fd, -1, SEEK_SET));
	printf(", SEEK_SET -1 -> %s, offset kept %ld", s, off(fd));
	s = res(lseek(fd, 0, 42));
	printf(", whence 42 -> %s\n", s);
	CHECK(pwrite(fd, "H", 1, 1 << 20) == 1);
	long hole = lseek(fd, 0, SEEK_HOLE), data = lseek(fd, 8192, SEEK_DATA);
	s = res(lseek(fd, (1 << 20) + 1, SEEK_DATA));
	printf("after a byte at 1 MiB: SEEK_HOLE from 0 -> %ld, SEEK_DATA from 8192 -> %ld, SEEK_DATA at EOF -> %s\n",
	       hole, data, s);

	s = res(ftruncate(fd, 5));
	n = pread(fd, buf, 100, 0);
	printf("ftruncate 5 -> %s, size %ld, read '%s'\n", s, size(fd), show(buf, n));
	s = res(ftruncate(fd, 12));
	n = pread(fd, buf, 100, 0);
	printf("ftruncate 12 -> %s, size %ld, read '%s'\n", s, size(fd), show(buf, n));
	s = res(ftruncate(fd, -1));
	printf("ftruncate -1 -> %s\n", s);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	printf("fstat: regular %d, size %ld, links %ld, mode %o\n", S_ISREG(st.st_mode), (long)st.st_size,
	       (long)st.st_nlink, st.st_mode & 0777);

	int ap = open(path, O_WRONLY | O_APPEND);
	CHECK(ap >= 0);
	s = res(pwrite(ap, "Z", 1, 0));
	n = pread(fd, buf, 100, 0);
	printf("O_APPEND: pwrite at 0 -> %s, size %ld, file '%s'\n", s, size(fd), show(buf, n));
	s = res(read(ap, buf, 1));
	printf("read on an O_WRONLY fd -> %s\n", s);
	close(ap);
	int ro = open(path, O_RDONLY);
	s = res(write(ro, "q", 1));
	printf("write on an O_RDONLY fd -> %s", s);
	s = res(ftruncate(ro, 0));
	printf(", ftruncate on it -> %s\n", s);

	int d = dup(ro);
	CHECK(lseek(ro, 0, SEEK_SET) == 0);
	n = read(d, buf, 3);
	printf("dup: read 3 through the dup -> %s, the original's offset %ld\n", res(n), off(ro));
	close(d);

	snprintf(path2, sizeof(path2), "%s/disk_rw2.XXXXXX", argv[1]);
	int out = mkstemp(path2);
	CHECK(out >= 0);
	off_t o = 2;
	s = res(sendfile(out, ro, &o, 5));
	printf("sendfile 5 from 2 -> %s, in offset now %ld, the in fd's offset %ld", s, (long)o, off(ro));
	loff_t oi = 0, oo = 100;
	s = res(copy_file_range(ro, &oi, out, &oo, 4, 0));
	n = pread(out, buf, 200, 0);
	printf(", copy_file_range 4 to 100 -> %s, out size %ld, out '%s'\n", s, size(out), show(buf, n > 8 ? 8 : n));
	s = res(fallocate(out, 0, 0, 8192));
	printf("fallocate 8192 -> %s, size %ld\n", s, size(out));
	close(out);
	unlink(path2);

	s = res(pread(fd, buf, 1, -1));
	printf("pread at -1 -> %s", s);
	s = res(pwrite(fd, "x", 1, -5));
	printf(", pwrite at -5 -> %s", s);
	volatile size_t huge = (size_t)-1;
	s = res(read(fd, buf, huge));
	printf(", read of SIZE_MAX bytes -> %s\n", s);
	int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	s = res(read(dirfd, buf, 10));
	printf("read on a directory -> %s", s);
	s = res(write(dirfd, "x", 1));
	printf(", write -> %s\n", s);
	close(dirfd);
	int p[2];
	CHECK(pipe(p) == 0);
	s = res(pread(p[0], buf, 1, 0));
	printf("pread on a pipe -> %s", s);
	s = res(lseek(p[0], 0, SEEK_CUR));
	printf(", lseek -> %s\n", s);
	close(p[0]);
	close(p[1]);

	CHECK(unlink(path) == 0);
	CHECK(fstat(fd, &st) == 0);
	n = pread(fd, buf, 100, 0);
	printf("unlinked while open: links %ld, still reads %s\n", (long)st.st_nlink, res(n));
	close(fd);
	close(ro);
	s = res(read(fd, buf, 1));
	printf("read after close -> %s\n", s);
	return 0;
}
