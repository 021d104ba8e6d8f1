// escape: become root with setuid(0)
// expect: SYSCALL_VIOLATION setuid
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_setuid, 0);
	esc_survived("setuid(0)", r);
}
