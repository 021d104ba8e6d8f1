// Language matrix: 4 std::threads summing 1..4000000 in parts.
#include <cstdio>
#include <thread>
#include <vector>

int main()
{
	const unsigned long long n = 4000000;
	std::vector<unsigned long long> part(4);
	std::vector<std::thread> t;

	for (int k = 0; k < 4; k++)
		t.emplace_back([&part, k, n] {
			unsigned long long s = 0;
			for (unsigned long long i = k + 1; i <= n; i += 4)
				s += i;
			part[k] = s;
		});
	unsigned long long total = 0;
	for (int k = 0; k < 4; k++) {
		t[k].join();
		total += part[k];
	}
	std::printf("threads 4 sum %llu\n", total);
	return 0;
}
