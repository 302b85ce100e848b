/* Configuration from the environment (config.c): which modules are patched, stack and pool sizes. */
#ifndef GP_CONFIG_H
#define GP_CONFIG_H

enum {
	GP_M_OS = 1 << 0,
	GP_M_SELECT = 1 << 1,
	GP_M_SOCKET = 1 << 2,
	GP_M_THREAD = 1 << 3,
	GP_M_TIME = 1 << 4,
	GP_M_ALL = (1 << 5) - 1,
};

/* Parse the environment into *mods and the runtime's config. Returns 0, or -1 after writing one
 * line naming the bad variable to `err` (buffer of errlen bytes). Pure: the fuzzers and unit tests
 * call it with their own getenv. */
int gp_flags_parse(char *(*get)(const char *), unsigned *mods, char *err, unsigned long errlen);

#endif
