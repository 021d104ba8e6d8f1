// escape: hide CPU time in children while main sleeps (--time 1): the whole tree is counted
// expect: TIME_LIMIT
// run: --policy ci --time 1 --wall-time 20
// args: {token}
// check: cpu<3
#include "esc.h"
#include <sys/wait.h>

int main(void)
{
	for (int i = 0; i < 4; i++)
		if (fork() == 0)
			for (volatile unsigned long x = 0;; x++)
				;
	int st;
	while (wait(&st) > 0)
		;
	return 0;
}
