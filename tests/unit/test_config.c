/* config.c: eventlet's monkey_patch flag table, value spellings, sizes, error lines. */
#include "unit.h"
#include "config.h"

static const char *env[16][2];
static int nenv;

static char *fake_getenv(const char *name)
{
	for (int i = 0; i < nenv; i++)
		if (!strcmp(env[i][0], name))
			return (char *)env[i][1];
	return NULL;
}

/* Parse with the given NAME=VALUE settings (GREENPATCH_ prefix implied); returns the mask or -1. */
static long parse(const char *settings, char *err)
{
	static char buf[512];
	nenv = 0;
	snprintf(buf, sizeof(buf), "%s", settings);
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
		static char names[16][64];
		char *eq = strchr(tok, '=');
		*eq = 0;
		snprintf(names[nenv], sizeof(names[0]), "GREENPATCH_%s", tok);
		env[nenv][0] = names[nenv];
		env[nenv][1] = eq + 1;
		nenv++;
	}
	unsigned mods;
	char e[256];
	if (gp_flags_parse(fake_getenv, &mods, err ? err : e, 256) < 0)
		return -1;
	return mods;
}

#define ALL5 (GP_M_OS | GP_M_SELECT | GP_M_SOCKET | GP_M_THREAD | GP_M_TIME)

TEST(eventlet_flag_table)
{
	CHECK_EQ(parse("", NULL), ALL5);
	CHECK_EQ(parse("SOCKET=1", NULL), GP_M_SOCKET);
	CHECK_EQ(parse("SOCKET=0", NULL), ALL5 & ~GP_M_SOCKET);
	CHECK_EQ(parse("SOCKET=1 TIME=0", NULL), GP_M_SOCKET);
	CHECK_EQ(parse("ALL=1", NULL), ALL5);
	CHECK_EQ(parse("ALL=1 TIME=0", NULL), ALL5 & ~GP_M_TIME);
	CHECK_EQ(parse("ALL=0", NULL), 0);
	CHECK_EQ(parse("ALL=0 THREAD=1", NULL), GP_M_THREAD);
	CHECK_EQ(parse("THREAD=yes SELECT=On", NULL), GP_M_THREAD | GP_M_SELECT);
	CHECK_EQ(parse("OS=FALSE THREAD=off", NULL), ALL5 & ~(GP_M_OS | GP_M_THREAD));
}

TEST(bad_values_name_the_variable)
{
	char err[256];
	CHECK_EQ(parse("TIME=maybe", err), -1);
	CHECK(!strcmp(err, "greenpatch: GREENPATCH_TIME: invalid value 'maybe' (accepted: 1, 0, true, false, yes, no, on, off)"));
	CHECK_EQ(parse("ALL=", err), -1);
	CHECK(strstr(err, "GREENPATCH_ALL") != NULL);
	CHECK_EQ(parse("STACK_SIZE=12x", err), -1);
	CHECK(strstr(err, "GREENPATCH_STACK_SIZE: invalid value '12x'") != NULL);
	CHECK_EQ(parse("STACK_SIZE=8k", err), -1); /* below 16k */
	CHECK_EQ(parse("THREADPOOL_SIZE=-1", err), -1);
	CHECK(strstr(err, "GREENPATCH_THREADPOOL_SIZE") != NULL);
	CHECK_EQ(parse("THREADPOOL_SIZE=100001", err), -1);
}

TEST(sizes)
{
	size_t keep = gp_config.stack_size;
	CHECK_EQ(parse("STACK_SIZE=64k", NULL), ALL5);
	CHECK_EQ(gp_config.stack_size, 64 * 1024);
	CHECK_EQ(parse("STACK_SIZE=2M", NULL), ALL5);
	CHECK_EQ(gp_config.stack_size, 2 * 1024 * 1024);
	CHECK_EQ(parse("STACK_SIZE=20000", NULL), ALL5);
	CHECK_EQ(gp_config.stack_size, 20000);
	CHECK_EQ(parse("THREADPOOL_SIZE=0", NULL), ALL5);
	gp_config.stack_size = keep;
}

RUN_TESTS()
