// Helpers shared by the C++ test programs (cxx_*.cc). The programs are ordinary C++20 programs
// (std::thread and the standard synchronisation library): nothing here knows about greenpatch.
//
// Every program is a list of parts run by run_parts(): all of them, or those named on the command
// line (so that a test can run one part alone). Before each part and each step inside one, phase()
// re-arms a 5 s alarm: a wait that never ends prints "watchdog: STEP: still waiting after 5 s" and
// exits with status 3, instead of hanging. Parts call sample() while their threads are alive; the
// last line is "os_threads=N", the most OS threads sampled.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unistd.h>
#include "common.h" /* os_threads(), CHECK */

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Milliseconds since t0.
[[maybe_unused]] static double ms_since(Clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

static std::atomic<long> os_threads_max{0};
// Record the OS thread count now (call it while the program's threads are alive).
[[maybe_unused]] static void sample()
{
	long n = os_threads(), m = os_threads_max.load();
	while (n > m && !os_threads_max.compare_exchange_weak(m, n)) {
	}
}

static const char *volatile wd_phase = "start";
static unsigned wd_secs = 5;
static void wd_fire(int)
{
	char msg[256] = "watchdog: ";
	char secs[12] = {0};
	int i = 10;
	unsigned v = wd_secs;
	do
		secs[i--] = (char)('0' + v % 10);
	while ((v /= 10) && i >= 0);
	strncat(msg, wd_phase, 200);
	strcat(msg, ": still waiting after ");
	strcat(msg, secs + i + 1);
	strcat(msg, " s\n");
	ssize_t r = write(1, msg, strlen(msg));
	(void)r;
	_exit(3);
}

// The part of the program that runs now; its waits must end within `secs` seconds.
[[maybe_unused]] static void phase(const char *name, unsigned secs = 5)
{
	wd_phase = name;
	wd_secs = secs;
	alarm(secs);
}

struct Part {
	const char *name;
	void (*run)();
};

// Runs the parts named in argv (all when none is), then prints os_threads=N. Status 2 for a name
// that is not a part.
template <size_t N> static int run_parts(int argc, char **argv, const Part (&parts)[N])
{
	setvbuf(stdout, nullptr, _IOLBF, 0);
	signal(SIGALRM, wd_fire);
	for (int i = 1; i < argc; i++)
		if (std::none_of(parts, parts + N, [&](const Part &p) { return !strcmp(p.name, argv[i]); })) {
			fprintf(stderr, "%s: no part '%s'; the parts are:", argv[0], argv[i]);
			for (const Part &p : parts)
				fprintf(stderr, " %s", p.name);
			fprintf(stderr, "\n");
			return 2;
		}
	sample();
	for (const Part &p : parts)
		if (argc == 1 || std::any_of(argv + 1, argv + argc, [&](const char *a) { return !strcmp(a, p.name); })) {
			phase(p.name);
			p.run();
		}
	alarm(0);
	sample();
	printf("os_threads=%ld\n", os_threads_max.load());
	return 0;
}

// A heartbeat: a thread that ticks every 5 ms until stopped. A wait that lets other threads run
// sees the count grow while it waits; one that blocks the whole process does not. One tick is the
// test: a wait that blocked the OS thread sees none (the heartbeat runs only after the waiter has
// counted), while a loaded machine's stall may leave a green wait only one or two.
struct Heartbeat {
	std::atomic<bool> done{false};
	std::atomic<long> ticks{0};
	std::thread t;
	Heartbeat()
		: t([this] {
			  while (!done) {
				  std::this_thread::sleep_for(5ms);
				  ticks++;
			  }
		  })
	{
	}
	~Heartbeat()
	{
		done = true;
		t.join();
	}
};
