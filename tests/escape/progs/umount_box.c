// escape: unmount /proc or /box to uncover what lies under the mounts
// expect: SYSCALL_VIOLATION umount2
#include "esc.h"
#include <sys/mount.h>

int main(void)
{
	long r = umount2("/proc", MNT_DETACH);
	esc_survived("umount2('/proc')", r);
}
