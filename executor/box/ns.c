#include "ns.h"

#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int write_proc_file(pid_t pid, const char *file, const char *text, struct jb_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return jb_fail(err, errno, "open '%s'", path);
	/* The kernel wants each map in one write(2). */
	ssize_t n = write(fd, text, strlen(text));
	if (n < 0)
		return jb_fail(err, errno, "write '%s' to '%s'", text, path);
	return 0;
}

/* One map: "INSIDE HOST 1" for the box user, and for init when it has an
 * id of its own. */
static void format_map(char *buf, size_t n, unsigned box_in, unsigned box_host, bool own_init,
		       unsigned init_in, unsigned init_host)
{
	int k = snprintf(buf, n, "%u %u 1\n", box_in, box_host);
	if (own_init && k > 0 && (size_t) k < n)
		snprintf(buf + k, n - (size_t) k, "%u %u 1\n", init_in, init_host);
}

int ns_write_id_maps(pid_t pid, const struct ns_ids *ids, struct jb_err *err)
{
	char map[96];
	format_map(map, sizeof(map), NS_BOX_UID, (unsigned) ids->box_uid, ids->own_init,
		   NS_INIT_UID, (unsigned) ids->init_uid);
	int r = write_proc_file(pid, "uid_map", map, err);
	if (r < 0)
		return r;
	/* An unprivileged writer must deny setgroups before writing gid_map; a
	 * root supervisor cleared its supplementary groups already, so denying is
	 * right for both and the program can never regain a group. */
	r = write_proc_file(pid, "setgroups", "deny", err);
	if (r < 0)
		return r;
	format_map(map, sizeof(map), NS_BOX_GID, (unsigned) ids->box_gid, ids->own_init,
		   NS_INIT_GID, (unsigned) ids->init_gid);
	return write_proc_file(pid, "gid_map", map, err);
}

int ns_set_hostname(const char *name, struct jb_err *err)
{
	if (sethostname(name, strlen(name)) < 0)
		return jb_fail(err, errno, "set the hostname to '%s'", name);
	return 0;
}

int ns_loopback_up(struct jb_err *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jb_fail(err, errno, "create a socket to configure 'lo'");
	struct ifreq ifr = {0};
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return jb_fail(err, errno, "read the flags of 'lo'");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return jb_fail(err, errno, "bring 'lo' up");
	return 0;
}
