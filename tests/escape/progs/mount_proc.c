// escape: remount / read-write (or mount a fresh tmpfs/proc) to change the file-system view
// expect: SYSCALL_VIOLATION mount
#include "esc.h"
#include <sys/mount.h>

int main(void)
{
	long r = mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL);
	esc_survived("mount(MS_REMOUNT, '/')", r);
}
