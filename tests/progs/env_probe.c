/* Prints what it sees of greenpatch: LD_PRELOAD and every GREENPATCH_* variable (sorted), and the
 * patched modules if the library is loaded. For the greenpatch command's flags. */
#include <dlfcn.h>
#include <unistd.h>
#include "common.h"

extern char **environ;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *vars[256];
	int n = 0;
	for (char **e = environ; *e && n < 256; e++)
		if (!strncmp(*e, "GREENPATCH_", 11) || !strncmp(*e, "LD_PRELOAD=", 11))
			vars[n++] = *e;
	qsort(vars, (size_t)n, sizeof(vars[0]), by_name);
	for (int i = 0; i < n; i++)
		printf("%s\n", vars[i]);
	unsigned (*patched)(void) = (unsigned (*)(void))dlsym(RTLD_DEFAULT, "greenpatch_patched");
	if (patched)
		printf("patched=0x%02x\n", patched());
	else
		printf("not loaded\n");
	return 0;
}
