/* mem MIB: map MIB mebibytes and write every page once, then exit: a peak of
 * exactly MIB MiB of anonymous memory plus the (tiny) static program. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	size_t len = mib << 20, page = (size_t) sysconf(_SC_PAGESIZE);
	volatile char *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += page)
		p[i] = 1;
	return 0;
}
