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

/* GREENPATCH_TPOOL_WRAP: functions whose every call runs on the tpool, with their signature as a
 * type string (v void, i int, I unsigned, l long, L unsigned long, z size_t, p pointer, d double,
 * f float): "name:ret(args),...", e.g. "slow_call:i(i),PQexec:p(pp)". */
#define GP_WRAP_MAX 64
#define GP_WRAP_ARGS 16
struct gp_wrap_spec {
	char name[128];
	char ret;
	char args[GP_WRAP_ARGS + 1]; /* NUL-terminated type letters, "" for none */
};
extern struct gp_wrap_spec gp_wraps[GP_WRAP_MAX];
extern int gp_nwraps;

/* Parse the environment into *mods and the runtime's config. Returns 0, or -1 after writing one
 * line naming the bad variable to `err` (buffer of errlen bytes). Pure: the fuzzers and unit tests
 * call it with their own getenv. */
int gp_flags_parse(char *(*get)(const char *), unsigned *mods, char *err, unsigned long errlen);

#endif
