// escape: the classic chroot break-out (chroot into a subdir, then chdir .. past the root)
// expect: SYSCALL_VIOLATION chroot
#include "esc.h"

int main(void)
{
	mkdir("/box/jail", 0755);
	long r = chroot("/box/jail");
	for (int i = 0; i < 64; i++)
		(void) chdir("..");
	esc_survived("chroot('/box/jail')", r);
}
