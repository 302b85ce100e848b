// std::jthread and std::stop_token: 10 jthreads polling stop_requested() between sleeps, stopped
// by request_stop and joined by their destructors; a stop_callback running on request_stop; a
// std::condition_variable_any wait (with a stop_token) ended by a stop request from another
// thread rather than by its timeout.
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <vector>
#include "cxx_common.h"

static void request_stop()
{
	std::atomic<int> stopped{0}, iterated{0}, callbacks{0};
	{
		std::vector<std::jthread> ts;
		for (int i = 0; i < 10; i++)
			ts.emplace_back([&](std::stop_token st) {
				std::stop_callback cb(st, [&] { callbacks++; });
				int n = 0;
				while (!st.stop_requested()) {
					std::this_thread::sleep_for(5ms);
					n++;
				}
				iterated += n >= 1;
				stopped++;
			});
		std::this_thread::sleep_for(100ms);
		sample();
		for (auto &t : ts)
			t.request_stop();
	} // the destructors join
	printf("jthread: %d of 10 stopped by request_stop (%d iterated at least once), stop_callbacks run %d\n",
	       stopped.load(), iterated.load(), callbacks.load());
}

static void condvar_any()
{
	std::mutex m;
	std::condition_variable_any cv;
	int result = -1;
	double ms = 0;
	{
		std::jthread waiter([&](std::stop_token st) {
			std::unique_lock lk(m);
			auto t0 = Clock::now();
			result = cv.wait_for(lk, st, 5s, [] { return false; });
			ms = ms_since(t0);
		});
		std::this_thread::sleep_for(100ms);
		sample();
		waiter.request_stop();
	}
	printf("condition_variable_any wait_for 5 s ended by request_stop: returned %d, within 3 s %d\n", result,
	       ms < 3000);
}

int main(int argc, char **argv)
{
	static const Part parts[] = {{"request_stop", request_stop}, {"condvar_any", condvar_any}};
	return run_parts(argc, argv, parts);
}
