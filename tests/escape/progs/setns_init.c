// escape: setns into namespaces through /proc/1/ns/* (and its own, to test the filter)
// expect: SYSCALL_VIOLATION setns
#include "esc.h"
#include <sched.h>

int main(void)
{
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	if (fd < 0)
		fd = open("/proc/self/ns/mnt", O_RDONLY);
	long r = setns(fd, 0);
	esc_survived("setns", r);
}
