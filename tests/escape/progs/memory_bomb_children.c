// escape: spread the allocation over 8 processes, each under the limit (--memory 64M)
// expect: MEMORY_LIMIT
// run: --policy ci --memory 64M
#include "esc.h"
#include <sys/wait.h>

int main(void)
{
	for (int i = 0; i < 8; i++) {
		if (fork() == 0) {
			/* 16 MiB each: 128 MiB in total */
			(void) esc_hog(16 << 20);
			pause();
			_exit(0);
		}
	}
	int st;
	while (wait(&st) > 0)
		;
	return 0;
}
