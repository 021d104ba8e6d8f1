// escape: memfd_secret (memory the kernel itself cannot read): ENOSYS, not a kill
// expect: OK
// check: denied~memfd_secret
#include "esc.h"

int main(void)
{
	long r = syscall(447 /* memfd_secret */, 0);
	if (r < 0 && (errno == ENOSYS || errno == EPERM))
		esc_ok("memfd_secret: %s", strerror(errno));
	else
		esc_bad("memfd_secret: %ld %s", r, strerror(errno));
	return esc_done();
}
