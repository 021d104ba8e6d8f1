// escape: look for other processes (the host's, other jobs') in /proc and by pid
// expect: OK
// args: {victim}
#include "esc.h"
#include <dirent.h>
#include <signal.h>

int main(int argc, char **argv)
{
	DIR *d = opendir("/proc");
	if (!d)
		esc_broken("opendir /proc: %s", strerror(errno));
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 0)
			continue;
		n++;
		if (pid != 1 && pid != getpid())
			esc_bad("foreign pid %d in /proc", pid);
	}
	closedir(d);
	if (n == 2)
		esc_ok("/proc shows init and us only");
	if (getppid() != 1)
		esc_bad("parent is %d, not init", getppid());
	if (argc > 1 && kill(atoi(argv[1]), 0) == 0 && atoi(argv[1]) > 2)
		esc_bad("host pid %s reachable", argv[1]);
	char host[64] = "";
	gethostname(host, sizeof(host));
	if (strcmp(host, "box"))
		esc_bad("hostname '%s'", host);
	return esc_done();
}
