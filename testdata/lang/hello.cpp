// Language matrix: hello world in C++.
#include <iostream>

int main()
{
	std::cout << "hello from c++" << std::endl;
	return 0;
}
