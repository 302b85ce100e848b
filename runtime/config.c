/* The environment, with eventlet.monkey_patch's semantics. Every GREENPATCH_<MODULE> takes
 * 1/0/true/false/yes/no/on/off in any case. The default for a module not named is ALL's value when
 * ALL is set, otherwise "on unless some module is set true"; a module's own setting always wins.
 * Anything not understood stops the program before main with one line and exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <signal.h>
#include "rt.h"
#include "config.h"

static const struct {
	const char *var;
	unsigned bit;
} modules[] = {
	{ "GREENPATCH_OS", GP_M_OS },         { "GREENPATCH_SELECT", GP_M_SELECT },
	{ "GREENPATCH_SOCKET", GP_M_SOCKET }, { "GREENPATCH_THREAD", GP_M_THREAD },
	{ "GREENPATCH_TIME", GP_M_TIME },
};

#define BOOL_ACCEPTED "1, 0, true, false, yes, no, on, off"

/* 1 or 0, -1 if unset, -2 if not understood. */
static int parse_bool(const char *v)
{
	static const char *yes[] = { "1", "true", "yes", "on" }, *no[] = { "0", "false", "no", "off" };
	if (!v)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -2;
}

/* A size in bytes with an optional k/K/m/M/g/G suffix; 0 on success. It starts with a digit:
 * strtoull alone would take a sign or any leading white space ("\t64k", "\n20"). */
static int parse_size(const char *v, unsigned long long *out)
{
	char *end;
	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v)
		return -1;
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'm' || *end == 'M')
		shift = 20, end++;
	else if (*end == 'g' || *end == 'G')
		shift = 30, end++;
	if (*end || (shift && n > (~0ull >> shift)))
		return -1;
	*out = n << shift;
	return 0;
}

/* The message is one line whatever the value holds: control characters are shown as '?'. */
static int bad(char *err, unsigned long len, const char *var, const char *val, const char *accepted)
{
	char shown[65];
	size_t i;
	for (i = 0; val[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (unsigned char)val[i] < 0x20 || val[i] == 0x7f ? '?' : val[i];
	shown[i] = 0;
	snprintf(err, len, "greenpatch: %s: invalid value '%s' (accepted: %s)", var, shown, accepted);
	return -1;
}

static int parse_modules(char *(*get)(const char *), unsigned *mods, char *err, unsigned long len)
{
	int all = parse_bool(get("GREENPATCH_ALL")), set[5], any_true = 0;
	if (all == -2)
		return bad(err, len, "GREENPATCH_ALL", get("GREENPATCH_ALL"), BOOL_ACCEPTED);
	for (int i = 0; i < 5; i++) {
		set[i] = parse_bool(get(modules[i].var));
		if (set[i] == -2)
			return bad(err, len, modules[i].var, get(modules[i].var), BOOL_ACCEPTED);
		any_true |= set[i] == 1;
	}
	int dflt = all >= 0 ? all : !any_true;
	*mods = 0;
	for (int i = 0; i < 5; i++)
		if (set[i] == 1 || (set[i] == -1 && dflt))
			*mods |= modules[i].bit;
	return 0;
}

struct gp_wrap_spec gp_wraps[GP_WRAP_MAX];
int gp_nwraps;

#define WRAP_TYPES "viIlLzpdf"
#define WRAP_ACCEPTED "name:ret(args),... with types v i I l L z p d f, e.g. slow_call:i(i)"

static int wrap_bad(char *err, unsigned long len, const char *problem, const char *entry, int n)
{
	char shown[65];
	snprintf(shown, sizeof(shown), "%.*s", n < 64 ? n : 64, entry);
	for (char *c = shown; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(err, len, "greenpatch: GREENPATCH_TPOOL_WRAP: %s in '%s' (accepted: %s)", problem, shown,
		 WRAP_ACCEPTED);
	return -1;
}

/* One entry "name:r(aa)" of n bytes into w; 0, or -1 with the error line. */
static int wrap_entry(const char *e, int n, struct gp_wrap_spec *w, char *err, unsigned long len)
{
	const char *colon = memchr(e, ':', (size_t)n), *end = e + n;
	if (!colon)
		return wrap_bad(err, len, "no ':' before the signature", e, n);
	int nl = (int)(colon - e);
	if (nl == 0 || nl >= (int)sizeof(w->name) || !(isalpha((unsigned char)e[0]) || e[0] == '_'))
		return wrap_bad(err, len, "not a function name", e, n);
	for (int i = 0; i < nl; i++)
		if (!isalnum((unsigned char)e[i]) && e[i] != '_')
			return wrap_bad(err, len, "not a function name", e, n);
	const char *sig = colon + 1;
	if (end - sig < 3 || sig[1] != '(' || end[-1] != ')')
		return wrap_bad(err, len, "not a signature ret(args)", e, n);
	if (!strchr(WRAP_TYPES, sig[0]) || !sig[0])
		return wrap_bad(err, len, "unknown return type", e, n);
	int na = (int)(end - 1 - (sig + 2));
	if (na > GP_WRAP_ARGS)
		return wrap_bad(err, len, "more than 16 arguments", e, n);
	for (int i = 0; i < na; i++)
		if (!sig[2 + i] || !strchr(WRAP_TYPES + 1, sig[2 + i]))
			return wrap_bad(err, len, na == 1 && sig[2] == 'v' ? "'v' as an argument (write ())" : "unknown argument type", e, n);
	memcpy(w->name, e, (size_t)nl);
	w->name[nl] = 0;
	w->ret = sig[0];
	memcpy(w->args, sig + 2, (size_t)na);
	w->args[na] = 0;
	return 0;
}

static int parse_wraps(const char *v, char *err, unsigned long len)
{
	gp_nwraps = 0;
	if (!v || !*v)
		return 0;
	for (const char *e = v;;) {
		const char *comma = strchr(e, ',');
		int n = comma ? (int)(comma - e) : (int)strlen(e);
		if (gp_nwraps == GP_WRAP_MAX)
			return wrap_bad(err, len, "more than 64 entries", e, n);
		if (wrap_entry(e, n, &gp_wraps[gp_nwraps], err, len) < 0)
			return -1;
		for (int i = 0; i < gp_nwraps; i++)
			if (!strcmp(gp_wraps[i].name, gp_wraps[gp_nwraps].name))
				return wrap_bad(err, len, "a name given twice", e, n);
		gp_nwraps++;
		if (!comma)
			return 0;
		e = comma + 1;
	}
}

/* GREENPATCH_DEADLOCK: what to do when every green thread waits and nothing can wake them. */
static int parse_deadlock(const char *v, char *err, unsigned long len)
{
	static const char *names[] = { "off", "report", "abort" };
	if (!v)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!strcasecmp(v, names[i])) {
			gp_config.deadlock = i;
			return 0;
		}
	}
	return bad(err, len, "GREENPATCH_DEADLOCK", v, "off, report, abort");
}

/* GREENPATCH_HUB_BLOCKING_DETECTION: milliseconds a green thread may run without a switch. */
static int parse_blocking(const char *v, char *err, unsigned long len)
{
	unsigned long long n;
	if (!v)
		return 0;
	if (parse_size(v, &n) < 0 || strpbrk(v, "kKmMgG") || n > GP_BLOCK_MS_MAX)
		return bad(err, len, "GREENPATCH_HUB_BLOCKING_DETECTION", v,
			   "milliseconds, a whole number from 1 to 3600000, or 0 for off");
	gp_config.block_ms = (unsigned)n;
	return 0;
}

/* A signal by number or name: "12", "USR2", "SIGUSR2", "RTMIN+2", "SIGRTMAX-3" (any case). 0 if
 * not a signal. */
static int signal_number(const char *v)
{
	unsigned long long n;
	if (isdigit((unsigned char)v[0]))
		return parse_size(v, &n) == 0 && !strpbrk(v, "kKmMgG") && n >= 1 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(v, "SIG", 3))
		v += 3;
	for (int s = 1; s < 32; s++) {
		const char *name = sigabbrev_np(s);
		if (name && !strcasecmp(v, name))
			return s;
	}
	int base = !strncasecmp(v, "RTMIN", 5) ? SIGRTMIN : !strncasecmp(v, "RTMAX", 5) ? SIGRTMAX : 0;
	if (!base)
		return 0;
	v += 5;
	if (!*v)
		return base;
	if (*v != (base == SIGRTMIN ? '+' : '-') || parse_size(v + 1, &n) < 0 || strpbrk(v + 1, "kKmMgG") ||
	    n > (unsigned long long)(SIGRTMAX - SIGRTMIN))
		return 0;
	return base == SIGRTMIN ? base + (int)n : base - (int)n;
}

/* GREENPATCH_DUMP_SIGNAL: not a signal the program cannot catch, a fault (its handler is the stack
 * overflow report's), glibc's two or greenpatch's own backtrace signal. */
static int parse_dump_signal(const char *v, char *err, unsigned long len)
{
	if (!v)
		return 0;
	if (!strcasecmp(v, "off") || !strcmp(v, "0")) {
		gp_config.dump_sig = 0;
		return 0;
	}
	int s = signal_number(v);
	if (!s || s == SIGKILL || s == SIGSTOP || s == SIGILL || s == SIGTRAP || s == SIGBUS || s == SIGFPE ||
	    s == SIGSEGV || s == 32 || s == 33 || s == GP_SIG_BACKTRACE)
		return bad(err, len, "GREENPATCH_DUMP_SIGNAL", v,
			   "a signal name (USR2, SIGUSR1, RTMIN+1, ...) or number from 1 to 64, other than KILL, "
			   "STOP, ILL, TRAP, BUS, FPE, SEGV, 32, 33 and 63; or off");
	gp_config.dump_sig = s;
	return 0;
}

int gp_flags_parse(char *(*get)(const char *), unsigned *mods, char *err, unsigned long len)
{
	if (parse_modules(get, mods, err, len) < 0)
		return -1;
	unsigned long long n;
	const char *v = get("GREENPATCH_STACK_SIZE");
	if (v) {
		if (parse_size(v, &n) < 0 || n < 16384 || n > (1ull << 32))
			return bad(err, len, "GREENPATCH_STACK_SIZE", v,
				   "a size in bytes from 16384 to 4G, optionally with k, m or g");
		gp_config.stack_size = (size_t)n;
	}
	v = get("GREENPATCH_THREADPOOL_SIZE");
	if (v && (parse_size(v, &n) < 0 || strpbrk(v, "kKmMgG") || n > 100000))
		return bad(err, len, "GREENPATCH_THREADPOOL_SIZE", v, "a whole number from 0 to 100000");
	if (v)
		gp_config.tpool_size = (unsigned)n;
	if (parse_deadlock(get("GREENPATCH_DEADLOCK"), err, len) < 0 ||
	    parse_blocking(get("GREENPATCH_HUB_BLOCKING_DETECTION"), err, len) < 0 ||
	    parse_dump_signal(get("GREENPATCH_DUMP_SIGNAL"), err, len) < 0)
		return -1;
	v = get("GREENPATCH_STATS");
	int stats = parse_bool(v);
	if (stats == -2)
		return bad(err, len, "GREENPATCH_STATS", v, BOOL_ACCEPTED);
	gp_config.stats = stats == 1;
	return parse_wraps(get("GREENPATCH_TPOOL_WRAP"), err, len);
}
