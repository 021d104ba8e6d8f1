// escape: open descriptors without end (--open-files 64): EMFILE, the program handles it
// expect: OK
// run: --open-files 64
// check: stdout~ok: EMFILE
#include "esc.h"

int main(void)
{
	int n = 0, e = 0;
	for (; n < 100000; n++) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			e = errno;
			break;
		}
	}
	if (e == EMFILE && n <= 64)
		esc_ok("EMFILE after %d descriptors", n);
	else
		esc_bad("%d descriptors, then %s", n, strerror(e));
	int p[2];
	ESC_REFUSED(pipe(p), "pipe at the limit");
	return esc_done();
}
