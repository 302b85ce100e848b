/* Shared by the bench servers: publish the bound port in a file, atomically (temp + rename), so
 * the scripts never read a half-written number. */
#include <stdio.h>
#include <stdlib.h>

static void write_port(const char *path, int port)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror("portfile");
		exit(1);
	}
}
