// escape: join the host's root group with setgroups([0])
// expect: SYSCALL_VIOLATION setgroups
#include "esc.h"
#include <grp.h>

int main(void)
{
	gid_t g = 0;
	long r = syscall(SYS_setgroups, 1, &g);
	esc_survived("setgroups([0])", r);
}
