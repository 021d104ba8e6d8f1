// escape: TIOCSTI: push a command into the input of the terminal the judge runs in
// expect: SYSCALL_VIOLATION ioctl
#include "esc.h"
#include <sys/ioctl.h>

int main(void)
{
	const char *cmd = "touch /tmp/judgebox-escaped\n";
	long r = 0;
	for (const char *c = cmd; *c && r >= 0; c++)
		r = ioctl(0, TIOCSTI, c);
	esc_survived("ioctl(TIOCSTI)", r);
}
