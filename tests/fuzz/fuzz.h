/* Shared by the fuzz targets of runtime/config.c (gp_flags_parse): the fake environment an input
 * describes, a second parse to check determinism, the properties every result must have, and
 * independent models of the value syntax. A property that fails prints why and aborts, which
 * libFuzzer records as a crash with the input that caused it.
 *
 * Input format (fuzz_env, and the seeds in corpus/env/): records "NAME=VALUE" separated by NUL
 * bytes, NAME without the GREENPATCH_ prefix (ALL, OS, SELECT, SOCKET, THREAD, TIME, STACK_SIZE,
 * THREADPOOL_SIZE, DEADLOCK, TPOOL_WRAP, HUB_BLOCKING_DETECTION, DUMP_SIGNAL, STATS); a value may hold any byte but NUL (as an environment
 * string can), newlines and escape sequences included; a later record of a name wins, as a later
 * putenv would; records naming nothing are ignored. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "rt.h"
#include "config.h"

struct gp_config gp_config; /* config.c's only outside reference (runtime/stack.c defines it) */

/* The diagnostics' three come last, so that the first byte of a fuzz_value seed still chooses
 * the variable it chose before they were added (modulo 13 now); fz_order is the parser's order. */
#define NVARS 13
static const char *const fz_names[NVARS] = {
	"GREENPATCH_ALL",    "GREENPATCH_OS",         "GREENPATCH_SELECT",          "GREENPATCH_SOCKET",
	"GREENPATCH_THREAD", "GREENPATCH_TIME",       "GREENPATCH_STACK_SIZE",      "GREENPATCH_THREADPOOL_SIZE",
	"GREENPATCH_DEADLOCK", "GREENPATCH_TPOOL_WRAP", "GREENPATCH_HUB_BLOCKING_DETECTION",
	"GREENPATCH_DUMP_SIGNAL", "GREENPATCH_STATS",
};
enum { V_ALL, V_OS, V_SELECT, V_SOCKET, V_THREAD, V_TIME, V_STACK, V_POOL, V_DEADLOCK, V_WRAP, V_BLOCK, V_DUMP,
       V_STATS };
static const int fz_order[NVARS] = { V_ALL,	 V_OS,	  V_SELECT, V_SOCKET, V_THREAD, V_TIME, V_STACK,
				     V_POOL,	 V_DEADLOCK, V_BLOCK,  V_DUMP,	 V_STATS,  V_WRAP };
static char *fz_vals[NVARS];
static long fz_other_lookups;

static char *fz_getenv(const char *name)
{
	for (int i = 0; i < NVARS; i++)
		if (!strcmp(name, fz_names[i]))
			return fz_vals[i];
	fz_other_lookups++;
	return NULL;
}

#define FZ_CHECK(c, ...)                                                                  \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "property failed: %s: ", #c);                     \
			fprintf(stderr, __VA_ARGS__);                                     \
			fprintf(stderr, "\n");                                            \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* The outcome of one parse, everything it may change. */
struct fz_result {
	int rc;
	unsigned mods;
	char err[512];
	struct gp_config cfg;
	int nwraps;
	struct gp_wrap_spec wraps[GP_WRAP_MAX];
};

static const struct gp_config fz_defaults = { .stack_size = 256 * 1024, .pool_max = 1024, .deadlock = 1,
					      .tpool_size = 20 };

/* Parse the current fz_vals as preload/init.c does (a 512-byte error buffer), from the defaults.
 * The error buffer has a guard after it: nothing may be written past the length given. */
static void fz_parse(struct fz_result *r)
{
	struct {
		char err[512];
		char guard[64];
	} b;
	memset(&b, 0x5a, sizeof(b));
	gp_config = fz_defaults;
	gp_nwraps = -1;
	memset(gp_wraps, 0x77, sizeof(gp_wraps));
	r->mods = 0xdeadbeef;
	r->rc = gp_flags_parse(fz_getenv, &r->mods, b.err, sizeof(b.err));
	for (size_t i = 0; i < sizeof(b.guard); i++)
		FZ_CHECK(b.guard[i] == 0x5a, "byte %zu past the error buffer written", i);
	memcpy(r->err, b.err, sizeof(r->err));
	r->cfg = gp_config;
	r->nwraps = gp_nwraps;
	memcpy(r->wraps, gp_wraps, sizeof(r->wraps));
}

/* ---- independent models of the value syntax ---- */

/* 1/0 for the eight spellings in any case, -1 unset, -2 anything else: the value lowered and
 * looked for as a whole word of a list (not the parser's table walk). */
static int fz_model_bool(const char *v)
{
	if (!v)
		return -1;
	char word[16] = " ";
	size_t n = strlen(v);
	if (n == 0 || n > sizeof(word) - 3 || strchr(v, ' '))
		return -2;
	for (size_t i = 0; i < n; i++)
		word[1 + i] = (char)tolower((unsigned char)v[i]);
	word[1 + n] = ' ';
	if (strstr(" 1 true yes on ", word))
		return 1;
	return strstr(" 0 false no off ", word) ? 0 : -2;
}

/* Decimal digits only, then at most one of k K m M g G; the value in bytes, or -1 when that is
 * not the form or it does not fit in 64 bits. */
static long double fz_model_size(const char *v, int suffix_ok)
{
	if (!v || !*v)
		return -1;
	long double n = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (*p - '0');
	if (p == v)
		return -1;
	int shift = 0;
	if (suffix_ok && *p && strchr("kKmMgG", *p))
		shift = strchr("kK", *p) ? 10 : strchr("mM", *p) ? 20 : 30, p++;
	if (*p)
		return -1;
	n *= (long double)(1ull << shift);
	return n > 18446744073709551615.0L ? -1 : n;
}

/* GREENPATCH_DUMP_SIGNAL: "off" (any case) or "0": 0; a number 1..64 (digits only); a name of
 * signals 1..31 as glibc abbreviates them (sigabbrev_np: 29 is POLL), with or without "SIG", in
 * any case; RTMIN, RTMIN+n, RTMAX, RTMAX-n within the real-time range. -1 if it is none of these
 * or a signal the dump cannot take (KILL, STOP, the faults, glibc's 32 and 33, greenpatch's 63). */
static int fz_model_dump_signal(const char *v)
{
	static const char *const names[32] = { NULL,   "HUP",  "INT",	"QUIT", "ILL",	  "TRAP", "ABRT", "BUS",
					      "FPE",  "KILL", "USR1", "SEGV", "USR2",   "PIPE", "ALRM", "TERM",
					      "STKFLT", "CHLD", "CONT", "STOP", "TSTP",   "TTIN", "TTOU", "URG",
					      "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR",  "SYS" };
	if (!strcasecmp(v, "off") || !strcmp(v, "0"))
		return 0;
	int s = 0;
	long double n;
	if (*v >= '0' && *v <= '9') {
		s = (n = fz_model_size(v, 0)) >= 1 && n <= 64 ? (int)n : 0;
	} else {
		const char *name = strncasecmp(v, "SIG", 3) ? v : v + 3;
		for (int i = 1; i < 32 && !s; i++)
			if (!strcasecmp(name, names[i]))
				s = i;
		int lo = SIGRTMIN, hi = SIGRTMAX;
		if (!s && (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5))) {
			int min = (name[4] | 0x20) == 'n', base = min ? lo : hi;
			if (!name[5])
				s = base;
			else if (name[5] == (min ? '+' : '-') && (n = fz_model_size(name + 6, 0)) >= 0 && n <= hi - lo)
				s = min ? base + (int)n : base - (int)n;
		}
	}
	if (!s || s == 9 || s == 19 || s == 4 || s == 5 || s == 7 || s == 8 || s == 11 || s == 32 || s == 33 ||
	    s == 63)
		return -1;
	return s;
}

/* eventlet.monkey_patch's table: ALL unset -> on unless some module is set true. */
static unsigned fz_model_mask(int all, const int mod[5])
{
	static const unsigned bit[5] = { GP_M_OS, GP_M_SELECT, GP_M_SOCKET, GP_M_THREAD, GP_M_TIME };
	int any_true = 0;
	for (int i = 0; i < 5; i++)
		any_true |= mod[i] == 1;
	int dflt = all >= 0 ? all : !any_true;
	unsigned m = 0;
	for (int i = 0; i < 5; i++)
		if (mod[i] == 1 || (mod[i] < 0 && dflt))
			m |= bit[i];
	return m;
}

/* ---- properties of any result ---- */

/* The error line: one line, no control characters, "greenpatch: <VAR>: ..." naming a variable
 * that is set, and whole (it fits the 512 bytes init.c gives it: it ends with ')'). */
static int fz_check_error(const struct fz_result *r)
{
	size_t n = strnlen(r->err, sizeof(r->err));
	FZ_CHECK(n > 0 && n < sizeof(r->err), "error line of %zu bytes", n);
	for (size_t i = 0; i < n; i++)
		FZ_CHECK((unsigned char)r->err[i] >= 0x20 && r->err[i] != 0x7f, "control byte 0x%02x at %zu in \"%s\"",
			 (unsigned char)r->err[i], i, r->err);
	FZ_CHECK(!strncmp(r->err, "greenpatch: GREENPATCH_", 23), "\"%s\"", r->err);
	FZ_CHECK(r->err[n - 1] == ')', "cut short: \"%s\"", r->err);
	for (int i = 0; i < NVARS; i++) {
		size_t k = strlen(fz_names[i]);
		if (!strncmp(r->err + 12, fz_names[i], k) && r->err[12 + k] == ':') {
			FZ_CHECK(fz_vals[i] != NULL, "names %s, which is not set: \"%s\"", fz_names[i], r->err);
			return i;
		}
	}
	FZ_CHECK(0, "names no variable: \"%s\"", r->err);
	return -1;
}

static void fz_check_wrap(const struct gp_wrap_spec *w)
{
	size_t n = strnlen(w->name, sizeof(w->name));
	FZ_CHECK(n > 0 && n < sizeof(w->name), "name of %zu bytes", n);
	FZ_CHECK(!(w->name[0] >= '0' && w->name[0] <= '9'), "name \"%s\"", w->name);
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(w->name[i] == '_' || (w->name[i] >= '0' && w->name[i] <= '9') ||
				 ((w->name[i] | 0x20) >= 'a' && (w->name[i] | 0x20) <= 'z'),
			 "name \"%s\"", w->name);
	FZ_CHECK(w->ret && strchr("viIlLzpdf", w->ret), "return type 0x%02x", (unsigned char)w->ret);
	size_t na = strnlen(w->args, sizeof(w->args));
	FZ_CHECK(na < sizeof(w->args), "arguments not terminated");
	for (size_t i = 0; i < na; i++)
		FZ_CHECK(strchr("iIlLzpdf", w->args[i]), "argument type 0x%02x", (unsigned char)w->args[i]);
}

/* A success: only the 5 module bits, sizes in their ranges, well-formed wrap entries. */
static void fz_check_success(const struct fz_result *r)
{
	FZ_CHECK((r->mods & ~(unsigned)GP_M_ALL) == 0, "mask 0x%x", r->mods);
	FZ_CHECK(r->cfg.stack_size >= 16384 && r->cfg.stack_size <= (1ull << 32), "stack %zu", r->cfg.stack_size);
	FZ_CHECK(r->cfg.tpool_size <= 100000, "pool %u", r->cfg.tpool_size);
	FZ_CHECK(r->cfg.deadlock >= 0 && r->cfg.deadlock <= 2, "deadlock %d", r->cfg.deadlock);
	FZ_CHECK(r->cfg.pool_max == fz_defaults.pool_max && !r->cfg.housekeeping && !r->cfg.thread_create &&
			 !r->cfg.os_thread,
		 "a field no variable sets changed");
	FZ_CHECK(r->nwraps >= 0 && r->nwraps <= GP_WRAP_MAX, "%d wraps", r->nwraps);
	for (int i = 0; i < r->nwraps; i++) {
		fz_check_wrap(&r->wraps[i]);
		for (int j = 0; j < i; j++)
			FZ_CHECK(strcmp(r->wraps[i].name, r->wraps[j].name), "\"%s\" twice", r->wraps[i].name);
	}
}

/* Parse twice: the same result, byte for byte (the parser keeps no state between calls). */
static void fz_parse_twice(struct fz_result *r)
{
	static struct fz_result again;
	fz_parse(r);
	fz_parse(&again);
	FZ_CHECK(r->rc == again.rc && r->mods == again.mods && !memcmp(&r->cfg, &again.cfg, sizeof(r->cfg)) &&
			 r->nwraps == again.nwraps,
		 "two parses differ");
	if (r->rc < 0)
		FZ_CHECK(!strcmp(r->err, again.err), "\"%s\" then \"%s\"", r->err, again.err);
	for (int i = 0; r->rc == 0 && i < r->nwraps; i++)
		FZ_CHECK(!memcmp(&r->wraps[i], &again.wraps[i], sizeof(r->wraps[i])), "wrap %d differs", i);
	FZ_CHECK(fz_other_lookups == 0, "looked up a variable it does not know");
}

/* ---- the model of the whole parse: which variable is reported, what a success holds ---- */

static int fz_model_ident(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(((struct gp_wrap_spec *)0)->name) || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return 0;
	return 1;
}

/* GREENPATCH_TPOOL_WRAP: "name:r(args)" entries joined by ',' (none when empty), at most 64,
 * names distinct, at most 16 argument types, 'v' only as a return type. */
static int fz_model_wrap_ok(const char *v)
{
	char names[GP_WRAP_MAX][128];
	int n = 0;
	if (!v || !*v)
		return 1;
	for (const char *e = v;; n++) {
		const char *end = strchr(e, ',');
		size_t len = end ? (size_t)(end - e) : strlen(e);
		const char *colon = memchr(e, ':', len);
		if (n == GP_WRAP_MAX || !colon || !fz_model_ident(e, (size_t)(colon - e)))
			return 0;
		const char *sig = colon + 1, *stop = e + len;
		if (stop - sig < 3 || !strchr("viIlLzpdf", sig[0]) || sig[1] != '(' || stop[-1] != ')' ||
		    stop - sig - 3 > GP_WRAP_ARGS)
			return 0;
		for (const char *a = sig + 2; a < stop - 1; a++)
			if (!strchr("iIlLzpdf", *a))
				return 0;
		memcpy(names[n], e, (size_t)(colon - e));
		names[n][colon - e] = 0;
		for (int i = 0; i < n; i++)
			if (!strcmp(names[i], names[n]))
				return 0;
		if (!end)
			return 1;
		e = end + 1;
	}
}

/* Is variable i's value acceptable on its own? (Unset is.) */
static int fz_model_ok(int i)
{
	const char *v = fz_vals[i];
	long double n;
	if (!v)
		return 1;
	switch (i) {
	case V_STACK: return (n = fz_model_size(v, 1)) >= 16384 && n <= 4294967296.0L;
	case V_POOL: return (n = fz_model_size(v, 0)) >= 0 && n <= 100000;
	case V_DEADLOCK: return !strcasecmp(v, "off") || !strcasecmp(v, "report") || !strcasecmp(v, "abort");
	case V_WRAP: return fz_model_wrap_ok(v);
	case V_BLOCK: return (n = fz_model_size(v, 0)) >= 0 && n <= 3600000;
	case V_DUMP: return fz_model_dump_signal(v) >= 0;
	default: return fz_model_bool(v) != -2; /* the modules, STATS */
	}
}

/* The wrap entries written back: the grammar has one spelling per list, so it is the value. */
static void fz_unparse_wraps(const struct fz_result *r, char *out, size_t len)
{
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < r->nwraps && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s:%c(%s)", i ? "," : "", r->wraps[i].name, r->wraps[i].ret,
				      r->wraps[i].args);
}

/* Everything one parse of fz_vals must satisfy. The parser checks the variables in the order of
 * fz_names: it fails exactly when one is not acceptable, naming the first such. */
static void fz_verify(void)
{
	static struct fz_result r;
	int first_bad = -1;
	for (int k = 0; k < NVARS && first_bad < 0; k++)
		if (!fz_model_ok(fz_order[k]))
			first_bad = fz_order[k];
	fz_parse_twice(&r);
	if (r.rc != 0) {
		FZ_CHECK(r.rc == -1, "returned %d", r.rc);
		int named = fz_check_error(&r);
		FZ_CHECK(named == first_bad, "names %s, the model says %s: \"%s\"", fz_names[named],
			 first_bad < 0 ? "no error" : fz_names[first_bad], r.err);
		return;
	}
	FZ_CHECK(first_bad < 0, "accepted %s='%s'", fz_names[first_bad >= 0 ? first_bad : 0],
		 first_bad >= 0 ? fz_vals[first_bad] : "");
	fz_check_success(&r);
	int mod[5];
	for (int i = 0; i < 5; i++)
		mod[i] = fz_model_bool(fz_vals[V_OS + i]);
	FZ_CHECK(r.mods == fz_model_mask(fz_model_bool(fz_vals[V_ALL]), mod), "mask 0x%x", r.mods);
	if (fz_vals[V_STACK])
		FZ_CHECK((long double)r.cfg.stack_size == fz_model_size(fz_vals[V_STACK], 1), "stack %zu for '%s'",
			 r.cfg.stack_size, fz_vals[V_STACK]);
	else
		FZ_CHECK(r.cfg.stack_size == fz_defaults.stack_size, "stack %zu unset", r.cfg.stack_size);
	if (fz_vals[V_POOL])
		FZ_CHECK((long double)r.cfg.tpool_size == fz_model_size(fz_vals[V_POOL], 0), "pool %u for '%s'",
			 r.cfg.tpool_size, fz_vals[V_POOL]);
	else
		FZ_CHECK(r.cfg.tpool_size == fz_defaults.tpool_size, "pool %u unset", r.cfg.tpool_size);
	static const char *const modes[] = { "off", "report", "abort" };
	FZ_CHECK(fz_vals[V_DEADLOCK] ? !strcasecmp(fz_vals[V_DEADLOCK], modes[r.cfg.deadlock]) : r.cfg.deadlock == 1,
		 "deadlock %d", r.cfg.deadlock);
	if (fz_vals[V_BLOCK])
		FZ_CHECK((long double)r.cfg.block_ms == fz_model_size(fz_vals[V_BLOCK], 0), "blocking %u for '%s'",
			 r.cfg.block_ms, fz_vals[V_BLOCK]);
	else
		FZ_CHECK(r.cfg.block_ms == fz_defaults.block_ms, "blocking %u unset", r.cfg.block_ms);
	FZ_CHECK(r.cfg.dump_sig == (fz_vals[V_DUMP] ? fz_model_dump_signal(fz_vals[V_DUMP]) : fz_defaults.dump_sig),
		 "dump signal %d for '%s'", r.cfg.dump_sig, fz_vals[V_DUMP] ? fz_vals[V_DUMP] : "(unset)");
	FZ_CHECK(r.cfg.stats == (fz_model_bool(fz_vals[V_STATS]) == 1), "stats %d", r.cfg.stats);
	static char back[GP_WRAP_MAX * 160];
	fz_unparse_wraps(&r, back, sizeof(back));
	FZ_CHECK(!strcmp(back, fz_vals[V_WRAP] ? fz_vals[V_WRAP] : ""), "wraps '%s' read back as '%s'",
		 fz_vals[V_WRAP] ? fz_vals[V_WRAP] : "", back);
}

/* Set variable i to the n bytes at p (cut at the first NUL, as an environment string would be). */
static void fz_set(int i, const uint8_t *p, size_t n)
{
	free(fz_vals[i]);
	fz_vals[i] = strndup((const char *)p, n);
}

static void fz_clear(void)
{
	for (int i = 0; i < NVARS; i++) {
		free(fz_vals[i]);
		fz_vals[i] = NULL;
	}
}
