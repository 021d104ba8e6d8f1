// escape: mknod a block device for the host's disk (8:0, /dev/sda) in /box
// expect: SYSCALL_VIOLATION ~^mknod(at)?$
#include "esc.h"
#include <sys/sysmacros.h>

int main(void)
{
	long r = mknod("/box/sda", S_IFBLK | 0600, makedev(8, 0));
	esc_survived("mknod", r);
}
