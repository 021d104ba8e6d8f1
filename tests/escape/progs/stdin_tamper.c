// escape: rewrite or grow its stdin (the test's input, shared by reruns): sealed, read only
// expect: OK
// run: --stdin {stdin64}
// check: stdout~ok: read 67108864 bytes
#include "esc.h"
#include <signal.h>
#include <sys/mman.h>

int main(void)
{
	static char buf[1 << 16];
	long total = 0;
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		total += n;
	if (total == 64L << 20)
		esc_ok("read %ld bytes", total);
	else
		esc_bad("read %ld bytes, expected %ld", total, 64L << 20);
	/* at offset 64 MiB a write would pass RLIMIT_FSIZE (SIGXFSZ): go back */
	signal(SIGXFSZ, SIG_IGN);
	lseek(0, 0, SEEK_SET);
	ESC_REFUSED(write(0, "x", 1), "write to stdin");
	ESC_REFUSED(ftruncate(0, 0), "ftruncate stdin");
	int fd = open("/proc/self/fd/0", O_RDWR);
	if (fd >= 0) {
		ESC_REFUSED(pwrite(fd, "x", 1, 0), "pwrite via /proc/self/fd/0");
		close(fd);
	} else {
		esc_ok("reopen stdin O_RDWR: %s", strerror(errno));
	}
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0);
	ESC_REFUSED(m == MAP_FAILED ? -1 : 0, "mmap stdin shared writable");
	ESC_REFUSED(fcntl(0, F_ADD_SEALS, 0) == 0 && fcntl(0, F_GET_SEALS) == 0 ? 0 : -1,
		    "remove the seals");
	return esc_done();
}
