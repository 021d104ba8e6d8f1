// escape: /sys (absent) and the read-only cgroup view: raise the job's limits, leave the cgroup
// expect: OK
// args: {token}
#include "esc.h"
#include <dirent.h>
#include <limits.h>

static int nwritable;

/* Try to write every file and create a directory everywhere under dir. */
static void attack_dir(const char *dir, int depth)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/escape-%d", dir, depth);
	if (mkdir(p, 0755) == 0)
		esc_bad("mkdir '%s' in the cgroup view", p);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR && depth < 4) {
			attack_dir(p, depth + 1);
			continue;
		}
		int fd = open(p, O_WRONLY);
		if (fd < 0)
			continue;
		/* a large limit for limit files, our pid for cgroup.procs/tasks */
		const char *v =
			strstr(e->d_name, "procs") || strstr(e->d_name, "tasks") ? "1" : "max";
		if (write(fd, v, strlen(v)) > 0) {
			esc_bad("wrote '%s' to '%s'", v, p);
			nwritable++;
		}
		close(fd);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	static const char *const absent[] = {"/sys/kernel/uevent_helper",
					     "/sys/class/net",
					     "/sys/firmware",
					     "/sys/block",
					     "/sys/kernel/mm",
					     "/sys/power/state"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		esc_open_refused(absent[i], O_RDONLY);
	attack_dir("/sys/fs/cgroup", 0);
	if (!nwritable)
		esc_ok("no file of /sys/fs/cgroup took a write");
	(void) argc;
	(void) argv;
	return esc_done();
}
