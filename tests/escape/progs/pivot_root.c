// escape: pivot_root to swap the root (and reach the old one)
// expect: SYSCALL_VIOLATION pivot_root
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_pivot_root, "/box", "/box");
	esc_survived("pivot_root", r);
}
