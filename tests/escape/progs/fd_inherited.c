// escape: use a descriptor leaked from judgebox's caller (the runner passes an open fd)
// expect: OK
// host: leaked_fd
#include "esc.h"
#include <dirent.h>

int main(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		esc_broken("opendir /proc/self/fd: %s", strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		char p[64], t[256] = "";
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		(void) !readlink(p, t, sizeof(t) - 1);
		esc_bad("inherited fd %d -> '%s'", fd, t);
		(void) !write(fd, "ESCAPED\n", 8);
	}
	closedir(d);
	esc_ok("only 0, 1 and 2 open");
	return esc_done();
}
