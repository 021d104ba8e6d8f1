// escape: learn the supervisor's argv from /proc/1/cmdline, signal or prlimit init (own id as root)
// expect: OK
#include "esc.h"
#include <signal.h>
#include <sys/resource.h>

/* Is uid 0 of the box mapped? Only for init's own id (a root supervisor). */
static int init_has_own_id(void)
{
	FILE *f = fopen("/proc/self/uid_map", "r");
	char line[128];
	int own = 0;
	unsigned in, out, n;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u %u", &in, &out, &n) == 3 && in == 0)
			own = 1;
	if (f)
		fclose(f);
	return own;
}

int main(int argc, char **argv)
{
	/* The runner's token ends the supervisor's argv and ours. */
	const char *token = argc > 1 ? argv[argc - 1] : NULL;
	char buf[4096];
	int fd = open("/proc/1/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		esc_broken("read /proc/1/cmdline: %s", strerror(errno));
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		buf[i] = buf[i] ? buf[i] : ' ';
	if (!token || strstr(buf, token) || strstr(buf, "judgebox") || strcmp(buf, "jb-init "))
		esc_bad("/proc/1/cmdline shows '%s'", buf);
	else
		esc_ok("/proc/1/cmdline is '%s'", buf);
	if (!init_has_own_id()) {
		esc_ok("init shares the box user's id (unprivileged judgebox): kill checks "
		       "skipped");
		return esc_done();
	}
	struct rlimit rl;
	ESC_REFUSED(kill(1, 0), "kill(1, 0)");
	ESC_REFUSED(kill(1, SIGTERM), "kill(1, SIGTERM)");
	ESC_REFUSED(prlimit(1, RLIMIT_NOFILE, NULL, &rl), "prlimit(1) get");
	return esc_done();
}
