// std::thread construction + join of a thread that stores its argument at once, N times, one at a
// time (libstdc++ allocates the thread's state on the heap and calls pthread_create). ns_per_op
// is per create+join pair. usage: cxx_create_join [N]   (default 100,000)
#include <cerrno>
#include <system_error>
#include <thread>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100000), sum = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		long r = 0;
		try {
			std::thread t([&r, i] { r = i; });
			t.join();
		} catch (const std::system_error &e) {
			fprintf(stderr, "cxx_create_join: thread %ld: %s\n", i, e.what());
			return 1;
		}
		sum += r;
	}
	double s = now_s() - t0;
	if (sum != n * (n - 1) / 2) {
		fprintf(stderr, "cxx_create_join: wrong values from the threads\n");
		return 1;
	}
	printf("name=cxx_create_join ops=%ld ns_per_op=%.1f seconds=%.3f\n", n, s * 1e9 / n, s);
	return 0;
}
