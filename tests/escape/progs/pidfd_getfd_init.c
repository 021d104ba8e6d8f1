// escape: steal init's descriptors (report, control pipes) with pidfd_open + pidfd_getfd
// expect: SYSCALL_VIOLATION pidfd_open
#include "esc.h"

int main(void)
{
	long pfd = syscall(SYS_pidfd_open, 1, 0);
	if (pfd >= 0)
		for (int fd = 0; fd < 64; fd++)
			if (syscall(SYS_pidfd_getfd, pfd, fd, 0) >= 0)
				printf("ESCAPED: got init's fd %d\n", fd);
	esc_survived("pidfd_open(1)", pfd);
}
