/* GREENPATCH_STATS: counters of the whole process, printed at exit. Each hub counts for itself
 * (only its own OS thread writes its counters: plain increments, nothing shared on the switch
 * path); a hub whose OS thread ends adds its counts to `retired` as it leaves the list of hubs,
 * and the report adds up the retired counts and those of the hubs alive.
 *
 * What counts as a call made real: a patched call the runtime made with the real, blocking
 * function (or a wait in the kernel) instead of a green wait, because the caller was alone on its
 * hub (no other green thread could run meanwhile), or because the program made the descriptor
 * non-blocking itself (it gets EAGAIN, as natively). Calls of modules that are not patched, and
 * calls that never wait, are not counted. */
#include "rt.h"
#include "sys.h"

static struct {
	uint64_t switches, polls, spawned, real_alone, real_nonblock, tpool_jobs, tpool_inline;
} retired;
static unsigned long peak;

void gp_stats_retire(const struct gp_hub *h)
{
	retired.switches += h->switches;
	retired.polls += h->polls;
	retired.spawned += h->spawned;
	retired.real_alone += h->real_alone;
	retired.real_nonblock += h->real_nonblock;
	retired.tpool_jobs += h->tpool_jobs;
	retired.tpool_inline += h->tpool_inline;
}

void gp_stats_alive(unsigned long alive)
{
	unsigned long p = __atomic_load_n(&peak, __ATOMIC_RELAXED);
	while (alive > p && !__atomic_compare_exchange_n(&peak, &p, alive, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void gp_stats_print(int fd)
{
	gp_lock(&gp_hubs.lock);
	__typeof__(retired) n = retired;
	for (const struct gp_hub *h = gp_hubs.head; h; h = h->hubs_next) {
		n.switches += LOAD(h->switches);
		n.polls += LOAD(h->polls);
		n.spawned += LOAD(h->spawned);
		n.real_alone += LOAD(h->real_alone);
		n.real_nonblock += LOAD(h->real_nonblock);
		n.tpool_jobs += LOAD(h->tpool_jobs);
		n.tpool_inline += LOAD(h->tpool_inline);
	}
	gp_unlock(&gp_hubs.lock);
	gp_say(fd, "greenpatch: stats (pid %d): green_threads=%llu peak_alive=%lu switches=%llu hub_iterations=%llu "
		   "tpool_jobs=%llu (inline=%llu) real_calls=%llu (alone=%llu nonblocking=%llu)\n",
	       (int)GP_SC(SYS_getpid, 0, 0, 0, 0, 0, 0), (unsigned long long)n.spawned, LOAD(peak),
	       (unsigned long long)n.switches, (unsigned long long)n.polls, (unsigned long long)n.tpool_jobs,
	       (unsigned long long)n.tpool_inline, (unsigned long long)(n.real_alone + n.real_nonblock),
	       (unsigned long long)n.real_alone, (unsigned long long)n.real_nonblock);
}

/* fork child: its counts start from nothing, with its one green thread alive. */
void gp_stats_atfork_child(struct gp_hub *h)
{
	retired = (__typeof__(retired)){ 0 };
	peak = 1;
	if (h)
		h->switches = h->polls = h->spawned = h->real_alone = h->real_nonblock = h->tpool_jobs =
			h->tpool_inline = 0;
}
