// escape: io_uring (syscalls the filter never sees, run by kernel workers): ENOSYS, no kill
// expect: OK
// check: denied~io_uring_setup
#include "esc.h"
#include <linux/io_uring.h>

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	long r = syscall(SYS_io_uring_setup, 8, &p);
	if (r < 0 && errno == ENOSYS)
		esc_ok("io_uring_setup: ENOSYS");
	else if (r < 0)
		esc_bad("io_uring_setup: %s, not ENOSYS", strerror(errno));
	else
		esc_bad("io_uring_setup gave fd %ld", r);
	r = syscall(SYS_io_uring_enter, 0, 1, 0, 0, NULL, 0);
	if (r < 0 && errno == ENOSYS)
		esc_ok("io_uring_enter: ENOSYS");
	else
		esc_bad("io_uring_enter: %ld %s", r, strerror(errno));
	return esc_done();
}
