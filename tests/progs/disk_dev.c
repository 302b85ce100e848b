/* Files that are not on a disk: /proc (comm, cmdline, the first line of status, stat's pid, small
 * reads of a proc file), /dev/zero (1 MiB of zeros in one read, mmap, lseek), /dev/null (reads
 * EOF, takes any write), a regular file; and what poll, select and epoll say about them:
 * always ready for poll and select, EPERM for epoll_ctl on a regular file. usage: disk_dev DIR */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "watch.h"

static const char *slurp(const char *file, size_t chunk, ssize_t *total)
{
	static char buf[8192];
	int fd = open(file, O_RDONLY);
	*total = -1;
	if (fd < 0)
		return res(fd);
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof(buf) - 1 && (n = read(fd, buf + got, chunk)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	*total = got;
	return buf;
}

static void ready(const char *what, int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	const char *s = res(poll(&p, 1, 1000));
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	struct timeval tv = { 1, 0 };
	const char *ss = res(select(fd + 1, &r, &w, NULL, &tv));
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.fd = fd };
	const char *e = res(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	close(ep);
	printf("%s: poll -> %s revents %x, select -> %s r%d w%d, epoll_ctl ADD -> %s\n", what, s, p.revents, ss,
	       FD_ISSET(fd, &r), FD_ISSET(fd, &w), e);
}

int main(int argc, char **argv)
{
	watchdog(20);
	if (argc != 2) {
		fprintf(stderr, "usage: disk_dev DIR\n");
		return 2;
	}
	ssize_t n;
	const char *s = slurp("/proc/self/comm", 4096, &n);
	printf("/proc/self/comm -> %zd '%.*s'\n", n, (int)(n > 0 ? n - 1 : 0), s);
	s = slurp("/proc/self/cmdline", 4096, &n);
	printf("/proc/self/cmdline -> argv[1] is DIR %d\n", n > 0 && !strcmp(s + strlen(s) + 1, argv[1]));
	s = slurp("/proc/self/status", 7, &n);
	printf("/proc/self/status read 7 bytes at a time: first line '%.*s'\n", (int)strcspn(s, "\n"), s);
	s = slurp("/proc/self/stat", 4096, &n);
	printf("/proc/self/stat: pid field is getpid() %d\n", atol(s) == getpid());
	s = slurp("/proc/sys/kernel/ostype", 4096, &n);
	printf("/proc/sys/kernel/ostype -> %zd '%.*s'\n", n, (int)(n > 0 ? n - 1 : 0), s);
	int pf = open("/proc/self/status", O_RDONLY);
	char tiny[4];
	s = res(read(pf, tiny, 4));
	printf("/proc/self/status: read 4 -> %s '%.4s', lseek 0 -> %ld", s, tiny, (long)lseek(pf, 0, SEEK_SET));
	s = res(read(pf, tiny, 4));
	printf(", read 4 again -> %s '%.4s'\n", s, tiny);
	close(pf);

	int z = open("/dev/zero", O_RDWR);
	char *big = malloc(1 << 20);
	memset(big, 0x5a, 1 << 20);
	n = read(z, big, 1 << 20);
	long nonzero = 0;
	for (long i = 0; i < (1 << 20); i++)
		nonzero += big[i] != 0;
	printf("/dev/zero: read 1 MiB -> %s, bytes not zero %ld", res(n), nonzero);
	s = res(write(z, big, 4096));
	printf(", write 4096 -> %s, lseek 12345 -> %ld", s, (long)lseek(z, 12345, SEEK_SET));
	char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, z, 0);
	printf(", mmap reads zero %d\n", m != MAP_FAILED && m[0] == 0 && m[8191] == 0);
	struct stat st;
	CHECK(fstat(z, &st) == 0);
	printf("/dev/zero: char device %d, major %u minor %u\n", S_ISCHR(st.st_mode), major(st.st_rdev),
	       minor(st.st_rdev));
	int nul = open("/dev/null", O_RDWR);
	s = res(read(nul, big, 100));
	printf("/dev/null: read -> %s", s);
	s = res(write(nul, big, 1 << 20));
	printf(", write 1 MiB -> %s", s);
	CHECK(fstat(nul, &st) == 0);
	printf(", major %u minor %u\n", major(st.st_rdev), minor(st.st_rdev));

	char path[4200];
	snprintf(path, sizeof(path), "%s/disk_dev.XXXXXX", argv[1]);
	int f = mkstemp(path);
	CHECK(f >= 0);
	ready("a regular file", f);
	ready("/dev/null", nul);
	ready("/dev/zero", z);
	int pr = open("/proc/self/stat", O_RDONLY);
	ready("/proc/self/stat", pr);
	close(pr);
	unlink(path);
	close(f);
	close(z);
	close(nul);
	return 0;
}
