// escape: unshare(CLONE_NEWUSER) to become root of a new user namespace (step 1 of most exploits)
// expect: SYSCALL_VIOLATION unshare
#include "esc.h"
#include <sched.h>

int main(void)
{
	long r = unshare(CLONE_NEWUSER | CLONE_NEWNS);
	esc_survived("unshare(CLONE_NEWUSER|CLONE_NEWNS)", r);
}
