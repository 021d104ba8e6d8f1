// escape: vfork under the default policy (a path around a filter that watches clone only)
// expect: SYSCALL_VIOLATION vfork
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_vfork);
	if (r == 0)
		_exit(0);
	esc_survived("vfork", r);
}
