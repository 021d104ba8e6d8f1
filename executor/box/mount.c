#include "mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
/* ...and what programs and runtimes read of /etc: names, or "prefix*".
 * Nothing more (hosts keep proxy credentials in environment and profile);
 * README (What the program sees) lists them all. The dynamic linker's
 * cache and the linker's search path (ld, compiling in the box); the
 * alternatives that /usr/bin/java and friends link through; the time zone
 * (Java reads timezone); the JVM's and Python's configuration (/usr links
 * into them); OpenSSL's configuration and certificates (Node reads
 * openssl.cnf at start); what getpwuid, getaddrinfo, getservbyname and
 * setlocale read; the MIME types Python's and Go's libraries read. */
static const char *const etc_entries[] = {
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives",  "localtime", "timezone",
	"java-*",      "python3*",   "ssl",	     "nsswitch.conf", "host.conf", "gai.conf",
	"protocols",   "services",   "mime.types",   "locale.alias",
};
/* The default view's users and groups: the box user is 1000 (ns.h). */
static const char box_passwd[] = "root:x:0:0:root:/root:/usr/sbin/nologin\n"
				 "box:x:1000:1000:box:/box:/bin/sh\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char box_group[] = "root:x:0:\nbox:x:1000:\nnogroup:x:65534:\n";
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
static int make_readonly_at(int dfd, const char *path, bool recursive, struct jb_err *err)
{
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	unsigned flags =
		AT_NO_AUTOMOUNT | (recursive ? AT_RECURSIVE : 0) | (*path ? 0 : AT_EMPTY_PATH);
	if (syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr)) < 0)
		return jb_fail(err, errno, "make '%s' read-only", *path ? path : "a mount copy");
	return 0;
}

static int make_readonly(const char *path, bool recursive, struct jb_err *err)
{
	return make_readonly_at(AT_FDCWD, path, recursive, err);
}

static int make_dir(const char *path, mode_t mode, struct jb_err *err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return jb_fail(err, errno, "create directory '%s'", path);
	return 0;
}

/* The read-only root being built: paths are relative to dfd, the new root's
 * directory in init, or the template's detached mount in the supervisor. */
struct tree {
	int dfd;
};

static int t_mkdir(const struct tree *t, const char *rel, mode_t mode, struct jb_err *err)
{
	if (mkdirat(t->dfd, rel, mode) < 0 && errno != EEXIST)
		return jb_fail(err, errno, "create directory '/%s'", rel);
	return 0;
}

static int t_write(const struct tree *t, const char *rel, const char *data, size_t len, mode_t mode,
		   struct jb_err *err)
{
	_cleanup_close_ int fd =
		openat(t->dfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return jb_fail(err, errno, "create '/%s'", rel);
	int r = len ? jb_write_all(fd, data, len) : 0;
	return r < 0 ? jb_fail(err, -r, "write '/%s'", rel) : 0;
}

static int t_symlink(const struct tree *t, const char *target, const char *rel, struct jb_err *err)
{
	if (symlinkat(target, t->dfd, rel) < 0)
		return jb_fail(err, errno, "create link '/%s'", rel);
	return 0;
}

/* Bind host path src at rel: a copy of its mount (and of those under it
 * when recursive), attached with the new mount API so that the same code
 * builds into a detached template. */
static int t_bind(const struct tree *t, const char *src, const char *rel, bool recursive,
		  bool readonly, struct jb_err *err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	_cleanup_close_ int fd = (int) syscall(SYS_open_tree, AT_FDCWD, src, flags);
	if (fd < 0)
		return jb_fail(err, errno, "copy the mount of '%s'", src);
	/* Sealed before it is attached: inside a detached tree only the root
	 * of one could be changed. */
	int r = readonly ? make_readonly_at(fd, "", recursive, err) : 0;
	if (r >= 0 && syscall(SYS_move_mount, fd, "", t->dfd, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = jb_fail(err, errno, "mount '%s' on '/%s'", src, rel);
	return r;
}

/* Mirror host entry src at rel: a symlink is copied, a directory or file is
 * bind-mounted read-only (recursively), anything else is skipped. */
static int mirror(const struct tree *t, const char *src, const char *rel, struct jb_err *err)
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
		return t_symlink(t, target, rel, err);
	}
	int r;
	if (S_ISDIR(st.st_mode))
		r = t_mkdir(t, rel, 0755, err);
	else if (S_ISREG(st.st_mode))
		r = t_write(t, rel, NULL, 0, 0644, err);
	else
		return 0;
	return r < 0 ? r : t_bind(t, src, rel, true, true, err);
}

/* A "prefix*" pattern of etc_entries matching name. */
static bool wildcard_match(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(etc_entries); i++) {
		size_t len = strlen(etc_entries[i]);
		if (etc_entries[i][len - 1] == '*' && !strncmp(name, etc_entries[i], len - 1))
			return true;
	}
	return false;
}

/* The default view's /etc, read once per process (mnt_prepare): small
 * regular files are copied into the root tmpfs, which costs less than a bind
 * mount each; directories and bigger files are bound read-only; links are
 * copied. A copy touches its pages three times (read by the supervisor, handed
 * over in the report, written by init): ld.so.cache, services and
 * mime.types (130 KB) were 65 of the 82 page faults of a single run's /etc
 * step, 0.11 ms of the supervisor's time against a bind mount each. */
#define ETC_COPY_MAX (8 * 1024)
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
static bool etc_imported; /* the entries' data is mnt_plan_import's buffer */

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

/* Add /etc/name to the plan; what is missing or odd is left out. */
static void plan_add(const char *name)
{
	struct etc_entry *p = realloc(etc_plan, (n_etc_plan + 1) * sizeof(*p));
	if (!p)
		return; /* the box goes without it */
	etc_plan = p;
	struct etc_entry *e = &etc_plan[n_etc_plan];
	*e = (struct etc_entry){0};
	if (plan_entry(name, e) == 0)
		n_etc_plan++;
	else
		free(e->data);
}

/* Literal names are looked up one by one; only the "prefix*" patterns need
 * the listing. Matching every entry of /etc against every pattern with
 * fnmatch took 0.2 ms of a single job. */
int mnt_prepare(struct jb_err *err)
{
	if (etc_ready)
		return 0;
	bool wild = false;
	for (size_t i = 0; i < ARRAY_SIZE(etc_entries); i++) {
		if (strchr(etc_entries[i], '*'))
			wild = true;
		else
			plan_add(etc_entries[i]);
	}
	DIR *d = wild ? opendir("/etc") : NULL;
	if (wild && !d)
		return jb_fail(err, errno, "open '/etc'");
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] != '.' && wildcard_match(de->d_name))
			plan_add(de->d_name);
	if (d)
		closedir(d);
	etc_ready = true;
	return 0;
}

bool mnt_prepared(void)
{
	return etc_ready;
}

/* One entry of the exported plan; name and data follow, NUL-terminated. */
struct plan_rec {
	uint32_t kind, name_len, data_len;
};

static size_t rec_size(const struct etc_entry *e)
{
	size_t n = sizeof(struct plan_rec) + strlen(e->name) + 1 + (e->data ? e->len + 1 : 0);
	return (n + 7) & ~(size_t) 7;
}

size_t mnt_plan_export(void *buf, size_t n)
{
	size_t off = sizeof(uint32_t);
	if (!etc_ready || n < off)
		return 0;
	for (size_t i = 0; i < n_etc_plan; i++)
		if ((off += rec_size(&etc_plan[i])) > n)
			return 0; /* too big to hand over: init reads /etc itself */
	*(uint32_t *) buf = (uint32_t) n_etc_plan;
	char *p = (char *) buf + sizeof(uint32_t);
	for (size_t i = 0; i < n_etc_plan; i++) {
		const struct etc_entry *e = &etc_plan[i];
		struct plan_rec r = {(uint32_t) e->kind, (uint32_t) strlen(e->name),
				     e->data ? (uint32_t) e->len : UINT32_MAX};
		memcpy(p, &r, sizeof(r));
		memcpy(p + sizeof(r), e->name, r.name_len + 1);
		if (e->data)
			memcpy(p + sizeof(r) + r.name_len + 1, e->data, e->len + 1);
		p += rec_size(e);
	}
	return off;
}

int mnt_plan_import(const void *buf, size_t n)
{
	if (etc_ready || n < sizeof(uint32_t))
		return -EINVAL;
	uint32_t count = *(const uint32_t *) buf;
	struct etc_entry *plan = count ? calloc(count, sizeof(*plan)) : NULL;
	if (count && !plan)
		return -ENOMEM;
	const char *p = (const char *) buf + sizeof(uint32_t), *end = (const char *) buf + n;
	for (uint32_t i = 0; i < count; i++) {
		struct plan_rec r;
		if ((size_t) (end - p) < sizeof(r)) {
			free(plan);
			return -EINVAL;
		}
		memcpy(&r, p, sizeof(r));
		struct etc_entry *e = &plan[i];
		size_t need = sizeof(r) + r.name_len + 1 +
			      (r.data_len != UINT32_MAX ? r.data_len + 1 : 0);
		if (r.name_len > NAME_MAX || need > (size_t) (end - p)) {
			free(plan);
			return -EINVAL;
		}
		e->kind = (enum etc_kind) r.kind;
		memcpy(e->name, p + sizeof(r), r.name_len + 1);
		e->data = r.data_len != UINT32_MAX ? (char *) p + sizeof(r) + r.name_len + 1 : NULL;
		e->len = r.data_len != UINT32_MAX ? r.data_len : 0;
		p += (need + 7) & ~(size_t) 7;
	}
	etc_plan = plan;
	n_etc_plan = count;
	etc_ready = etc_imported = true;
	return 0;
}

void mnt_prepare_free(void)
{
	for (size_t i = 0; i < n_etc_plan && !etc_imported; i++)
		free(etc_plan[i].data);
	free(etc_plan);
	etc_plan = NULL;
	n_etc_plan = 0;
	etc_ready = etc_imported = false;
}

static int place_etc_entry(const struct tree *t, const struct etc_entry *e, struct jb_err *err)
{
	char src[PATH_MAX], rel[PATH_MAX];
	snprintf(src, sizeof(src), "/etc/%s", e->name);
	snprintf(rel, sizeof(rel), "etc/%s", e->name);
	switch (e->kind) {
	case ETC_COPY:
		return t_write(t, rel, e->data, e->len, 0644, err);
	case ETC_LINK:
		return t_symlink(t, e->data, rel, err);
	default:
		return mirror(t, src, rel, err);
	}
}

static int write_text(const struct tree *t, const char *rel, const char *text, struct jb_err *err)
{
	return t_write(t, rel, text, strlen(text), 0644, err);
}

static int build_etc(const struct tree *t, struct jb_err *err)
{
	int r = t_mkdir(t, "etc", 0755, err);
	if (r >= 0 && !etc_ready)
		r = mnt_prepare(err); /* not prepared by the caller: do it in this process */
	for (size_t i = 0; r >= 0 && i < n_etc_plan; i++)
		r = place_etc_entry(t, &etc_plan[i], err);
	if (r >= 0)
		r = write_text(t, "etc/passwd", box_passwd, err);
	if (r >= 0)
		r = write_text(t, "etc/group", box_group, err);
	if (r >= 0)
		r = write_text(t, "etc/hosts", "127.0.0.1 localhost box\n::1 localhost\n", err);
	if (r >= 0)
		r = write_text(t, "etc/hostname", "box\n", err);
	return r;
}

static int build_default_root(const struct tree *t, struct jb_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(top_dirs); i++) {
		char src[PATH_MAX];
		snprintf(src, sizeof(src), "/%s", top_dirs[i]);
		int r = mirror(t, src, top_dirs[i], err);
		if (r < 0)
			return r;
	}
	return build_etc(t, err);
}

/* An operator's rootfs: every top-level entry except the ones the box
 * provides itself. */
static int build_rootfs_root(const struct tree *t, const char *rootfs, struct jb_err *err)
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
		char src[PATH_MAX];
		snprintf(src, sizeof(src), "%s/%s", rootfs, e->d_name);
		r = mirror(t, src, e->d_name, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* /dev (a directory of the root tmpfs, read-only with it): the host's
 * harmless devices bound (mknod is not possible in a user ns), the fd links
 * and the /dev/shm mount point. */
static int build_dev(const struct tree *t, struct jb_err *err)
{
	int r = t_mkdir(t, "dev", 0755, err);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(devices); i++) {
		char src[64], rel[64];
		snprintf(src, sizeof(src), "/dev/%s", devices[i]);
		snprintf(rel, sizeof(rel), "dev/%s", devices[i]);
		r = t_write(t, rel, NULL, 0, 0666, err);
		if (r >= 0)
			r = t_bind(t, src, rel, false, false, err);
	}
	static const char *const links[][2] = {{"/proc/self/fd", "dev/fd"},
					       {"/proc/self/fd/0", "dev/stdin"},
					       {"/proc/self/fd/1", "dev/stdout"},
					       {"/proc/self/fd/2", "dev/stderr"}};
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(links); i++)
		r = t_symlink(t, links[i][0], links[i][1], err);
	return r >= 0 ? t_mkdir(t, "dev/shm", 01777, err) : r;
}

/* The mount points of the cgroup views under /sys/fs/cgroup. */
static int view_points(const struct tree *t, const struct mnt_config *cfg, struct jb_err *err)
{
	int r = 0;
	if (cfg->n_cg > 0) {
		const char *dirs[] = {"sys", "sys/fs", "sys/fs/cgroup"};
		for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(dirs); i++)
			r = t_mkdir(t, dirs[i], 0755, err);
	}
	for (size_t i = 0; r >= 0 && i < cfg->n_cg; i++) {
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s", cfg->cg[i].name);
		r = cfg->cg[i].name[0] ? t_mkdir(t, rel, 0755, err) : 0;
	}
	return r;
}

/* Everything of the root that is the same for every job of this process:
 * /dev, the mount points of /proc, /box, /tmp and of the cgroup views. */
static int build_skeleton(const struct tree *t, const struct mnt_config *cfg, struct jb_err *err)
{
	static const char *const points[] = {"proc", "box", "tmp"};
	int r = build_dev(t, err);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(points); i++)
		r = t_mkdir(t, points[i], 0755, err);
	return r >= 0 ? view_points(t, cfg, err) : r;
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

/* What is the job's own: /proc, the data tmpfs, the cgroup views. */
static int mount_job_parts(const struct mnt_config *cfg, struct jb_err *err)
{
	int r = mount_at("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			 err);
	if (r >= 0)
		r = mount_at(DATA "/box", NEWROOT "/box", NULL, MS_BIND, NULL, err);
	if (r >= 0)
		r = mount_at(DATA "/tmp", NEWROOT "/tmp", NULL, MS_BIND, NULL, err);
	if (r >= 0)
		r = mount_at(DATA "/shm", NEWROOT "/dev/shm", NULL, MS_BIND, NULL, err);
	if (r >= 0 && cfg->cg_points) { /* the root tmpfs is writable still */
		struct tree t = {open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC)};
		r = t.dfd < 0 ? jb_fail(err, errno, "open the new root")
			      : view_points(&t, cfg, err);
		if (t.dfd >= 0)
			close(t.dfd);
	}
	for (size_t i = 0; r >= 0 && i < cfg->n_cg; i++) {
		char dst[PATH_MAX];
		snprintf(dst, sizeof(dst), NEWROOT "/sys/fs/cgroup%s%s",
			 cfg->cg[i].name[0] ? "/" : "", cfg->cg[i].name);
		r = mount_at(cfg->cg[i].path, dst, NULL, MS_BIND, NULL, err);
		if (r >= 0)
			r = make_readonly(dst, false, err);
	}
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

/* The per-job way: a root tmpfs filled by this process. */
static int build_root_here(const struct mnt_config *cfg, const char *rootfs, struct jb_err *err)
{
	int r = mount_at("judgebox-root", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
			 "size=2m,mode=0755", err);
	if (r < 0)
		return r;
	struct tree t = {open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC)};
	if (t.dfd < 0)
		return jb_fail(err, errno, "open the new root");
	r = rootfs ? build_rootfs_root(&t, rootfs, err) : build_default_root(&t, err);
	if (r >= 0)
		r = build_skeleton(&t, cfg, err);
	close(t.dfd);
	return r;
}

/* A copy of the template, made by this mount namespace's owner: one call
 * instead of the thirty-odd that build it. */
static int attach_template(int tmpl, struct jb_err *err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH;
	_cleanup_close_ int fd = (int) syscall(SYS_open_tree, tmpl, "", flags);
	if (fd < 0)
		return jb_fail(err, errno, "copy the root template");
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, NEWROOT, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return jb_fail(err, errno, "attach the root template");
	return 0;
}

static int tmpfs_config(int fs, const char *key, const char *val)
{
	return (int) syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, val, 0);
}

int mnt_template_build(const struct mnt_config *cfg, int *ret_fd, struct jb_err *err)
{
	_cleanup_close_ int fs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return jb_fail(err, errno, "fsopen tmpfs for the root template");
	if (tmpfs_config(fs, "source", "judgebox-root") < 0 || tmpfs_config(fs, "size", "2m") < 0 ||
	    tmpfs_config(fs, "mode", "0755") < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return jb_fail(err, errno, "create the root template's tmpfs");
	_cleanup_close_ int m = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
					      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (m < 0)
		return jb_fail(err, errno, "mount the root template");
	struct tree t = {m};
	mode_t mask = umask(022); /* the modes init builds with, whatever ours is */
	int r = build_default_root(&t, err);
	if (r >= 0)
		r = build_skeleton(&t, cfg, err);
	umask(mask);
	if (r < 0)
		return r;
	/* Private: nothing mounted later on the host under /usr shows up in a
	 * box. Read-only, also its superblock: the jobs share it. No atime:
	 * the one thing a reader could change. */
	struct mount_attr priv = {.propagation = MS_PRIVATE};
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOATIME,
				.attr_clr = MOUNT_ATTR__ATIME};
	if (syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH | AT_RECURSIVE, &priv, sizeof(priv)) <
		    0 ||
	    syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return jb_fail(err, errno, "seal the root template");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
		return jb_fail(err, errno, "make the root template's tmpfs read-only");
	*ret_fd = TAKE_FD(m);
	return 0;
}

int mnt_stage(const struct mnt_config *cfg, struct jb_err *err)
{
	/* Hold the rootfs before the staging tmpfs can hide it (one under /tmp). */
	_cleanup_close_ int rootfs_fd = -1;
	char rootfs[64];
	if (cfg->rootfs) {
		rootfs_fd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfs_fd < 0)
			return jb_fail(err, errno, "mounts: open rootfs '%s'", cfg->rootfs);
		snprintf(rootfs, sizeof(rootfs), "/proc/self/fd/%d", rootfs_fd);
	}
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
		r = cfg->template_fd >= 0 && !cfg->rootfs
			    ? attach_template(cfg->template_fd, err)
			    : build_root_here(cfg, cfg->rootfs ? rootfs : NULL, err);
	if (r >= 0)
		r = build_data(cfg->box_bytes, err);
	if (r < 0)
		jb_err_prefix(err, "mounts");
	return r;
}

int mnt_enter(const struct mnt_config *cfg, struct jb_err *err)
{
	int r = mount_job_parts(cfg, err);
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
