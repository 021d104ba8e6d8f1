// escape: fork into a new user+mount namespace with clone(CLONE_NEWUSER) under ci
// expect: SYSCALL_VIOLATION clone
// run: --policy ci
#include "esc.h"
#include <sched.h>
#include <signal.h>

int main(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r == 0)
		_exit(0);
	esc_survived("clone(CLONE_NEWUSER)", r);
}
