// escape: userfaultfd (stall the kernel at will to win races) and /dev/userfaultfd: ENOSYS
// expect: OK
// check: denied~userfaultfd
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (r < 0 && errno == ENOSYS)
		esc_ok("userfaultfd: ENOSYS");
	else if (r < 0)
		esc_bad("userfaultfd: %s, not ENOSYS", strerror(errno));
	else
		esc_bad("userfaultfd gave fd %ld", r);
	esc_open_refused("/dev/userfaultfd", O_RDWR);
	return esc_done();
}
