// Language matrix: 200 MB in a std::vector, every byte written, one byte
// per page read back.
#include <cstdio>
#include <vector>

int main()
{
	const size_t size = 200000000;
	std::vector<unsigned char> v(size);
	unsigned long sum = 0;

	for (size_t i = 0; i < size; i++)
		v[i] = 1;
	for (size_t i = 0; i < size; i += 4096)
		sum += v[i];
	std::printf("alloc 200000000 pages %lu\n", sum);
	return 0;
}
