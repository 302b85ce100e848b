// The standard library's locks, condition variables and call_once between std::threads (all built
// on pthread mutexes, condvars, rwlocks and once): std::mutex (also std::scoped_lock of two mutexes
// taken in opposite orders), std::recursive_mutex, std::timed_mutex (try_lock_for timing out while
// another thread holds it, then getting it when released), std::condition_variable (wait with a
// predicate, wait_for timing out, notify_one waking one, notify_all waking all), std::shared_mutex
// (readers together, a writer alone), std::shared_timed_mutex and std::call_once. Holders sleep
// while holding, so that waiters really wait; a heartbeat shows that timed waits let the
// other threads run.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <vector>
#include "cxx_common.h"

static void mutex()
{
	std::mutex m;
	long counter = 0;
	int inside = 0, overlaps = 0;
	std::vector<std::thread> ts;
	for (int t = 0; t < 50; t++)
		ts.emplace_back([&, t] {
			for (int i = 0; i < 100; i++) {
				std::lock_guard g(m);
				overlaps += inside++ != 0;
				if ((i + t) % 25 == 0)
					std::this_thread::sleep_for(100us); // the others wait for the lock meanwhile
				counter++;
				inside--;
			}
		});
	sample();
	for (auto &t : ts)
		t.join();
	printf("mutex: counter %ld (expected 5000), overlapping critical sections %d\n", counter, overlaps);

	int got = -1;
	m.lock();
	std::thread([&] { got = m.try_lock(); }).join();
	m.unlock();
	printf("mutex: try_lock by another thread while held: %d\n", got);
}

static void scoped_lock()
{
	std::mutex a, b;
	long pairs = 0;
	std::vector<std::thread> ts;
	for (int t = 0; t < 20; t++)
		ts.emplace_back([&, t] {
			for (int i = 0; i < 100; i++) {
				if (t % 2) {
					std::scoped_lock both(a, b);
					pairs++;
				} else {
					std::scoped_lock both(b, a);
					if (i == 0)
						sample();
					if (i % 10 == 0)
						std::this_thread::sleep_for(100us);
					pairs++;
				}
			}
		});
	for (auto &t : ts)
		t.join();
	printf("scoped_lock of two mutexes in opposite orders: %ld (expected 2000)\n", pairs);
}

static void recursive_mutex()
{
	std::recursive_mutex r;
	int counter = 0, inside = 0, overlaps = 0;
	std::vector<std::thread> ts;
	for (int t = 0; t < 10; t++)
		ts.emplace_back([&] {
			std::lock_guard g1(r);
			std::lock_guard g2(r);
			std::lock_guard g3(r);
			overlaps += inside++ != 0;
			sample();
			std::this_thread::sleep_for(2ms);
			counter++;
			inside--;
		});
	for (auto &t : ts)
		t.join();
	r.lock();
	r.lock();
	int own = r.try_lock(), other = -1;
	std::thread([&] { other = r.try_lock(); }).join();
	r.unlock();
	r.unlock();
	r.unlock();
	std::thread([&] {
		other += 10 * r.try_lock();
		r.unlock();
	}).join();
	printf("recursive_mutex: counter %d (expected 10), overlaps %d, owner try_lock at depth 3: %d, "
	       "another thread's try_lock while held: %d, after the last unlock: %d\n",
	       counter, overlaps, own, other % 10, other / 10);
}

static void timed_mutex()
{
	std::timed_mutex tm;
	std::atomic<bool> held{false};
	std::thread holder([&] {
		std::lock_guard g(tm);
		held = true;
		std::this_thread::sleep_for(400ms);
	});
	while (!held)
		std::this_thread::sleep_for(1ms);
	bool got;
	long beats;
	double ms;
	{
		Heartbeat hb;
		std::this_thread::sleep_for(1ms);
		long before = hb.ticks;
		auto t0 = Clock::now();
		got = tm.try_lock_for(100ms);
		ms = ms_since(t0);
		beats = hb.ticks - before;
		sample();
	}
	printf("timed_mutex: try_lock_for 100 ms while another thread holds it: %d, waited>=95 %d, "
	       "other threads ran meanwhile %d\n",
	       got, ms >= 95, beats >= 1);
	auto t0 = Clock::now();
	got = tm.try_lock_for(5s);
	ms = ms_since(t0);
	printf("timed_mutex: try_lock_for 5 s got it when the holder released it: %d, before 3 s %d\n", got,
	       ms < 3000);
	int until = -1;
	std::thread([&] { until = tm.try_lock_until(Clock::now() + 50ms); }).join();
	tm.unlock();
	holder.join();
	printf("timed_mutex: try_lock_until 50 ms by another thread while main holds it: %d\n", until);

	std::recursive_timed_mutex rtm;
	rtm.lock();
	int own = rtm.try_lock_for(10ms), other = -1;
	std::thread([&] { other = rtm.try_lock_for(50ms); }).join();
	rtm.unlock();
	rtm.unlock();
	printf("recursive_timed_mutex: owner again %d, another thread's try_lock_for 50 ms %d\n", own, other);
}

static void condvar()
{
	std::mutex m;
	std::condition_variable not_empty, not_full;
	std::deque<int> q;
	long sum = 0;
	std::thread consumer([&] {
		for (int i = 0; i < 1000; i++) {
			std::unique_lock lk(m);
			not_empty.wait(lk, [&] { return !q.empty(); });
			sum += q.front();
			q.pop_front();
			if (i == 500)
				sample();
			not_full.notify_one();
		}
	});
	std::thread producer([&] {
		for (int i = 1; i <= 1000; i++) {
			std::unique_lock lk(m);
			not_full.wait(lk, [&] { return q.size() < 4; });
			q.push_back(i);
			not_empty.notify_one();
		}
	});
	producer.join();
	consumer.join();
	printf("condition_variable producer/consumer: sum %ld (expected 500500)\n", sum);
}

static void condvar_wait_for()
{
	std::mutex m;
	std::condition_variable cv;
	bool ready = false, pred_result;
	std::cv_status status;
	long beats;
	double ms, ms2;
	{
		Heartbeat hb;
		std::this_thread::sleep_for(1ms);
		sample();
		std::unique_lock lk(m);
		long before = hb.ticks;
		auto t0 = Clock::now();
		pred_result = cv.wait_for(lk, 100ms, [&] { return ready; });
		ms = ms_since(t0);
		beats = hb.ticks - before;
		t0 = Clock::now();
		status = cv.wait_for(lk, 30ms);
		ms2 = ms_since(t0);
		lk.unlock();
	}
	printf("condition_variable wait_for 100 ms, predicate false: returned %d, waited>=95 %d, "
	       "other threads ran meanwhile %d, mutex held after 1\n",
	       pred_result, ms >= 95, beats >= 1);
	printf("condition_variable wait_for 30 ms, no notify: timeout %d, waited>=25 %d\n",
	       status == std::cv_status::timeout, ms2 >= 25);
}

static void condvar_notify()
{
	std::mutex m;
	std::condition_variable cv;
	int tokens = 0, waiting = 0, woken = 0;
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&] {
			std::unique_lock lk(m);
			waiting++;
			cv.wait(lk, [&] { return tokens > 0; });
			tokens--;
			woken++;
		});
	for (int i = 0; i < 1000; i++) {
		std::this_thread::sleep_for(2ms);
		std::lock_guard g(m);
		if (waiting == 10)
			break;
	}
	sample();
	std::this_thread::sleep_for(20ms);
	int w1, w2, w3;
	{
		std::lock_guard g(m);
		tokens = 1;
		cv.notify_one();
	}
	std::this_thread::sleep_for(100ms);
	{
		std::lock_guard g(m);
		w1 = woken;
		tokens = 9;
		cv.notify_one();
	}
	std::this_thread::sleep_for(100ms);
	{
		std::lock_guard g(m);
		w2 = woken;
		cv.notify_all();
	}
	for (auto &t : ts)
		t.join();
	w3 = woken;
	printf("condition_variable: 10 waiting; notify_one with 1 token: %d woken; notify_one with 9 tokens: "
	       "%d woken; notify_all: %d woken\n",
	       w1, w2, w3);
}

static void shared_mutex()
{
	std::shared_mutex sm;
	std::atomic<int> readers{0}, readers_max{0}, writers{0}, writer_saw_readers{0}, writer_saw_writers{0};
	std::atomic<int> reads{0}, writes{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&] {
			std::shared_lock lk(sm);
			int now = ++readers, m = readers_max.load();
			while (now > m && !readers_max.compare_exchange_weak(m, now)) {
			}
			writer_saw_readers += writers.load() != 0;
			std::this_thread::sleep_for(150ms);
			reads++;
			--readers;
		});
	for (int i = 0; i < 1000 && readers_max < 10; i++)
		std::this_thread::sleep_for(1ms);
	sample();
	int try_w = sm.try_lock();
	if (try_w)
		sm.unlock();
	for (int i = 0; i < 3; i++)
		ts.emplace_back([&] {
			std::lock_guard lk(sm);
			writer_saw_writers += writers++ != 0;
			writer_saw_readers += readers.load() != 0;
			std::this_thread::sleep_for(20ms);
			writes++;
			writers--;
		});
	for (auto &t : ts)
		t.join();
	printf("shared_mutex: readers at once %d of 10, writer try_lock while they read %d, "
	       "writers overlapping readers %d, writers overlapping writers %d, reads %d writes %d\n",
	       readers_max.load(), try_w, writer_saw_readers.load(), writer_saw_writers.load(), reads.load(),
	       writes.load());

	int try_r = -1;
	sm.lock();
	std::thread([&] { try_r = sm.try_lock_shared(); }).join();
	sm.unlock();
	printf("shared_mutex: try_lock_shared by another thread while main writes: %d\n", try_r);
}

static void shared_timed_mutex()
{
	std::shared_timed_mutex stm;
	std::atomic<bool> in{false};
	std::thread reader([&] {
		std::shared_lock lk(stm);
		in = true;
		std::this_thread::sleep_for(300ms);
	});
	while (!in)
		std::this_thread::sleep_for(1ms);
	sample();
	auto t0 = Clock::now();
	int w = stm.try_lock_for(50ms);
	double ms = ms_since(t0);
	if (w)
		stm.unlock();
	int r = stm.try_lock_shared_for(50ms);
	if (r)
		stm.unlock_shared();
	t0 = Clock::now();
	int w2 = stm.try_lock_for(5s);
	double ms2 = ms_since(t0);
	stm.unlock();
	reader.join();
	printf("shared_timed_mutex: try_lock_for 50 ms while a reader holds it: %d, waited>=45 %d; "
	       "try_lock_shared_for: %d; try_lock_for 5 s after the reader leaves: %d, before 3 s %d\n",
	       w, ms >= 45, r, w2, ms2 < 3000);
}

static void call_once()
{
	std::once_flag flag;
	std::atomic<int> calls{0}, saw{0};
	int value = 0;
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&] {
			std::call_once(flag, [&] {
				calls++;
				sample();
				std::this_thread::sleep_for(50ms);
				value = 42;
			});
			saw += value == 42;
		});
	for (auto &t : ts)
		t.join();
	printf("call_once from 10 threads: ran %d time(s), %d of 10 threads saw its result\n", calls.load(),
	       saw.load());
}

static void call_once_throwing()
{
	std::once_flag flag2;
	int attempts = 0, threw = 0;
	try {
		std::call_once(flag2, [&] {
			attempts++;
			throw std::runtime_error("first attempt fails");
		});
	} catch (const std::runtime_error &) {
		threw = 1;
	}
	std::thread([&] {
		sample();
		std::call_once(flag2, [&] { attempts++; });
	}).join();
	std::call_once(flag2, [&] { attempts++; });
	printf("call_once: a throwing call propagated %d, the next call ran it again: attempts %d (expected 2)\n",
	       threw, attempts);
}

int main(int argc, char **argv)
{
	static const Part parts[] = {
		{"mutex", mutex},
		{"scoped_lock", scoped_lock},
		{"recursive_mutex", recursive_mutex},
		{"timed_mutex", timed_mutex},
		{"condvar", condvar},
		{"condvar_wait_for", condvar_wait_for},
		{"condvar_notify", condvar_notify},
		{"shared_mutex", shared_mutex},
		{"shared_timed_mutex", shared_timed_mutex},
		{"call_once", call_once},
		{"call_once_throwing", call_once_throwing},
	};
	return run_parts(argc, argv, parts);
}
