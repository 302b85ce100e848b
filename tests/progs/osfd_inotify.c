/* inotify: a thread blocked reading an inotify fd that watches a fresh temporary directory gets
 * each event another thread causes there: the file's creation at 200 ms, its close after
 * writing at 400 ms (two reads), its removal; FIONREAD; the errors (a buffer too small for the
 * event, EAGAIN when non-blocking); F_GETFL's O_NONBLOCK before and after. A heartbeat ticks
 * through each wait. usage: osfd_inotify [DIR]  (the temporary directory is made in DIR, default
 * $TMPDIR or /tmp, and removed) */
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include "watch.h"

static int ifd, created = -1;
static char dir[4096], path[4200];

static int nonblock(int fd) { return !!(fcntl(fd, F_GETFL) & O_NONBLOCK); }

static void act_create(long a)
{
	created = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(created >= 0);
}
static void act_close(long a)
{
	CHECK(write(created, "hi", 2) == 2);
	CHECK(close(created) == 0);
}
static void act_unlink(long a) { CHECK(unlink(path) == 0); }

static void read_events(const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = read(ifd, buf, sizeof(buf));
	const char *s = res(n);
	printf("%s -> %s", what, s);
	for (ssize_t off = 0; n > 0 && off < n;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		printf(": wd %d mask %x cookie %u len %u name %s", e->wd, e->mask, e->cookie, e->len,
		       e->len ? e->name : "-");
		off += sizeof(*e) + e->len;
	}
	printf("\n");
}

static void *read_create(void *arg)
{
	read_events("read, the file created at 200 ms");
	read_events("read again, the file written and closed at 400 ms");
	return arg;
}

static void *read_unlink(void *arg)
{
	read_events("read, the file removed at 200 ms");
	return arg;
}

int main(int argc, char **argv)
{
	watchdog(10);
	const char *base = argc > 1 ? argv[1] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof(dir), "%s/osfd_inotify.XXXXXX", base);
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hello.txt", dir);
	beat_start();
	ifd = inotify_init1(0);
	CHECK(ifd >= 0);
	printf("inotify_init1(0): O_NONBLOCK %d\n", nonblock(ifd));
	int wd = inotify_add_watch(ifd, dir, IN_CREATE | IN_CLOSE_WRITE | IN_DELETE);
	printf("inotify_add_watch -> %d\n", wd);

	struct later c[] = { { 200, act_create, 0 }, { 400, act_close, 0 } };
	in_thread("inotify-create", read_create, c, 2);

	int avail = -1;
	CHECK(ioctl(ifd, FIONREAD, &avail) == 0);
	printf("FIONREAD with nothing queued -> %d\n", avail);
	CHECK(unlink(path) == 0);
	usleep(20000);
	CHECK(ioctl(ifd, FIONREAD, &avail) == 0);
	printf("FIONREAD after a removal -> %d\n", avail);
	char tiny[16];
	const char *s = res(read(ifd, tiny, sizeof(tiny)));
	printf("read with a 16-byte buffer -> %s\n", s);
	read_events("then with room");

	act_create(0);
	CHECK(close(created) == 0);
	read_events("created and closed");
	struct later u[] = { { 200, act_unlink, 0 } };
	in_thread("inotify-unlink", read_unlink, u, 1);

	int nb = inotify_init1(IN_NONBLOCK);
	printf("IN_NONBLOCK: O_NONBLOCK %d", nonblock(nb));
	s = res(read(nb, tiny, sizeof(tiny)));
	printf(", read with nothing queued -> %s\n", s);
	printf("after: O_NONBLOCK %d\n", nonblock(ifd));
	CHECK(rmdir(dir) == 0);
	beat_finish();
	return 0;
}
