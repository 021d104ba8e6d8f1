// escape: x32 ptrace (a filter that compares the number only, without the x32 bit)
// expect: SYSCALL_VIOLATION ~^x32:
#include "esc.h"

int main(void)
{
	/* x32 ptrace is 521 (| 0x40000000); plain 0x40000000|101 is invalid */
	long r = syscall(0x40000000 | 521, 16 /* PTRACE_ATTACH */, 1, 0, 0);
	esc_survived("x32 ptrace", r);
}
