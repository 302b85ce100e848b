/* Links libgreenpatch directly (not preloaded) and prints what the public API reports. */
#include <stdio.h>
#include <dlfcn.h>

int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	const char *(*version)(void) = (const char *(*)(void))dlsym(h, "greenpatch_version");
	unsigned (*patched)(void) = (unsigned (*)(void))dlsym(h, "greenpatch_patched");
	if (!version || !patched)
		return 1;
	printf("version=%s patched=0x%02x\n", version(), patched());
	return 0;
}
