/* Map argv[1] MiB (default 100) of anonymous memory and write one byte in
 * every page, so that exactly that much is resident; then, with argv[2],
 * hold it that many seconds. Static, so little else is charged. Prints
 * "touched N MiB" once done. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	unsigned hold = argc > 2 ? (unsigned) atoi(argv[2]) : 0;
	size_t size = mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	volatile char *p =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t off = 0; off < size; off += (size_t) page)
		p[off] = 1;
	printf("touched %zu MiB\n", mib);
	fflush(stdout);
	if (hold)
		sleep(hold);
	return 0;
}
