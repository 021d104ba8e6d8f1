// escape: the new mount API (fsopen/fsmount/move_mount) past a filter that only knows mount
// expect: SYSCALL_VIOLATION fsopen
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_fsopen, "tmpfs", 0);
	esc_survived("fsopen('tmpfs')", r);
}
