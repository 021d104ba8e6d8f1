// escape: iopl(3): raw I/O port access (PCI config space, the CMOS clock)
// expect: SYSCALL_VIOLATION iopl
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_iopl, 3);
	esc_survived("iopl(3)", r);
}
