// escape: clone3(CLONE_NEWUSER): flags in memory a filter cannot see; must get ENOSYS
// expect: OK
// run: --policy ci
// check: denied~clone3
#include "esc.h"
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>

int main(void)
{
	struct clone_args a = {.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID,
			       .exit_signal = SIGCHLD};
	long r = syscall(SYS_clone3, &a, sizeof(a));
	if (r == 0)
		_exit(0);
	if (r < 0 && errno == ENOSYS)
		esc_ok("clone3(CLONE_NEWUSER): ENOSYS");
	else if (r < 0)
		esc_ok("clone3(CLONE_NEWUSER): %s (expected ENOSYS)", strerror(errno));
	else
		esc_bad("clone3(CLONE_NEWUSER) made child %ld", r);
	return esc_done();
}
