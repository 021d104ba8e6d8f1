// escape: "shocker": open_by_handle_at on a guessed handle of the host root fs's inode 2
// expect: SYSCALL_VIOLATION open_by_handle_at
#include "esc.h"

struct handle {
	unsigned int bytes;
	int type;
	unsigned char f[8];
};

int main(void)
{
	/* Any file of a host file system (the read-only /etc bind) is a mount fd. */
	int mfd = open("/etc/ld.so.cache", O_RDONLY);
	if (mfd < 0)
		mfd = open("/usr", O_RDONLY);
	struct handle h = {.bytes = 8, .type = 1, .f = {2, 0, 0, 0, 0, 0, 0, 0}};
	long r = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY);
	esc_survived("open_by_handle_at", r);
}
