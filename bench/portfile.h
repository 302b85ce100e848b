/* Shared by the bench servers: the port argument, and the bound port published in a file
 * atomically (temp file + rename), so a script never reads a half-written number. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* PORT argument: 0..65535 (0: the kernel picks one); exits with status 2 on anything else. */
static inline int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 65535) {
		fprintf(stderr, "bad port '%s': 0 to 65535\n", s);
		exit(2);
	}
	return (int)v;
}

static inline void write_port(const char *path, int port)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror("portfile");
		exit(1);
	}
}
