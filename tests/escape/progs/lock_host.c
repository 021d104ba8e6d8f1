// escape: POSIX and OFD locks on the host's /etc/ld.so.cache, to block the host's lockers
// expect: OK
// check: denied~fcntl
// check: stdout~ok: no lock in /proc/locks
#include "esc.h"

/* flock stays allowed under default (the JVM locks its hsperfdata file at
 * every start and prints a warning on stdout when it cannot): see
 * SECURITY.md. fcntl's locks, which no runtime of the matrix takes, are
 * ENOLCK. */

static void refused_with(long r, int want, const char *what)
{
	if (r >= 0)
		esc_bad("%s succeeded", what);
	else if (errno != want)
		esc_bad("%s: %s, expected %s", what, strerror(errno), strerror(want));
	else
		esc_ok("%s: %s", what, strerror(errno));
}

static long lock_cmd(int fd, unsigned long cmd)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	return syscall(SYS_fcntl, fd, cmd, &fl);
}

int main(void)
{
	int fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_broken("open /etc/ld.so.cache: %s", strerror(errno));
	refused_with(lock_cmd(fd, F_SETLK), ENOLCK, "fcntl(F_SETLK, F_RDLCK)");
	refused_with(lock_cmd(fd, F_SETLKW), ENOLCK, "fcntl(F_SETLKW, F_RDLCK)");
	refused_with(lock_cmd(fd, F_OFD_SETLK), ENOLCK, "fcntl(F_OFD_SETLK, F_RDLCK)");
	refused_with(lock_cmd(fd, F_OFD_SETLKW), ENOLCK, "fcntl(F_OFD_SETLKW, F_RDLCK)");
	/* the kernel reads the command as 32 bits: F_SETLK with high bits set */
	refused_with(lock_cmd(fd, 0x100000000UL | F_SETLK), ENOLCK, "fcntl(F_SETLK | 1 << 32)");
	/* a query is fine, and so are the other commands */
	if (lock_cmd(fd, F_GETLK) < 0 || fcntl(fd, F_GETFD) < 0)
		esc_bad("fcntl(F_GETLK) / F_GETFD: %s", strerror(errno));
	/* /proc/locks lists the locks of the processes this pid namespace sees */
	FILE *f = fopen("/proc/locks", "re");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		if (n++ < 3)
			esc_bad("a lock in /proc/locks: %s", line);
	if (!f)
		esc_broken("open /proc/locks: %s", strerror(errno));
	fclose(f);
	if (n == 0)
		esc_ok("no lock in /proc/locks");
	return esc_done();
}
