// std::counting_semaphore and std::binary_semaphore between std::threads (libstdc++ waits on the
// counter with syscall(SYS_futex)): a producer/consumer ring, a semaphore of 3 letting at most 3
// of 12 threads in at once, a binary_semaphore ping-pong, try_acquire, try_acquire_for timing out
// on an empty semaphore (a heartbeat shows the other threads ran meanwhile) and getting a unit
// released later by another thread.
#include <semaphore>
#include <vector>
#include "cxx_common.h"

static void producer_consumer()
{
	std::counting_semaphore<4> slots{4}, items{0};
	int ring[4], head = 0, tail = 0;
	long sum = 0;
	std::thread producer([&] {
		for (int i = 1; i <= 1000; i++) {
			slots.acquire();
			ring[tail++ % 4] = i;
			items.release();
		}
	});
	std::thread consumer([&] {
		sample();
		for (int i = 0; i < 1000; i++) {
			items.acquire();
			sum += ring[head++ % 4];
			slots.release();
		}
	});
	producer.join();
	consumer.join();
	printf("counting_semaphore producer/consumer: sum %ld (expected 500500)\n", sum);
}

static void limit()
{
	std::counting_semaphore<3> room{3};
	std::atomic<int> in{0}, in_max{0}, done{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 12; i++)
		ts.emplace_back([&] {
			room.acquire();
			int now = ++in, m = in_max.load();
			while (now > m && !in_max.compare_exchange_weak(m, now)) {
			}
			std::this_thread::sleep_for(20ms);
			--in;
			done++;
			room.release();
		});
	std::this_thread::sleep_for(5ms);
	sample();
	for (auto &t : ts)
		t.join();
	printf("counting_semaphore<3>: 12 threads done %d, at most %d inside at once\n", done.load(), in_max.load());
}

static void ping_pong()
{
	std::binary_semaphore ping{0}, pong{0};
	int rounds = 0;
	std::thread other([&] {
		sample();
		for (int i = 0; i < 1000; i++) {
			ping.acquire();
			rounds++;
			pong.release();
		}
	});
	for (int i = 0; i < 1000; i++) {
		ping.release();
		pong.acquire();
	}
	other.join();
	printf("binary_semaphore ping-pong: %d rounds (expected 1000)\n", rounds);
}

static void try_acquire()
{
	std::counting_semaphore<8> s{1};
	int a = s.try_acquire(), b = s.try_acquire();
	int other = -1;
	s.release();
	std::thread([&] {
		sample();
		other = s.try_acquire();
	}).join();
	printf("try_acquire with 1 unit: %d, then with none: %d; by another thread after a release: %d\n", a, b,
	       other);
}

static void try_acquire_for()
{
	std::counting_semaphore<8> s{0};
	bool got;
	long beats;
	double ms;
	{
		Heartbeat hb;
		std::this_thread::sleep_for(1ms);
		sample();
		long before = hb.ticks;
		auto t0 = Clock::now();
		got = s.try_acquire_for(100ms);
		ms = ms_since(t0);
		beats = hb.ticks - before;
	}
	printf("try_acquire_for 100 ms on an empty semaphore: %d, waited>=95 %d, other threads ran meanwhile %d\n",
	       got, ms >= 95, beats >= 1);

	phase("try_acquire_for: released by another thread");
	std::thread releaser([&] {
		std::this_thread::sleep_for(50ms);
		s.release();
	});
	auto t0 = Clock::now();
	got = s.try_acquire_for(3s);
	ms = ms_since(t0);
	releaser.join();
	printf("try_acquire_for 3 s, released by another thread after 50 ms: %d, waited>=45 %d, before 1.5 s %d\n",
	       got, ms >= 45, ms < 1500);
}

int main(int argc, char **argv)
{
	static const Part parts[] = {
		{"producer_consumer", producer_consumer},
		{"limit", limit},
		{"ping_pong", ping_pong},
		{"try_acquire", try_acquire},
		{"try_acquire_for", try_acquire_for},
	};
	return run_parts(argc, argv, parts);
}
