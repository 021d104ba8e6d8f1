// escape: reboot(2) (with an invalid command: harmless even if it got through)
// expect: SYSCALL_VIOLATION reboot
#include "esc.h"
#include <linux/reboot.h>

int main(void)
{
	long r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x12345678, NULL);
	esc_survived("reboot", r);
}
