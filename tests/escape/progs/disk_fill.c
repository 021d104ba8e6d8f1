// escape: fill /box, /tmp and /dev/shm (--box-size 8M): ENOSPC is the program's own error
// expect: OK
// run: --box-size 8M --file-size 4M
// check: stdout~ok: /box full
#include "esc.h"

static char buf[256 * 1024];

/* Write files of at most 3 MiB (under RLIMIT_FSIZE) in dir until ENOSPC. */
static int fill(const char *dir)
{
	char p[256];
	for (int f = 0; f < 64; f++) {
		snprintf(p, sizeof(p), "%s/fill%d", dir, f);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return errno;
		for (int i = 0; i < 12; i++) {
			if (write(fd, buf, sizeof(buf)) < 0) {
				int e = errno;
				close(fd);
				return e;
			}
		}
		close(fd);
	}
	return 0;
}

int main(void)
{
	memset(buf, 'x', sizeof(buf));
	int e = fill("/box");
	if (e == ENOSPC)
		esc_ok("/box full: %s", strerror(e));
	else
		esc_bad("/box: wrote 192 MiB or got %s", strerror(e));
	e = fill("/tmp");
	if (e == ENOSPC)
		esc_ok("/tmp shares the full budget: %s", strerror(e));
	else
		esc_bad("/tmp: %s", strerror(e));
	e = fill("/dev/shm");
	if (e == ENOSPC)
		esc_ok("/dev/shm shares the full budget: %s", strerror(e));
	else
		esc_bad("/dev/shm: %s", strerror(e));
	/* many empty files: inodes are bounded too (or memory is) */
	int n = 0;
	char p[64];
	for (; n < 20000; n++) {
		snprintf(p, sizeof(p), "/box/e%d", n);
		int fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			break;
		close(fd);
	}
	printf("info: %d empty files created\n", n);
	return esc_done();
}
