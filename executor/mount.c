#include "mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Staging area: a tmpfs over the host's /tmp, private to this mount
 * namespace, holding the new root and the box data until pivot_root. */
#define STAGE	"/tmp"
#define NEWROOT STAGE "/root"
#define DATA	STAGE "/data"

/* What the default view takes from the host's /: the system directories... */
static const char *const top_dirs[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"};
/* ...and what programs and runtimes need of /etc (fnmatch patterns). */
static const char *const etc_entries[] = {
	"ld.so.cache", "ld.so.conf",	"ld.so.conf.d",	  "alternatives", "localtime",
	"timezone",    "java-*",	"python3*",	  "ssl",	  "ca-certificates",
	"mime.types",  "nsswitch.conf", "host.conf",	  "gai.conf",	  "protocols",
	"services",    "os-release",	"debian_version", "perl",	  "gcc",
	"fonts",       "environment",	"profile",	  "bash.bashrc",  "inputrc",
	"magic",       "magic.mime",	"gprofng.rc",	  "locale.alias",
};
/* Device nodes bound from the host (mknod is not possible in a user ns). */
static const char *const devices[] = {"null", "zero", "full", "random", "urandom"};

static int mount_at(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, struct jb_err *err)
{
	if (mount(src, dst, type, flags, data) < 0)
		return jb_fail(err, errno, "mount '%s' on '%s'", src ? src : "none", dst);
	return 0;
}

/* Read-only (and nosuid, nodev) for a mount and everything under it. */
static int make_readonly(const char *path, bool recursive, struct jb_err *err)
{
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	unsigned flags = AT_NO_AUTOMOUNT | (recursive ? AT_RECURSIVE : 0);
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof(attr)) < 0)
		return jb_fail(err, errno, "make '%s' read-only", path);
	return 0;
}

static int touch(const char *path, mode_t mode, struct jb_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return jb_fail(err, errno, "create '%s'", path);
	return 0;
}

static int make_dir(const char *path, mode_t mode, struct jb_err *err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return jb_fail(err, errno, "create directory '%s'", path);
	return 0;
}

/* Mirror host entry src at dst: a symlink is copied, a directory or file is
 * bind-mounted read-only (recursively), anything else is skipped. */
static int mirror(const char *src, const char *dst, struct jb_err *err)
{
	struct stat st;
	if (lstat(src, &st) < 0)
		return errno == ENOENT ? 0 : jb_fail(err, errno, "stat '%s'", src);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return jb_fail(err, errno, "read link '%s'", src);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return jb_fail(err, errno, "create link '%s'", dst);
		return 0;
	}
	int r;
	if (S_ISDIR(st.st_mode))
		r = make_dir(dst, 0755, err);
	else if (S_ISREG(st.st_mode))
		r = touch(dst, 0644, err);
	else
		return 0;
	if (r < 0)
		return r;
	r = mount_at(src, dst, NULL, MS_BIND | MS_REC, NULL, err);
	return r < 0 ? r : make_readonly(dst, true, err);
}

static bool wanted_in_etc(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(etc_entries); i++)
		if (fnmatch(etc_entries[i], name, 0) == 0)
			return true;
	return false;
}

/* The default view's /etc, read once per process (mnt_prepare): small
 * regular files are copied into the root tmpfs, which costs less than a bind
 * mount each; directories are bound read-only; links are copied. */
#define ETC_COPY_MAX (256 * 1024)
enum etc_kind { ETC_COPY, ETC_BIND, ETC_LINK };
struct etc_entry {
	char name[NAME_MAX + 1];
	enum etc_kind kind;
	char *data; /* ETC_COPY: the content; ETC_LINK: the target */
	size_t len;
};
static struct etc_entry *etc_plan;
static size_t n_etc_plan;
static bool etc_ready;

static int plan_entry(const char *name, struct etc_entry *e)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "/etc/%s", name);
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		e->kind = ETC_BIND;
		return 0;
	}
	if (S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size <= ETC_COPY_MAX)) {
		e->data = malloc(S_ISLNK(st.st_mode) ? PATH_MAX : (size_t) st.st_size + 1);
		if (!e->data)
			return -ENOMEM;
		ssize_t n;
		if (S_ISLNK(st.st_mode)) {
			e->kind = ETC_LINK;
			n = readlink(path, e->data, PATH_MAX - 1);
		} else {
			e->kind = ETC_COPY;
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
			n = fd < 0 ? -1 : jb_read_full(fd, e->data, (size_t) st.st_size);
		}
		if (n < 0)
			return -errno;
		e->data[n] = '\0';
		e->len = (size_t) n;
		return 0;
	}
	e->kind = S_ISREG(st.st_mode) ? ETC_BIND : ETC_LINK; /* a big file: bind it */
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

int mnt_prepare(struct jb_err *err)
{
	if (etc_ready)
		return 0;
	DIR *d = opendir("/etc");
	if (!d)
		return jb_fail(err, errno, "open '/etc'");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !wanted_in_etc(de->d_name))
			continue;
		struct etc_entry *p = realloc(etc_plan, (n_etc_plan + 1) * sizeof(*p));
		if (!p)
			break;
		etc_plan = p;
		struct etc_entry *e = &etc_plan[n_etc_plan];
		*e = (struct etc_entry){0};
		if (plan_entry(de->d_name, e) == 0)
			n_etc_plan++;
		else
			free(e->data); /* unreadable or odd: the box goes without it */
	}
	closedir(d);
	etc_ready = true;
	return 0;
}

void mnt_prepare_free(void)
{
	for (size_t i = 0; i < n_etc_plan; i++)
		free(etc_plan[i].data);
	free(etc_plan);
	etc_plan = NULL;
	n_etc_plan = 0;
	etc_ready = false;
}

static int write_bytes(const char *path, const char *data, size_t len, struct jb_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return jb_fail(err, errno, "create '%s'", path);
	int r = jb_write_all(fd, data, len);
	return r < 0 ? jb_fail(err, -r, "write '%s'", path) : 0;
}

static int write_text(const char *path, const char *text, struct jb_err *err)
{
	return write_bytes(path, text, strlen(text), err);
}

static int place_etc_entry(const struct etc_entry *e, struct jb_err *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	snprintf(src, sizeof(src), "/etc/%s", e->name);
	snprintf(dst, sizeof(dst), NEWROOT "/etc/%s", e->name);
	switch (e->kind) {
	case ETC_COPY:
		return write_bytes(dst, e->data, e->len, err);
	case ETC_LINK:
		if (symlink(e->data, dst) < 0)
			return jb_fail(err, errno, "create link '%s'", dst);
		return 0;
	default:
		return mirror(src, dst, err);
	}
}

static int build_etc(const struct mnt_config *cfg, struct jb_err *err)
{
	int r = make_dir(NEWROOT "/etc", 0755, err);
	if (r >= 0 && !etc_ready)
		r = mnt_prepare(err); /* not prepared by the caller: do it in this process */
	for (size_t i = 0; r >= 0 && i < n_etc_plan; i++)
		r = place_etc_entry(&etc_plan[i], err);
	if (r >= 0)
		r = write_text(NEWROOT "/etc/passwd", cfg->passwd, err);
	if (r >= 0)
		r = write_text(NEWROOT "/etc/group", cfg->group, err);
	if (r >= 0)
		r = write_text(NEWROOT "/etc/hosts", "127.0.0.1 localhost box\n::1 localhost\n",
			       err);
	if (r >= 0)
		r = write_text(NEWROOT "/etc/hostname", "box\n", err);
	return r;
}

static int build_default_root(const struct mnt_config *cfg, struct jb_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(top_dirs); i++) {
		char src[PATH_MAX], dst[PATH_MAX];
		snprintf(src, sizeof(src), "/%s", top_dirs[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/%s", top_dirs[i]);
		int r = mirror(src, dst, err);
		if (r < 0)
			return r;
	}
	return build_etc(cfg, err);
}

/* An operator's rootfs: every top-level entry except the ones the box
 * provides itself. */
static int build_rootfs_root(const char *rootfs, struct jb_err *err)
{
	static const char *const own[] = {"proc", "dev", "sys", "tmp", "box"};
	DIR *d = opendir(rootfs);
	if (!d)
		return jb_fail(err, errno, "open rootfs '%s'", rootfs);
	int r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		bool skip = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		for (size_t i = 0; i < ARRAY_SIZE(own) && !skip; i++)
			skip = !strcmp(e->d_name, own[i]);
		if (skip)
			continue;
		char src[PATH_MAX], dst[PATH_MAX];
		snprintf(src, sizeof(src), "%s/%s", rootfs, e->d_name);
		snprintf(dst, sizeof(dst), NEWROOT "/%s", e->d_name);
		r = mirror(src, dst, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int build_dev(struct jb_err *err)
{
	int r = 0; /* /dev is a directory of the root tmpfs: read-only with it */
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(devices); i++) {
		char src[64], dst[PATH_MAX];
		snprintf(src, sizeof(src), "/dev/%s", devices[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", devices[i]);
		r = touch(dst, 0666, err);
		if (r >= 0)
			r = mount_at(src, dst, NULL, MS_BIND, NULL, err);
	}
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},
					       {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"},
					       {"/proc/self/fd/2", "stderr"}};
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(links); i++) {
		char dst[PATH_MAX];
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], dst) < 0)
			r = jb_fail(err, errno, "create link '%s'", dst);
	}
	if (r >= 0)
		r = make_dir(NEWROOT "/dev/shm", 01777, err);
	if (r >= 0)
		r = mount_at(DATA "/shm", NEWROOT "/dev/shm", NULL, MS_BIND, NULL, err);
	return r;
}

/* One tmpfs of box_bytes behind /box, /tmp and /dev/shm: one budget. */
static int build_data(uint64_t box_bytes, struct jb_err *err)
{
	char opts[64];
	snprintf(opts, sizeof(opts), "size=%llu,mode=0755", (unsigned long long) box_bytes);
	int r = mount_at("judgebox-box", DATA, "tmpfs", MS_NOSUID | MS_NODEV, opts, err);
	if (r >= 0)
		r = make_dir(DATA "/box", 0755, err);
	if (r >= 0)
		r = make_dir(DATA "/tmp", 01777, err);
	if (r >= 0)
		r = make_dir(DATA "/shm", 01777, err);
	/* mkdir's mode is filtered by the umask; sticky /tmp must be exact. */
	if (r >= 0 && (chmod(DATA "/tmp", 01777) < 0 || chmod(DATA "/shm", 01777) < 0))
		r = jb_fail(err, errno, "chmod the box's /tmp");
	return r;
}

static int build_cgroup_view(const struct mnt_config *cfg, struct jb_err *err)
{
	if (cfg->n_cg == 0)
		return 0;
	const char *dirs[] = {NEWROOT "/sys", NEWROOT "/sys/fs", NEWROOT "/sys/fs/cgroup"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int r = make_dir(dirs[i], 0755, err);
		if (r < 0)
			return r;
	}
	int r = 0;
	if (cfg->n_cg > 1 || cfg->cg[0].name[0])
		r = mount_at("judgebox-cgroup", NEWROOT "/sys/fs/cgroup", "tmpfs",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=0755", err);
	for (size_t i = 0; r >= 0 && i < cfg->n_cg; i++) {
		char dst[PATH_MAX];
		snprintf(dst, sizeof(dst), NEWROOT "/sys/fs/cgroup/%s", cfg->cg[i].name);
		r = make_dir(dst, 0755, err);
		if (r >= 0)
			r = mount_at(cfg->cg[i].path, dst, NULL, MS_BIND, NULL, err);
		if (r >= 0)
			r = make_readonly(dst, false, err);
	}
	if (r >= 0 && (cfg->n_cg > 1 || cfg->cg[0].name[0]))
		r = make_readonly(NEWROOT "/sys/fs/cgroup", false, err);
	return r;
}

static int build_mount_points(struct jb_err *err)
{
	static const char *const points[] = {NEWROOT "/proc", NEWROOT "/dev", NEWROOT "/box",
					     NEWROOT "/tmp"};
	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		int r = make_dir(points[i], 0755, err);
		if (r < 0)
			return r;
	}
	int r = mount_at("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			 err);
	if (r >= 0)
		r = mount_at(DATA "/box", NEWROOT "/box", NULL, MS_BIND, NULL, err);
	if (r >= 0)
		r = mount_at(DATA "/tmp", NEWROOT "/tmp", NULL, MS_BIND, NULL, err);
	return r;
}

static int enter_root(struct jb_err *err)
{
	if (chdir(NEWROOT) < 0)
		return jb_fail(err, errno, "chdir to the new root");
	/* pivot_root(".", ".") stacks the old root under the new one; detaching
	 * it leaves no path back to the host's file system. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return jb_fail(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return jb_fail(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return jb_fail(err, errno, "chdir to '/'");
	int r = make_readonly("/", false, err);
	if (r >= 0 && chdir("/box") < 0)
		r = jb_fail(err, errno, "chdir to '/box'");
	return r;
}

int mnt_setup(const struct mnt_config *cfg, struct jb_err *err)
{
	/* Nothing we mount may propagate back to the host. */
	int r = mount_at(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, err);
	if (r >= 0)
		r = mount_at("judgebox-stage", STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
			     "size=64k,mode=0755", err);
	if (r >= 0)
		r = make_dir(NEWROOT, 0755, err);
	if (r >= 0)
		r = make_dir(DATA, 0755, err);
	if (r >= 0)
		r = mount_at("judgebox-root", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
			     "size=2m,mode=0755", err);
	if (r >= 0)
		r = build_data(cfg->box_bytes, err);
	if (r >= 0)
		r = cfg->rootfs ? build_rootfs_root(cfg->rootfs, err)
				: build_default_root(cfg, err);
	if (r >= 0)
		r = build_mount_points(err);
	if (r >= 0)
		r = build_dev(err);
	if (r >= 0)
		r = build_cgroup_view(cfg, err);
	if (r >= 0)
		r = enter_root(err);
	if (r < 0)
		jb_err_prefix(err, "mounts");
	return r;
}

static int make_parents(char *path, struct jb_err *err)
{
	for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int r = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
		*p = '/';
		if (r < 0)
			return jb_fail(err, -r, "create directory for '/box/%s'", path);
	}
	return 0;
}

int mnt_place_file(const char *rel, const void *content, size_t len, int executable,
		   struct jb_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", rel);
	int r = make_parents(path, err);
	if (r < 0)
		return r;
	mode_t mode = executable ? 0755 : 0644;
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return jb_fail(err, errno, "create '/box/%s'", rel);
	r = jb_write_all(fd, content, len);
	if (r < 0)
		return jb_fail(err, -r, "write '/box/%s'", rel);
	if (fchmod(fd, mode) < 0)
		return jb_fail(err, errno, "chmod '/box/%s'", rel);
	return 0;
}
