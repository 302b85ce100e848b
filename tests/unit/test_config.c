/* config.c: gp_flags_parse with a fake getenv. eventlet's monkey_patch flag table (the cases by
 * name, then all 729 settings of ALL and the five modules against an independent model), value
 * spellings in any case, every bad value (-1 and one line naming the variable), stack sizes with
 * suffixes and bounds, the thread-pool size, the diagnostics' settings. */
#include "unit.h"
#include "config.h"

#define ALL5 (GP_M_OS | GP_M_SELECT | GP_M_SOCKET | GP_M_THREAD | GP_M_TIME)

static const char *names[] = { "GREENPATCH_ALL",    "GREENPATCH_OS",         "GREENPATCH_SELECT",
			       "GREENPATCH_SOCKET", "GREENPATCH_THREAD",     "GREENPATCH_TIME",
			       "GREENPATCH_STACK_SIZE", "GREENPATCH_THREADPOOL_SIZE", "GREENPATCH_DEADLOCK",
			       "GREENPATCH_TPOOL_WRAP", "GREENPATCH_HUB_BLOCKING_DETECTION",
			       "GREENPATCH_DUMP_SIGNAL", "GREENPATCH_STATS" };
#define NVARS 13
static const char *values[NVARS];
static int lookups_of_others;

static char *fake_getenv(const char *name)
{
	for (int i = 0; i < NVARS; i++)
		if (!strcmp(names[i], name))
			return (char *)values[i];
	lookups_of_others++;
	return NULL;
}

/* Settings as "NAME=VALUE NAME=VALUE" (GREENPATCH_ prefix implied; a value may be empty, "NAME=").
 * Returns the module mask, or -1 with the error line in err. */
static long parse(const char *settings, char *err, size_t errlen)
{
	static char buf[1024];
	memset(values, 0, sizeof(values));
	snprintf(buf, sizeof(buf), "%s", settings);
	for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			printf("  bad test setting '%s'\n", tok);
			unit_failed_now = 1;
			return -2;
		}
		*eq = 0;
		int found = 0;
		for (int i = 0; i < NVARS; i++) {
			if (!strcmp(names[i] + strlen("GREENPATCH_"), tok)) {
				values[i] = eq + 1;
				found = 1;
			}
		}
		if (!found) {
			printf("  unknown test variable '%s'\n", tok);
			unit_failed_now = 1;
			return -2;
		}
	}
	unsigned mods = 0xdead;
	char e[512];
	if (!err)
		err = e, errlen = sizeof(e);
	err[0] = 0;
	if (gp_flags_parse(fake_getenv, &mods, err, errlen) < 0)
		return -1;
	return mods;
}

#define P(s) parse(s, NULL, 0)

TEST(eventlet_flag_table)
{
	CHECK_EQ(P(""), ALL5);                      /* nothing set: everything */
	CHECK_EQ(P("SOCKET=1"), GP_M_SOCKET);       /* one set true: only that one */
	CHECK_EQ(P("SOCKET=0"), ALL5 & ~GP_M_SOCKET); /* one set false: all but that one */
	CHECK_EQ(P("ALL=1 TIME=0"), ALL5 & ~GP_M_TIME);
	CHECK_EQ(P("ALL=0"), 0);
	CHECK_EQ(P("ALL=0 THREAD=1"), GP_M_THREAD);
	CHECK_EQ(P("ALL=1"), ALL5);
	CHECK_EQ(P("SOCKET=1 TIME=0"), GP_M_SOCKET);
	CHECK_EQ(P("SOCKET=1 SELECT=1"), GP_M_SOCKET | GP_M_SELECT);
	CHECK_EQ(P("OS=0 THREAD=0"), ALL5 & ~(GP_M_OS | GP_M_THREAD));
	CHECK_EQ(P("ALL=0 OS=0"), 0);
	CHECK_EQ(P("ALL=1 OS=1"), ALL5);
	CHECK_EQ(P("OS=1 SELECT=1 SOCKET=1 THREAD=1 TIME=1"), ALL5);
	CHECK_EQ(P("OS=0 SELECT=0 SOCKET=0 THREAD=0 TIME=0"), 0);
	CHECK_EQ(P("ALL=1 OS=0 SELECT=0 SOCKET=0 THREAD=0 TIME=0"), 0);
}

/* eventlet.patcher.monkey_patch, written out independently: `all` unset -> default on unless some
 * module is set true; a module's own setting wins. */
static unsigned model(int all, const int mod[5])
{
	static const unsigned bit[5] = { GP_M_OS, GP_M_SELECT, GP_M_SOCKET, GP_M_THREAD, GP_M_TIME };
	int any_true = 0;
	for (int i = 0; i < 5; i++)
		any_true |= mod[i] == 1;
	int dflt = all >= 0 ? all : !any_true;
	unsigned r = 0;
	for (int i = 0; i < 5; i++)
		if (mod[i] == 1 || (mod[i] < 0 && dflt))
			r |= bit[i];
	return r;
}

TEST(all_729_settings_match_eventlet)
{
	static const char *spell[2][4] = { { "0", "false", "no", "off" }, { "1", "true", "yes", "on" } };
	int mismatches = 0;
	for (int code = 0; code < 729; code++) {
		int s[6], c = code;
		for (int i = 0; i < 6; i++, c /= 3)
			s[i] = c % 3 - 1; /* -1 unset, 0, 1 */
		memset(values, 0, sizeof(values));
		for (int i = 0; i < 6; i++)
			if (s[i] >= 0)
				values[i] = spell[s[i]][(code + i) % 4];
		unsigned mods = 0;
		char err[256];
		int r = gp_flags_parse(fake_getenv, &mods, err, sizeof(err));
		unsigned want = model(s[0], s + 1);
		if (r != 0 || mods != want) {
			if (mismatches++ < 5)
				UNIT_FAILED("setting %d (ALL=%d OS=%d SELECT=%d SOCKET=%d THREAD=%d TIME=%d): got %d/0x%x, want 0x%x",
					    code, s[0], s[1], s[2], s[3], s[4], s[5], r, mods, want);
		}
	}
	CHECK_EQ(mismatches, 0);
}

TEST(values_in_any_case)
{
	CHECK_EQ(P("THREAD=yes SELECT=On"), GP_M_THREAD | GP_M_SELECT);
	CHECK_EQ(P("OS=FALSE THREAD=off"), ALL5 & ~(GP_M_OS | GP_M_THREAD));
	CHECK_EQ(P("ALL=TRUE TIME=No"), ALL5 & ~GP_M_TIME);
	CHECK_EQ(P("ALL=oFf SOCKET=tRuE"), GP_M_SOCKET);
	CHECK_EQ(P("ALL=YES OS=OFF"), ALL5 & ~GP_M_OS);
	CHECK_EQ(P("ALL=nO SELECT=oN"), GP_M_SELECT);
}

/* One variable set to a value (which may hold spaces); the mask or -1 with the line in err. */
static long parse_one(const char *var, const char *val, char *err, size_t errlen)
{
	memset(values, 0, sizeof(values));
	for (int i = 0; i < NVARS; i++)
		if (!strcmp(names[i], var))
			values[i] = val;
	unsigned mods = 0;
	err[0] = 0;
	return gp_flags_parse(fake_getenv, &mods, err, errlen) < 0 ? -1 : (long)mods;
}

/* var (full name) set to val must give -1 and one line naming the variable and the value (its
 * control characters shown as '?'). */
static void expect_bad(const char *var, const char *val)
{
	char err[512], want[256], shown[128];
	long r = parse_one(var, val, err, sizeof(err));
	snprintf(shown, sizeof(shown), "%s", val);
	for (char *c = shown; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(want, sizeof(want), "greenpatch: %s: invalid value '%s' (accepted: ", var, shown);
	if (r != -1 || strncmp(err, want, strlen(want)) || strchr(err, '\n') || !*err || err[strlen(err) - 1] != ')')
		UNIT_FAILED("%s='%s': got %ld, error line \"%s\"; want -1 and a line starting \"%s\"", var, val, r,
			    err, want);
}

TEST(each_bad_flag_value_names_the_variable)
{
	static const char *bad[] = { "", "2", "-1", "01", "y", "n", "tru", "truee", "enable", "disabled", "1.0", "+1",
				     " 1", "1 ", "yes please" };
	static const char *vars[] = { "ALL", "OS", "SELECT", "SOCKET", "THREAD", "TIME" };
	for (int v = 0; v < 6; v++) {
		for (int b = 0; b < (int)(sizeof(bad) / sizeof(bad[0])); b++) {
			char full[64];
			snprintf(full, sizeof(full), "GREENPATCH_%s", vars[v]);
			expect_bad(full, bad[b]);
		}
	}
	char err[512];
	CHECK_EQ(parse("TIME=maybe", err, sizeof(err)), -1);
	CHECK_STR(err, "greenpatch: GREENPATCH_TIME: invalid value 'maybe' (accepted: 1, 0, true, false, yes, no, on, off)");
	/* a bad module among good ones is still reported */
	CHECK_EQ(parse("ALL=1 OS=0 SELECT=1 SOCKET=x", err, sizeof(err)), -1);
	CHECK(strstr(err, "GREENPATCH_SOCKET") != NULL);
}

/* "One line naming the variable": a value holding a newline (or other control characters) must
 * not split the message or reach the terminal raw. */
TEST(error_line_stays_one_line_for_any_value)
{
	char err[512];
	CHECK_EQ(parse_one("GREENPATCH_TIME", "on\n", err, sizeof(err)), -1);
	CHECK(strchr(err, '\n') == NULL);
	CHECK(strstr(err, "GREENPATCH_TIME") != NULL);
	CHECK_EQ(parse_one("GREENPATCH_STACK_SIZE", "64k\r\nGREENPATCH: fine", err, sizeof(err)), -1);
	CHECK(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL);
	CHECK_EQ(parse_one("GREENPATCH_OS", "\x1b[2J", err, sizeof(err)), -1);
	CHECK(strchr(err, '\x1b') == NULL);
}

TEST(error_line_is_bounded)
{
	char long_val[300];
	memset(long_val, 'v', sizeof(long_val) - 1);
	long_val[sizeof(long_val) - 1] = 0;
	char s[400], err[512];
	snprintf(s, sizeof(s), "OS=%s", long_val);
	CHECK_EQ(parse(s, err, sizeof(err)), -1);
	CHECK(strlen(err) < 200); /* the value is cut short in the message */
	CHECK(strstr(err, "GREENPATCH_OS") != NULL);
	/* a small buffer: truncated, terminated, nothing written past it */
	char small[24];
	memset(small, 'Z', sizeof(small));
	CHECK_EQ(parse("SELECT=bad", small, 16), -1);
	CHECK_EQ(strlen(small), 15);
	CHECK_EQ(small[16], 'Z');
}

TEST(stack_size_suffixes_and_bounds)
{
	size_t keep = gp_config.stack_size;
	static const struct {
		const char *v;
		size_t want;
	} good[] = {
		{ "16384", 16384 },       { "16k", 16384 },          { "16K", 16384 },
		{ "64k", 65536 },         { "20000", 20000 },        { "2m", 2 << 20 },
		{ "2M", 2 << 20 },        { "1g", 1ul << 30 },       { "4G", 4ul << 30 },
		{ "4194304k", 4ul << 30 }, { "4294967296", 4ul << 30 }, { "000000016384", 16384 },
	};
	for (int i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++) {
		char s[64];
		snprintf(s, sizeof(s), "STACK_SIZE=%s", good[i].v);
		gp_config.stack_size = 1;
		long r = P(s);
		if (r != ALL5 || gp_config.stack_size != good[i].want)
			UNIT_FAILED("STACK_SIZE=%s: got %ld and stack_size %zu, want %zu", good[i].v, r,
				    gp_config.stack_size, good[i].want);
	}
	static const char *bad[] = { "16383", "15k", "0", "", "-1", "-16k", "+64k", " 64k", "64k ", "64kb",
				     "64 k", "0x4000", "4294967297", "5g", "4097m", "1t", "k", "99999999999999999999",
				     "18014398509481984k", "17592186044416m",
				     /* found by tests/fuzz: strtoull skips any leading white space */
				     "\t64k", "\n65536", "\r1m", "\v64k", "\f64k", "\t-1" };
	for (int i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		gp_config.stack_size = 12345;
		expect_bad("GREENPATCH_STACK_SIZE", bad[i]);
		CHECK_EQ(gp_config.stack_size, 12345); /* unchanged on error */
	}
	/* and the flags still parse along with it */
	CHECK_EQ(P("STACK_SIZE=128k SOCKET=1"), GP_M_SOCKET);
	CHECK_EQ(gp_config.stack_size, 128 * 1024);
	gp_config.stack_size = keep;
}

TEST(threadpool_size)
{
	static const char *good[] = { "0", "1", "20", "100000", "00020" };
	for (int i = 0; i < 5; i++) {
		char s[64];
		snprintf(s, sizeof(s), "THREADPOOL_SIZE=%s", good[i]);
		CHECK_EQ(P(s), ALL5);
	}
	static const char *bad[] = { "100001", "1k", "1K", "2m", "1g", "-1", "+1", "", "abc", "20 ", " 20", "1e3",
				     "99999999999999999999",
				     /* found by tests/fuzz (fuzz_value, "\r7"): leading white space */
				     "\r7", "\t20", "\n0", "\v1", "\f1" };
	for (int i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		expect_bad("GREENPATCH_THREADPOOL_SIZE", bad[i]);
	}
}

TEST(deadlock_setting)
{
	static const struct {
		const char *v;
		int mode;
	} good[] = { { "off", 0 }, { "report", 1 }, { "abort", 2 }, { "ABORT", 2 }, { "Report", 1 } };
	for (int i = 0; i < 5; i++) {
		char s[64];
		gp_config.deadlock = 7;
		snprintf(s, sizeof(s), "DEADLOCK=%s", good[i].v);
		CHECK_EQ(P(s), ALL5);
		CHECK_EQ(gp_config.deadlock, good[i].mode);
	}
	static const char *bad[] = { "", "1", "0", "yes", "reports", "abort ", "warn" };
	for (int i = 0; i < 7; i++)
		expect_bad("GREENPATCH_DEADLOCK", bad[i]);
	char err[512];
	CHECK_EQ(parse_one("GREENPATCH_DEADLOCK", "hang", err, sizeof(err)), -1);
	CHECK_STR(err, "greenpatch: GREENPATCH_DEADLOCK: invalid value 'hang' (accepted: off, report, abort)");
}

TEST(tpool_wrap_entries)
{
	CHECK_EQ(P("TPOOL_WRAP=slow_call:i(i)"), ALL5);
	CHECK_EQ(gp_nwraps, 1);
	CHECK_STR(gp_wraps[0].name, "slow_call");
	CHECK_EQ(gp_wraps[0].ret, 'i');
	CHECK_STR(gp_wraps[0].args, "i");
	CHECK_EQ(P("TPOOL_WRAP=PQexec:p(pp),a:v(),_b2:d(dfizLIlp)"), ALL5);
	CHECK_EQ(gp_nwraps, 3);
	CHECK_STR(gp_wraps[1].name, "a");
	CHECK_STR(gp_wraps[1].args, "");
	CHECK_STR(gp_wraps[2].args, "dfizLIlp");
	CHECK_EQ(P("TPOOL_WRAP="), ALL5); /* empty: nothing wrapped */
	CHECK_EQ(gp_nwraps, 0);
	static const struct {
		const char *v, *problem;
	} bad[] = {
		{ "slow_call", "no ':' before the signature" },
		{ "slow_call:i", "not a signature ret(args)" },
		{ "slow_call:q(i)", "unknown return type" },
		{ "slow_call:i(x)", "unknown argument type" },
		{ "slow_call:i(v)", "'v' as an argument (write ())" },
		{ "9lives:i(i)", "not a function name" },
		{ ":i(i)", "not a function name" },
		{ "a-b:i(i)", "not a function name" },
		{ "f:i(i),f:i(i)", "a name given twice" },
		{ "f:i(i),", "no ':' before the signature" },
		{ "f:i(iiiiiiiiiiiiiiiii)", "more than 16 arguments" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512], want[256];
		CHECK_EQ(parse_one("GREENPATCH_TPOOL_WRAP", bad[i].v, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "greenpatch: GREENPATCH_TPOOL_WRAP: %s in '", bad[i].problem);
		if (strncmp(err, want, strlen(want)))
			UNIT_FAILED("'%s': \"%s\", want it to start \"%s\"", bad[i].v, err, want);
	}
}

TEST(hub_blocking_detection_milliseconds)
{
	static const struct {
		const char *v;
		unsigned ms;
	} good[] = { { "100", 100 }, { "1", 1 }, { "0", 0 }, { "3600000", 3600000 }, { "0100", 100 } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char s[64];
		gp_config.block_ms = 7;
		snprintf(s, sizeof(s), "HUB_BLOCKING_DETECTION=%s", good[i].v);
		CHECK_EQ(P(s), ALL5);
		CHECK_EQ(gp_config.block_ms, good[i].ms);
	}
	static const char *bad[] = { "", "-1", "+5", "3600001", "1s", "100ms", "1k", "0.5", " 100", "on", "yes",
				     "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad("GREENPATCH_HUB_BLOCKING_DETECTION", bad[i]);
	char err[512];
	CHECK_EQ(parse_one("GREENPATCH_HUB_BLOCKING_DETECTION", "soon", err, sizeof(err)), -1);
	CHECK_STR(err, "greenpatch: GREENPATCH_HUB_BLOCKING_DETECTION: invalid value 'soon' (accepted: milliseconds, a "
		       "whole number from 1 to 3600000, or 0 for off)");
	gp_config.block_ms = 0;
}

TEST(dump_signal_names_and_numbers)
{
	const struct {
		const char *v;
		int sig;
	} good[] = { /* not static: SIGRTMIN is a function call */ { "USR2", SIGUSR2 },     { "SIGUSR1", SIGUSR1 }, { "usr1", SIGUSR1 },  { "sigwinch", SIGWINCH },
		     { "12", 12 },	      { "64", 64 },	      { "RTMIN", SIGRTMIN }, { "RTMIN+2", SIGRTMIN + 2 },
		     { "SIGRTMAX-2", SIGRTMAX - 2 }, { "HUP", SIGHUP }, { "quit", SIGQUIT }, { "off", 0 },
		     { "OFF", 0 },	      { "0", 0 },	      { "ABRT", SIGABRT },   { "TERM", SIGTERM } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char s[64];
		gp_config.dump_sig = -1;
		snprintf(s, sizeof(s), "DUMP_SIGNAL=%s", good[i].v);
		CHECK_EQ(P(s), ALL5);
		if (gp_config.dump_sig != good[i].sig)
			UNIT_FAILED("DUMP_SIGNAL=%s: got %d, want %d", good[i].v, gp_config.dump_sig, good[i].sig);
	}
	static const char *bad[] = { "", "KILL", "SIGSTOP", "9", "19", "SEGV", "11", "BUS", "FPE", "ILL", "TRAP",
				     "32", "33", "63", "65", "-1", "USR3", "SIG", "RTMIN-1", "RTMAX+1", "RTMIN+31",
				     "SIGUSR1 ", "1k", "usr", "12x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad("GREENPATCH_DUMP_SIGNAL", bad[i]);
	char err[512];
	CHECK_EQ(parse_one("GREENPATCH_DUMP_SIGNAL", "SIGKILL", err, sizeof(err)), -1);
	CHECK(!strncmp(err, "greenpatch: GREENPATCH_DUMP_SIGNAL: invalid value 'SIGKILL' (accepted: a signal name", 83));
	CHECK(err[strlen(err) - 1] == ')'); /* whole: not cut by the buffer */
	gp_config.dump_sig = 0;
}

TEST(stats_flag)
{
	static const char *on[] = { "1", "true", "YES", "on" }, *off[] = { "0", "false", "No", "OFF" };
	for (int i = 0; i < 4; i++) {
		char s[64];
		snprintf(s, sizeof(s), "STATS=%s", on[i]);
		CHECK_EQ(P(s), ALL5);
		CHECK_EQ(gp_config.stats, 1);
		snprintf(s, sizeof(s), "STATS=%s", off[i]);
		CHECK_EQ(P(s), ALL5);
		CHECK_EQ(gp_config.stats, 0);
	}
	static const char *bad[] = { "", "2", "maybe", "y", " 1" };
	for (int i = 0; i < 5; i++)
		expect_bad("GREENPATCH_STATS", bad[i]);
}

TEST(reads_only_through_the_given_getenv)
{
	setenv("GREENPATCH_ALL", "0", 1);
	setenv("GREENPATCH_SOCKET", "bogus", 1);
	CHECK_EQ(P(""), ALL5); /* the real environment is not consulted */
	CHECK_EQ(lookups_of_others, 0);
	unsetenv("GREENPATCH_ALL");
	unsetenv("GREENPATCH_SOCKET");
}

RUN_TESTS()
