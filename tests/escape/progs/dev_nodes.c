// escape: reach host devices (/dev/sda, mem, kmsg, tty, console, fuse, kvm): only the basic few
// expect: OK
#include "esc.h"
#include <dirent.h>

int main(void)
{
	static const char *const bad[] = {
		"/dev/sda",    "/dev/vda",	 "/dev/nvme0n1", "/dev/mem",	      "/dev/kmem",
		"/dev/port",   "/dev/kmsg",	 "/dev/tty",	 "/dev/console",      "/dev/fuse",
		"/dev/kvm",    "/dev/net/tun",	 "/dev/loop0",	 "/dev/loop-control", "/dev/ptmx",
		"/dev/uinput", "/dev/dri/card0", "/dev/watchdog"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		esc_open_refused(bad[i], O_RDWR);
	static const char *const ok[] = {"null", "zero",  "full",   "random", "urandom",
					 "fd",	 "stdin", "stdout", "stderr", "shm"};
	DIR *d = opendir("/dev");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int known = e->d_name[0] == '.';
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]) && !known; i++)
			known = !strcmp(e->d_name, ok[i]);
		if (!known)
			esc_bad("unexpected /dev/%s", e->d_name);
	}
	if (d)
		closedir(d);
	ESC_REFUSED(open("/dev/evil", O_WRONLY | O_CREAT, 0666), "create /dev/evil");
	return esc_done();
}
