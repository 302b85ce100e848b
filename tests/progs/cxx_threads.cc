// std::thread: 500 threads alive at once, each sleeping 200 ms (all of them within about one
// sleep, not 100 s), distinct ids, detach, sleep_until, exceptions thrown and caught inside the
// threads and carried to main by std::exception_ptr, and glibc's __libc_single_threaded (which
// libstdc++ reads to skip synchronisation, e.g. in std::stop_token) cleared once a second thread
// exists. usage: cxx_threads [PART...]
#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/single_threaded.h>
#include <vector>
#include "cxx_common.h"

static std::atomic<int> alive{0}, alive_max{0};

static void worker(int i, long *slot, std::thread::id *id)
{
	int now = ++alive, m = alive_max.load();
	while (now > m && !alive_max.compare_exchange_weak(m, now)) {
	}
	std::this_thread::sleep_for(200ms);
	*id = std::this_thread::get_id();
	*slot = i;
	--alive;
}

[[noreturn]] static void fail_later(int i)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(i % 7));
	throw std::runtime_error("boom " + std::to_string(i));
}

static void many()
{
	phase("many", 10);
	const int n = 500;
	std::vector<long> slots(n, -1);
	std::vector<std::thread::id> ids(n);
	std::vector<std::thread> ts;
	auto t0 = Clock::now();
	for (int i = 0; i < n; i++)
		ts.emplace_back(worker, i, &slots[i], &ids[i]);
	sample();
	for (auto &t : ts)
		t.join();
	double ms = ms_since(t0);
	long sum = 0;
	for (long v : slots)
		sum += v;
	std::set<std::thread::id> distinct(ids.begin(), ids.end());
	printf("%d threads: sum %ld (expected %ld), alive at once %d, distinct ids %zu, joinable after join %d\n", n,
	       sum, (long)n * (n - 1) / 2, alive_max.load(), distinct.size(), (int)ts[0].joinable());
	printf("%d sleeps of 200 ms took under 3 s: %d\n", n, ms < 3000);
	printf("main's id differs from every thread's: %d\n", !distinct.count(std::this_thread::get_id()));
}

static void detach()
{
	static std::atomic<int> detached_ran{0};
	std::thread([] {
		std::this_thread::sleep_for(50ms);
		detached_ran = 1;
	}).detach();
	sample();
	for (int i = 0; i < 400 && !detached_ran; i++)
		std::this_thread::sleep_for(5ms);
	printf("detached thread ran: %d\n", detached_ran.load());
}

static void sleep_until()
{
	auto deadline = Clock::now() + 100ms;
	std::thread until([&] { std::this_thread::sleep_until(deadline); });
	sample();
	until.join();
	printf("sleep_until 100 ms: woke at or after the deadline %d\n", Clock::now() >= deadline);
}

static void exceptions()
{
	const int ne = 100;
	std::vector<std::exception_ptr> errs(ne);
	std::atomic<int> caught{0};
	std::vector<std::thread> es;
	for (int i = 0; i < ne; i++)
		es.emplace_back([i, &errs, &caught] {
			if (i == ne - 1)
				sample();
			try {
				fail_later(i);
			} catch (const std::runtime_error &e) {
				if (e.what() == "boom " + std::to_string(i))
					caught++;
				errs[i] = std::current_exception();
			}
		});
	for (auto &t : es)
		t.join();
	std::string seventh;
	try {
		std::rethrow_exception(errs[7]);
	} catch (const std::exception &e) {
		seventh = e.what();
	}
	printf("exceptions: %d of %d caught in their own threads, rethrown in main: '%s'\n", caught.load(), ne,
	       seventh.c_str());
}

static void single_threaded()
{
	int before = __libc_single_threaded, during = -1;
	std::thread t([&] {
		sample();
		during = __libc_single_threaded;
	});
	t.join();
	printf("__libc_single_threaded: %d before the first thread, %d while it runs, %d after it ended\n", before,
	       during, (int)__libc_single_threaded);
}

int main(int argc, char **argv)
{
	static const Part parts[] = {{"single_threaded", single_threaded}, {"many", many}, {"detach", detach},
				     {"sleep_until", sleep_until}, {"exceptions", exceptions}};
	return run_parts(argc, argv, parts);
}
