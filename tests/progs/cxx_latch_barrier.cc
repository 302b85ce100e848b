// std::latch and std::barrier between std::threads (libstdc++ waits on them with
// syscall(SYS_futex)): main waiting for 10 count_downs, 10 threads meeting at arrive_and_wait,
// try_wait, a barrier of 5 threads over 4 phases with a completion function, arrive_and_drop.
#include <barrier>
#include <latch>
#include <vector>
#include "cxx_common.h"

static void latch_wait()
{
	std::latch done(10);
	std::atomic<int> counted{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&, i] {
			std::this_thread::sleep_for(std::chrono::milliseconds(5 * i));
			counted++;
			done.count_down();
		});
	sample();
	int early = done.try_wait();
	done.wait();
	int after = counted;
	for (auto &t : ts)
		t.join();
	printf("latch: try_wait before %d; wait returned after %d of 10 count_downs, try_wait after %d\n", early,
	       after, (int)done.try_wait());
}

static void latch_arrive_and_wait()
{
	std::latch meet(10);
	std::atomic<int> arrived{0}, saw_all{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&, i] {
			std::this_thread::sleep_for(std::chrono::milliseconds(3 * i));
			if (++arrived == 10)
				sample();
			meet.arrive_and_wait();
			saw_all += arrived == 10;
		});
	for (auto &t : ts)
		t.join();
	printf("latch arrive_and_wait: %d of 10 threads saw all 10 arrived\n", saw_all.load());
}

static void barrier()
{
	const int nt = 5, phases = 4;
	std::atomic<int> work{0}, completions{0}, consistent{0};
	int completed_phase[2 * phases] = {0};
	auto on_completion = [&]() noexcept {
		int c = completions++;
		if (c < 2 * phases)
			completed_phase[c] = work.load();
	};
	std::barrier sync(nt, on_completion);
	std::vector<std::thread> ts;
	for (int t = 0; t < nt; t++)
		ts.emplace_back([&, t] {
			for (int p = 0; p < phases; p++) {
				std::this_thread::sleep_for(std::chrono::milliseconds((t * 3 + p) % 7));
				work++;
				sync.arrive_and_wait();
				// the completion of this phase has run, and saw the work of all nt threads
				consistent += completions == 2 * p + 1 && completed_phase[2 * p] == nt * (p + 1);
				sync.arrive_and_wait();
			}
		});
	sample();
	for (auto &t : ts)
		t.join();
	printf("barrier of %d, %d phases: completion ran %d times (expected %d), consistent after each phase "
	       "%d of %d\n",
	       nt, phases, completions.load(), 2 * phases, consistent.load(), nt * phases);
}

static void barrier_drop()
{
	std::atomic<int> rounds{0};
	std::barrier shrink(3, []() noexcept {});
	std::vector<std::thread> ts;
	ts.emplace_back([&] {
		sample();
		shrink.arrive_and_wait();
		shrink.arrive_and_drop();
	});
	for (int t = 0; t < 2; t++)
		ts.emplace_back([&] {
			for (int p = 0; p < 4; p++) {
				shrink.arrive_and_wait();
				rounds++;
			}
		});
	for (auto &t : ts)
		t.join();
	printf("barrier arrive_and_drop after one phase: the other 2 threads went through %d phases (expected 8)\n",
	       rounds.load());
}

int main(int argc, char **argv)
{
	static const Part parts[] = {
		{"latch_wait", latch_wait},
		{"latch_arrive_and_wait", latch_arrive_and_wait},
		{"barrier", barrier},
		{"barrier_drop", barrier_drop},
	};
	return run_parts(argc, argv, parts);
}
