// escape: write 'h' to /proc/sysrq-trigger (a host-wide kernel command; 'h' only logs help)
// expect: OK
// host: sysrq
#include "esc.h"

int main(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd < 0) {
		esc_ok("open /proc/sysrq-trigger: %s", strerror(errno));
		return esc_done();
	}
	ESC_REFUSED(write(fd, "h", 1), "write 'h' to /proc/sysrq-trigger");
	close(fd);
	return esc_done();
}
