/* busy ITERATIONS: a CPU-bound loop of a fixed amount of work (no system
 * calls), so that its CPU time is what the sandbox reports, nothing else. */
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000UL;
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < n; i++)
		x += i ^ (x >> 3);
	return 0;
}
