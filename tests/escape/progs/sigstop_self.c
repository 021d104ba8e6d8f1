// escape: SIGSTOP itself (a stopped job burns no CPU: the judge must not wait forever)
// expect: WALL_TIME_LIMIT
// run: --wall-time 1
// check: signal=9
// check: wall>=1
// check: wall<10
#include "esc.h"
#include <signal.h>

int main(void)
{
	raise(SIGSTOP);
	printf("ESCAPED: continued after SIGSTOP\n");
	return 0;
}
