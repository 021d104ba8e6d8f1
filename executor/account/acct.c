#include "acct.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define TREE_MAX 4096

/* utime, stime, cutime, cstime of /proc/PID/stat, in clock ticks. */
static int read_times(const char *proc, pid_t pid, unsigned long long t[4])
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "%s/%d/stat", proc, (int) pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt = 11 */
	char *save = NULL, *tok = strtok_r(p + 1, " ", &save);
	for (int field = 3; tok && field < 14; field++)
		tok = strtok_r(NULL, " ", &save);
	for (int i = 0; i < 4; i++) {
		if (!tok)
			return -EIO;
		t[i] = strtoull(tok, NULL, 10);
		tok = strtok_r(NULL, " ", &save);
	}
	return 0;
}

/* Append the children of every thread of pid to list. */
static size_t add_children(const char *proc, pid_t pid, pid_t *list, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/%d/task", proc, (int) pid);
	DIR *d = opendir(path);
	if (!d)
		return n;
	struct dirent *e;
	while ((e = readdir(d)) && n < TREE_MAX) {
		if (e->d_name[0] == '.')
			continue;
		char cpath[128], buf[4096];
		snprintf(cpath, sizeof(cpath), "%s/%d/task/%s/children", proc, (int) pid,
			 e->d_name);
		_cleanup_close_ int fd = open(cpath, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (char *s = buf, *end; n < TREE_MAX; s = end) {
			long c = strtol(s, &end, 10);
			if (end == s)
				break;
			list[n++] = (pid_t) c;
		}
	}
	closedir(d);
	return n;
}

uint64_t acct_tree_cpu_us(const char *proc, pid_t root)
{
	static pid_t list[TREE_MAX]; /* the supervisor is single-threaded */
	unsigned long long t[4];
	if (read_times(proc, root, t) < 0)
		return 0;
	unsigned long long ticks = t[2] + t[3]; /* what root reaped */
	size_t n = add_children(proc, root, list, 0);
	for (size_t i = 0; i < n; i++) {
		if (read_times(proc, list[i], t) == 0)
			ticks += t[0] + t[1] + t[2] + t[3];
		n = add_children(proc, list[i], list, n);
	}
	long hz = sysconf(_SC_CLK_TCK);
	return ticks * 1000000ULL / (unsigned long long) (hz > 0 ? hz : 100);
}
