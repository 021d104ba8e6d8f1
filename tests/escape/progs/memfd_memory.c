// escape: hold memory in memfds (not on /box, no RLIMIT_FSIZE per file past 8M), --memory 32M
// expect: MEMORY_LIMIT
// run: --memory 32M --file-size 8M
#include "esc.h"
#include <sys/mman.h>

int main(void)
{
	static char buf[1 << 20];
	memset(buf, 'x', sizeof(buf));
	for (int f = 0; f < 16; f++) {
		int fd = memfd_create("hog", 0);
		if (fd < 0)
			return 1;
		for (int i = 0; i < 6; i++)
			if (write(fd, buf, sizeof(buf)) < 0)
				break;
	}
	return 0; /* 96 MiB in memfds under 32 MiB: must not end OK */
}
