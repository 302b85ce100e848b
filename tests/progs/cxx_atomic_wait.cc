// std::atomic<int>::wait / notify_one / notify_all and std::atomic_flag::wait between std::threads
// (libstdc++ waits with syscall(SYS_futex) after a short spin): 10 waiters released by one store
// and notify_all, notify_one waking a waiter of 5 (and notify_all the rest), a ping-pong of 300
// turns, and a heartbeat that keeps ticking while main waits for a store 200 ms away.
#include <vector>
#include "cxx_common.h"

static void notify_all()
{
	std::atomic<int> flag{0};
	std::atomic<int> returned{0}, saw_one{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&] {
			flag.wait(0);
			saw_one += flag.load() == 1;
			returned++;
		});
	std::this_thread::sleep_for(100ms);
	sample();
	int before = returned;
	flag = 1;
	flag.notify_all();
	for (auto &t : ts)
		t.join();
	printf("atomic wait/notify_all: %d returned before the store, %d of 10 after, %d saw the new value\n", before,
	       returned.load(), saw_one.load());
}

static void notify_one()
{
	std::atomic<int> gate{0}, returned{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 5; i++)
		ts.emplace_back([&] {
			gate.wait(0);
			returned++;
		});
	std::this_thread::sleep_for(100ms); // all five are asleep in the wait, past the spinning
	sample();
	gate = 1;
	gate.notify_one();
	std::this_thread::sleep_for(100ms);
	int after_one = returned; // 1, or more when a waiter was still spinning and saw the store
	gate.notify_all();
	for (auto &t : ts)
		t.join();
	printf("atomic notify_one: some of 5 waiters returned %d; after notify_all %d\n", after_one >= 1,
	       returned.load());
}

static void ping_pong()
{
	std::atomic<int> turn{0};
	int hits = 0;
	std::thread other([&] {
		sample();
		for (int i = 0; i < 300; i++) {
			turn.wait(0);
			hits++;
			turn = 0;
			turn.notify_one();
		}
	});
	for (int i = 0; i < 300; i++) {
		turn = 1;
		turn.notify_one();
		turn.wait(1);
	}
	other.join();
	printf("atomic ping-pong: %d turns (expected 300)\n", hits);
}

static void flag()
{
	std::atomic_flag af;
	std::atomic<int> flag_seen{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 3; i++)
		ts.emplace_back([&] {
			af.wait(false);
			flag_seen += af.test();
		});
	std::this_thread::sleep_for(50ms);
	sample();
	af.test_and_set();
	af.notify_all();
	for (auto &t : ts)
		t.join();
	printf("atomic_flag wait/notify_all: %d of 3 waiters saw it set\n", flag_seen.load());
}

static void heartbeat()
{
	std::atomic<int> late{0};
	long beats;
	double ms;
	{
		Heartbeat hb;
		std::thread setter([&] {
			std::this_thread::sleep_for(200ms);
			late = 5;
			late.notify_one();
		});
		std::this_thread::sleep_for(1ms);
		sample();
		long b0 = hb.ticks;
		auto t0 = Clock::now();
		late.wait(0);
		ms = ms_since(t0);
		beats = hb.ticks - b0;
		setter.join();
	}
	printf("atomic wait for a store 200 ms later: value %d, waited>=150 %d, other threads ran meanwhile %d\n",
	       late.load(), ms >= 150, beats >= 1);
}

int main(int argc, char **argv)
{
	static const Part parts[] = {
		{"notify_all", notify_all},
		{"notify_one", notify_one},
		{"ping_pong", ping_pong},
		{"flag", flag},
		{"heartbeat", heartbeat},
	};
	return run_parts(argc, argv, parts);
}
