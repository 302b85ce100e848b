/* popen and pclose while other threads run: reading a slow command's output with stdio, writing
 * to a slow `cat > file`, and the close's wait never pause the heartbeat 50 ms; statuses, modes,
 * close-on-exec, fclose on a popen stream, pclose of another stream, and the POSIX rule that a
 * child does not inherit the other popen streams are as natively.
 * usage: proc_popen read|write DIR|modes|isolation */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#pragma GCC diagnostic ignored "-Wmismatched-dealloc" /* fclose of a popen stream, on purpose */

static void read_part(void)
{
	hb_begin();
	hb_mark();
	FILE *f = popen("sleep 0.2; echo hi; sleep 0.1; echo there", "r");
	CHECK(f);
	char line[64];
	while (fgets(line, sizeof(line), f))
		printf("read: %s", line);
	print_status("pclose", pclose(f));
	printf("heartbeat paused under 50 ms: %s\n", hb_gap() < 50 ? "yes" : "no");
	f = popen("echo out; exit 5", "r");
	CHECK(f && fgets(line, sizeof(line), f));
	print_status("pclose after exit 5", pclose(f));
	f = popen("kill -KILL $$", "r");
	CHECK(f);
	print_status("pclose after kill -KILL", pclose(f));
	f = popen("exit 2", "r");
	CHECK(f);
	print_status("fclose of a popen stream", fclose(f));
	f = fopen("/dev/null", "r");
	CHECK(f);
	errno = 0;
	print_status("pclose of an fopen stream", pclose(f));
	hb_end();
}

/* The consumer sleeps before it reads: 256 KiB do not fit in the pipe, so the writer waits. */
static void write_part(const char *dir)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/popen-out", dir);
	snprintf(cmd, sizeof(cmd), "sleep 0.2; cat > '%s'", path);
	hb_begin();
	hb_mark();
	FILE *f = popen(cmd, "w");
	CHECK(f);
	for (int i = 0; i < 8192; i++)
		fprintf(f, "line %04d of 32 bytes, padded.\n", i % 10000);
	print_status("pclose of cat", pclose(f));
	printf("heartbeat paused under 50 ms: %s\n", hb_gap() < 50 ? "yes" : "no");
	FILE *in = fopen(path, "r");
	CHECK(in);
	long lines = 0, bytes = 0;
	int c;
	while ((c = getc(in)) != EOF) {
		bytes++;
		lines += c == '\n';
	}
	fclose(in);
	printf("file: %ld lines, %ld bytes\n", lines, bytes);
	f = popen("exec cat >/dev/null", "w");
	CHECK(f);
	errno = 0;
	long pos = ftell(f);
	printf("ftell on a popen stream -> %ld %s\n", pos, errname(errno));
	print_status("pclose", pclose(f));
	hb_end();
}

static void try_mode(const char *mode)
{
	errno = 0;
	FILE *f = popen("exit 0", mode);
	if (!f) {
		printf("mode \"%s\" -> NULL %s\n", mode, errname(errno));
		return;
	}
	int fd = fileno(f), fl = fcntl(fd, F_GETFD), acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	printf("mode \"%s\" -> a stream, fileno valid %d, close-on-exec %d, %s end\n", mode, fd > 2,
	       (fl & FD_CLOEXEC) != 0, acc == O_RDONLY ? "read" : acc == O_WRONLY ? "write" : "other");
	print_status("  pclose", pclose(f));
}

static void modes(void)
{
	const char *m[] = { "r", "w", "re", "we", "er", "rr", "rw", "wr", "r+", "x", "", "rb" };
	for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		try_mode(m[i]);
}

/* A second child sees none of the first stream's descriptors, close-on-exec or not; with stdin
 * closed, the pipe's numbers fall on 0 and still the child reads from its own pipe. */
static void isolation(void)
{
	FILE *a = popen("exec cat >/dev/null", "w");
	CHECK(a);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "test -e /proc/$$/fd/%d && echo inherited || echo not inherited",
		 fileno(a));
	FILE *b = popen(cmd, "r");
	CHECK(b);
	char line[64];
	CHECK(fgets(line, sizeof(line), b));
	printf("second child and the first stream's descriptor: %s", line);
	print_status("pclose second", pclose(b));
	print_status("pclose first", pclose(a));
	CHECK(close(0) == 0);
	FILE *w = popen("read x; echo \"child read $x\"", "w");
	CHECK(w);
	fprintf(w, "through the pipe\n");
	fflush(stdout);
	print_status("pclose with stdin closed", pclose(w));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "write")) {
		write_part(argv[2]);
		return 0;
	}
	static const struct part parts[] = {
		{ "read", read_part }, { "modes", modes }, { "isolation", isolation },
	};
	return run_part(argc, argv, parts, sizeof(parts) / sizeof(parts[0]));
}
