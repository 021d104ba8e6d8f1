// escape: TIOCSTI with junk in the upper 32 bits (the kernel reads the request as 32 bits)
// expect: SYSCALL_VIOLATION ioctl
#include "esc.h"
#include <sys/ioctl.h>

int main(void)
{
	char c = 'x';
	long r = syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c);
	esc_survived("ioctl((1 << 32) | TIOCSTI)", r);
}
