/* A write of 8 MiB in one call to a file in DIR, then fsync and fdatasync, by a thread while a
 * heartbeat ticks; the data read back; syncfs and sync_file_range; fsync/fdatasync on what cannot
 * be synced (a pipe, a socket) and on a closed descriptor. usage: disk_sync DIR */
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "watch.h"

#define SIZE (8 << 20)

static char path[4200];
static int fd;
static unsigned char *data;

static void *writer(void *arg)
{
	const char *w = res(write(fd, data, SIZE));
	const char *f = res(fsync(fd));
	CHECK(pwrite(fd, "!", 1, SIZE / 2) == 1);
	const char *d = res(fdatasync(fd));
	printf("write of 8 MiB in one call -> %s, fsync -> %s, a byte rewritten, fdatasync -> %s\n", w, f, d);
	return arg;
}

int main(int argc, char **argv)
{
	watchdog(30);
	if (argc != 2) {
		fprintf(stderr, "usage: disk_sync DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/disk_sync.XXXXXX", argv[1]);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	data = malloc(SIZE);
	CHECK(data);
	for (int i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 12));
	beat_start();
	in_thread("write-fsync", writer, NULL, 0);
	data[SIZE / 2] = '!';
	unsigned char *back = malloc(SIZE);
	CHECK(back);
	ssize_t n = pread(fd, back, SIZE, 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	printf("read back -> %s, same bytes %d, size %ld\n", res(n), n == SIZE && !memcmp(back, data, SIZE),
	       (long)st.st_size);
	const char *s = res(syncfs(fd));
	printf("syncfs -> %s", s);
	s = res(sync_file_range(fd, 0, SIZE, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
						     SYNC_FILE_RANGE_WAIT_AFTER));
	printf(", sync_file_range -> %s\n", s);
	int p[2], sv[2];
	CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	const char *a = res(fsync(p[1]));
	const char *b = res(fdatasync(p[0]));
	const char *c = res(fsync(sv[0]));
	const char *d = res(fdatasync(sv[1]));
	int ro = open(path, O_RDONLY);
	const char *e = res(fsync(ro));
	close(ro);
	close(p[0]);
	const char *f = res(fsync(p[0]));
	printf("fsync pipe -> %s, fdatasync pipe -> %s, fsync socket -> %s, fdatasync socket -> %s, fsync O_RDONLY "
	       "file -> %s, fsync closed fd -> %s\n",
	       a, b, c, d, e, f);
	CHECK(unlink(path) == 0);
	beat_finish();
	return 0;
}
