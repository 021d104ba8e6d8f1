// escape: TIOCLINUX selection paste, TIOCSTI's twin on the virtual console
// expect: SYSCALL_VIOLATION ioctl
#include "esc.h"
#include <sys/ioctl.h>

int main(void)
{
	char sub = 3; /* TIOCL_PASTESEL */
	long r = ioctl(1, TIOCLINUX, &sub);
	esc_survived("ioctl(TIOCLINUX)", r);
}
