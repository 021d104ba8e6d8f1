// Language matrix: copy stdin to stdout byte for byte through iostreams.
#include <iostream>

int main()
{
	std::ios::sync_with_stdio(false);
	std::cout << std::cin.rdbuf();
	std::cout.flush();
	return std::cout ? 0 : 1;
}
