// escape: read init's memory, fds and environment via /proc/1/{mem,fd,environ,maps,root}
// expect: OK
#include "esc.h"
#include <dirent.h>

int main(void)
{
	esc_open_refused("/proc/1/mem", O_RDONLY);
	esc_open_refused("/proc/1/mem", O_RDWR);
	esc_open_refused("/proc/1/environ", O_RDONLY);
	esc_open_refused("/proc/1/maps", O_RDONLY);
	esc_open_refused("/proc/1/syscall", O_RDONLY);
	esc_open_refused("/proc/1/stack", O_RDONLY);
	esc_open_refused("/proc/1/root/box", O_RDONLY | O_DIRECTORY);
	esc_open_refused("/proc/1/cwd/program", O_RDONLY);
	char link[256];
	ESC_REFUSED(readlink("/proc/1/exe", link, sizeof(link)), "readlink /proc/1/exe");
	ESC_REFUSED(readlink("/proc/1/root", link, sizeof(link)), "readlink /proc/1/root");
	DIR *d = opendir("/proc/1/fd");
	if (!d) {
		esc_ok("opendir /proc/1/fd: %s", strerror(errno));
	} else {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char p[300];
			snprintf(p, sizeof(p), "/proc/1/fd/%s", e->d_name);
			esc_open_refused(p, O_RDWR);
			esc_open_refused(p, O_RDONLY);
		}
		closedir(d);
	}
	/* ...and the same through a sibling thread's view of pid 1 */
	esc_open_refused("/proc/1/task/1/mem", O_RDONLY);
	return esc_done();
}
