/* Allocate and touch argv[1] MiB (default 16), then exit 0. With argv[2],
 * sleep that many seconds holding the memory. Prints progress on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 16;
	unsigned hold = argc > 2 ? (unsigned) atoi(argv[2]) : 0;

	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed after %ld MiB\n", i);
			return 1;
		}
		memset(p, (int) (i & 0xff) | 1, 1 << 20);
	}
	printf("touched %ld MiB\n", mib);
	fflush(stdout);
	if (hold)
		sleep(hold);
	return 0;
}
