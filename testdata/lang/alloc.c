/* Language matrix: allocate 200 MB (200 * 10^6 bytes), write every byte,
 * and print a checksum read back from every page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 200000000UL

int main(void)
{
	unsigned char *p = malloc(SIZE);
	unsigned long sum = 0;

	if (!p) {
		puts("malloc failed");
		return 1;
	}
	memset(p, 1, SIZE);
	for (unsigned long i = 0; i < SIZE; i += 4096)
		sum += p[i];
	printf("alloc 200000000 pages %lu\n", sum);
	return 0;
}
