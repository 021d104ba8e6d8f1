/* What the box tells about the supervisor and about init (PID 1).
 *   identity dump [stderr]
 *                   every file and link of /proc/1 and /proc/self (fd/
 *                   and task/ one level down), /proc/mounts and the
 *                   kernel's /proc files that name paths, as
 *                   "== PATH ==" then the bytes (NUL shown as '|'), or
 *                   "== PATH: ERRNO" when it cannot be read; on stderr
 *                   with "stderr" (an interactor's stdout is not kept)
 *   identity pid1   one "name=RESULT" line per attempt on init: OK or the
 *                   errno's name (EPERM, EACCES, ...)
 *   identity etc    the names in /etc, one per line, sorted by the caller
 * Exit 0 unless the payload itself could not run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ESRCH:
		return "ESRCH";
	case EINVAL:
		return "EINVAL";
	default:
		return strerror(e);
	}
}

/* Files whose reading blocks, is endless, or means nothing. */
static int skipped(const char *name)
{
	static const char *const skip[] = {
		"mem",	      "pagemap",    "clear_refs",  "kcore",	    "kmsg",
		"kpagecount", "kpageflags", "kpagecgroup", "sysrq-trigger", "timerslack_ns"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(name, skip[i]))
			return 1;
	return 0;
}

static void dump_file(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		printf("== %s: %s\n", path, ename(errno));
		return;
	}
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t) n;
	int e = errno;
	close(fd);
	if (len == 0 && n < 0) {
		printf("== %s: %s\n", path, ename(e));
		return;
	}
	printf("== %s ==\n", path);
	for (size_t i = 0; i < len; i++)
		putchar(buf[i] ? buf[i] : '|');
	putchar('\n');
}

static void dump_link(const char *path)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		printf("== %s: %s\n", path, ename(errno));
		return;
	}
	target[n] = '\0';
	printf("== %s -> %s\n", path, target);
}

static void dump_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("== %s: %s\n", dir, ename(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || skipped(e->d_name))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			printf("== %s: %s\n", path, ename(errno));
		else if (S_ISLNK(st.st_mode))
			dump_link(path);
		else if (S_ISDIR(st.st_mode) && depth > 0 && strcmp(e->d_name, "net") &&
			 strcmp(e->d_name, "attr"))
			dump_dir(path, depth - 1);
		else if (S_ISREG(st.st_mode))
			dump_file(path);
	}
	closedir(d);
}

static void dump(void)
{
	dump_dir("/proc/1", 1);
	dump_dir("/proc/self", 1);
	static const char *const top[] = {"/proc/mounts", "/proc/cmdline", "/proc/swaps",
					  "/proc/self/net/unix"};
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		dump_file(top[i]);
}

static void result(const char *name, long r)
{
	printf("%s=%s\n", name, r < 0 ? ename(errno) : "OK");
}

static void open_result(const char *name, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	result(name, fd);
	if (fd >= 0)
		close(fd);
}

static void pid1(void)
{
	struct rlimit rl;
	char link[256];
	result("kill0", kill(1, 0));
	result("kill_term", kill(1, SIGTERM));
	result("prlimit_get", prlimit(1, RLIMIT_NOFILE, NULL, &rl));
	result("prlimit_set", prlimit(1, RLIMIT_CORE, &(struct rlimit){0, 0}, NULL));
	result("setpriority", setpriority(PRIO_PROCESS, 1, 0));
	open_result("environ", "/proc/1/environ", O_RDONLY);
	open_result("mem", "/proc/1/mem", O_RDONLY);
	open_result("maps", "/proc/1/maps", O_RDONLY);
	open_result("fd", "/proc/1/fd", O_RDONLY | O_DIRECTORY);
	result("cwd", readlink("/proc/1/cwd", link, sizeof(link)));
	result("root", readlink("/proc/1/root", link, sizeof(link)));
	result("exe", readlink("/proc/1/exe", link, sizeof(link)));
	/* The files init made for the program are the program's. */
	open_result("box_write", "/box/identity-probe", O_WRONLY | O_CREAT | O_EXCL);
	open_result("tmp_write", "/tmp/identity-probe", O_WRONLY | O_CREAT | O_EXCL);
	struct stat st;
	if (stat("/box", &st) == 0)
		printf("box_owner=%u:%u\n", (unsigned) st.st_uid, (unsigned) st.st_gid);
	printf("self_uid=%u\n", (unsigned) getuid());
}

static void etc(void)
{
	DIR *d = opendir("/etc");
	if (!d) {
		printf("etc: %s\n", ename(errno));
		exit(4);
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			printf("%s\n", e->d_name);
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "stderr") && dup2(2, 1) < 0)
		return 4; /* an interactor's stdout is its peer's stdin */
	if (argc > 1 && !strcmp(argv[1], "dump"))
		dump();
	else if (argc > 1 && !strcmp(argv[1], "pid1"))
		pid1();
	else if (argc > 1 && !strcmp(argv[1], "etc"))
		etc();
	else
		return 4;
	return fflush(stdout) ? 4 : 0;
}
