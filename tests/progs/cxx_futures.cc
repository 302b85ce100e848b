// std::async(std::launch::async) and std::promise/std::future between std::threads (libstdc++
// waits for a future's result with syscall(SYS_futex)): 20 async tasks sleeping 100 ms at once,
// an exception carried by a future, wait_for timing out before another thread's set_value (a
// heartbeat shows the other threads ran meanwhile), a shared_future waited on by 5 threads, a
// promise<void> as a start signal, set_exception, a broken promise, a packaged_task.
#include <future>
#include <stdexcept>
#include <string>
#include <vector>
#include "cxx_common.h"

static long square_later(int i)
{
	std::this_thread::sleep_for(100ms);
	return (long)i * i;
}

static void async()
{
	auto t0 = Clock::now();
	std::vector<std::future<long>> fs;
	for (int i = 0; i < 20; i++)
		fs.push_back(std::async(std::launch::async, square_later, i));
	sample();
	long sum = 0;
	for (auto &f : fs)
		sum += f.get();
	double ms = ms_since(t0);
	printf("async: 20 tasks, sum %ld (expected 2470), all within 1.5 s %d\n", sum, ms < 1500);
	auto bad = std::async(std::launch::async, [] {
		std::this_thread::sleep_for(10ms);
		throw std::runtime_error("async boom");
		return 0;
	});
	std::string what;
	try {
		bad.get();
	} catch (const std::exception &e) {
		what = e.what();
	}
	printf("async: exception rethrown by get: '%s'\n", what.c_str());
}

static void promise()
{
	std::promise<int> p;
	std::future<int> f = p.get_future();
	std::thread setter([&] {
		std::this_thread::sleep_for(200ms);
		p.set_value(7);
	});
	std::future_status st;
	long beats;
	double ms;
	{
		Heartbeat hb;
		std::this_thread::sleep_for(1ms);
		sample();
		long before = hb.ticks;
		auto t0 = Clock::now();
		st = f.wait_for(50ms);
		ms = ms_since(t0);
		beats = hb.ticks - before;
	}
	printf("future wait_for 50 ms before set_value: timeout %d, waited>=45 %d, other threads ran meanwhile %d\n",
	       st == std::future_status::timeout, ms >= 45, beats >= 1);
	phase("promise: future get");
	int v = f.get();
	setter.join();
	printf("future get after set_value from another thread: %d, valid after get %d\n", v, (int)f.valid());
}

static void shared_future()
{
	std::promise<int> sp;
	std::shared_future<int> sf = sp.get_future().share();
	std::atomic<int> got{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 5; i++)
		ts.emplace_back([sf, &got] { got += sf.get() == 99; });
	std::this_thread::sleep_for(50ms);
	sample();
	sp.set_value(99);
	for (auto &t : ts)
		t.join();
	printf("shared_future: %d of 5 waiting threads got 99\n", got.load());
}

static void start_signal()
{
	std::promise<void> go;
	std::shared_future<void> gf = go.get_future().share();
	std::atomic<int> started{0}, early{0};
	std::atomic<bool> released{false};
	std::vector<std::thread> ts;
	for (int i = 0; i < 10; i++)
		ts.emplace_back([&, gf] {
			gf.wait();
			early += !released;
			started++;
		});
	std::this_thread::sleep_for(50ms);
	sample();
	int before_go = started;
	released = true;
	go.set_value();
	for (auto &t : ts)
		t.join();
	printf("promise<void> start signal: %d started before it, %d after, %d early\n", before_go, started.load(),
	       early.load());
}

static void set_exception()
{
	std::promise<int> ep;
	std::future<int> ef = ep.get_future();
	std::thread setter([&] {
		sample();
		std::this_thread::sleep_for(20ms);
		ep.set_exception(std::make_exception_ptr(std::runtime_error("late failure")));
	});
	std::string what;
	try {
		ef.get();
	} catch (const std::exception &e) {
		what = e.what();
	}
	setter.join();
	printf("promise set_exception from another thread: get threw '%s'\n", what.c_str());
}

static void broken_promise()
{
	std::promise<int> dying;
	std::future<int> orphan = dying.get_future();
	std::thread owner([d = std::move(dying)]() mutable {
		sample();
		std::this_thread::sleep_for(20ms);
	});
	std::string what;
	try {
		orphan.get();
		what = "no error";
	} catch (const std::future_error &e) {
		what = e.code() == std::future_errc::broken_promise ? "broken_promise" : "other future_error";
	}
	owner.join();
	printf("promise destroyed in another thread without a value: %s\n", what.c_str());
}

static void packaged_task()
{
	std::packaged_task<std::string(int)> task([](int n) {
		std::this_thread::sleep_for(20ms);
		return std::string(n, 'x');
	});
	auto tf = task.get_future();
	std::thread runner(std::move(task), 5);
	sample();
	std::string r = tf.get();
	runner.join();
	printf("packaged_task run by another thread: '%s'\n", r.c_str());
}

int main(int argc, char **argv)
{
	static const Part parts[] = {
		{"async", async},
		{"promise", promise},
		{"shared_future", shared_future},
		{"start_signal", start_signal},
		{"set_exception", set_exception},
		{"broken_promise", broken_promise},
		{"packaged_task", packaged_task},
	};
	return run_parts(argc, argv, parts);
}
