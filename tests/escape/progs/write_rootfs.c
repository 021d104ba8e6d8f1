// escape: write to /, /usr, /etc, /lib, /bin (create, link, chown, rename) under ci: EROFS
// expect: OK
// run: --policy ci
// args: {token}
// host: rootfs_unchanged
#include "esc.h"
#include <sys/time.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: write_rootfs TOKEN");
	static const char *const dirs[] = {"",	   "/usr", "/usr/bin", "/usr/lib",	 "/etc",
					   "/lib", "/bin", "/sbin",    "/usr/local/bin", "/proc"};
	char p[4096], q[4096];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], argv[1]);
		esc_open_refused(p, O_WRONLY | O_CREAT | O_EXCL);
		ESC_REFUSED(mkdir(p, 0755), "mkdir");
		snprintf(q, sizeof(q), "%s/%s.ln", dirs[i], argv[1]);
		ESC_REFUSED(symlink("/box", q), "symlink");
	}
	static const char *const files[] = {"/etc/ld.so.cache", "/etc/passwd",
					    "/etc/hosts",	"/usr/bin/env",
					    "/etc/localtime",	"/etc/nsswitch.conf"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		esc_open_refused(files[i], O_WRONLY);
		esc_open_refused(files[i], O_RDWR | O_APPEND);
		ESC_REFUSED(truncate(files[i], 0), "truncate");
		ESC_REFUSED(chmod(files[i], 0777), "chmod");
		ESC_REFUSED(unlink(files[i]), "unlink");
		snprintf(q, sizeof(q), "%s.%s", files[i], argv[1]);
		ESC_REFUSED(rename(files[i], q), "rename");
		ESC_REFUSED(utimes(files[i], NULL), "utimes");
		ESC_REFUSED(chown(files[i], 1000, 1000), "chown");
		snprintf(q, sizeof(q), "/box/%s.hard", argv[1]);
		ESC_REFUSED(link(files[i], q), "hard link into /box");
	}
	ESC_REFUSED(rmdir("/usr/local"), "rmdir /usr/local");
	ESC_REFUSED(rename("/box", "/box2"), "rename /box");
	/* through /proc/self/root: the same read-only mounts */
	snprintf(p, sizeof(p), "/proc/self/root/usr/%s", argv[1]);
	esc_open_refused(p, O_WRONLY | O_CREAT | O_EXCL);
	return esc_done();
}
