// escape: stop the whole process group (kill(0, SIGSTOP)) with a child in it, under ci
// expect: WALL_TIME_LIMIT
// run: --policy ci --wall-time 1
// args: {token}
// check: signal=9
// check: wall<10
#include "esc.h"
#include <signal.h>

int main(void)
{
	if (fork() == 0) {
		for (;;)
			pause();
	}
	kill(0, SIGSTOP);
	printf("ESCAPED: continued after SIGSTOP\n");
	return 0;
}
