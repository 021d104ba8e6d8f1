/* Language matrix: hello world in C (built static and dynamic). */
#include <stdio.h>

int main(void)
{
	puts("hello from c");
	return 0;
}
