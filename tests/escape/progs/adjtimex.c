// escape: slew the host's clock with adjtimex (ADJ_OFFSET)
// expect: SYSCALL_VIOLATION adjtimex
// host: clock
#include "esc.h"
#include <sys/timex.h>

int main(void)
{
	struct timex tx = {.modes = ADJ_OFFSET | ADJ_OFFSET_SINGLESHOT, .offset = 500000};
	long r = syscall(SYS_adjtimex, &tx);
	esc_survived("adjtimex", r);
}
