// escape: the x32 ABI (syscall number | 0x40000000), e.g. x32 write
// expect: SYSCALL_VIOLATION ~^x32:
#include "esc.h"

int main(void)
{
	static const char msg[] = "ESCAPED: x32 write ran\n";
	long r = syscall(0x40000000 | SYS_write, 1, msg, sizeof(msg) - 1);
	esc_survived("x32 write", r);
}
