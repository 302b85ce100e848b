/* Small helpers shared by the micro benchmarks, which are ordinary programs (no greenpatch in
 * sight). Each prints one line of key=value fields, starting with name= ops= ns_per_op=. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A "Key:  value" field of /proc/self/status (Threads; VmRSS, VmHWM in KiB), or -1. */
static inline long proc_status(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* argv[i] as a positive number, or dflt when absent; exits on a value that is not one. */
static inline long arg_or(int argc, char **argv, int i, long dflt)
{
	if (argc <= i)
		return dflt;
	char *end;
	long v = strtol(argv[i], &end, 0);
	if (*end || v <= 0) {
		fprintf(stderr, "%s: argument %d: a positive number, not '%s'\n", argv[0], i, argv[i]);
		exit(2);
	}
	return v;
}
