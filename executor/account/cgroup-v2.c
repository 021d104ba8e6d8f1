/* cgroup v2 backend: one unified hierarchy, root-owned or delegated.
 *
 * The no-internal-processes rule: a non-root cgroup that holds processes
 * cannot enable controllers for its children. judgebox moves nobody (not even
 * itself): job cgroups go in "<parent>/judgebox-<pid>", a cgroup that never
 * holds a process, so enabling memory, pids and cpu in its subtree_control is
 * always allowed. That needs the parent to give those controllers to its
 * children (its own cgroup.subtree_control); if it does not, we enable them
 * there, which the kernel allows only when the parent holds no process (or
 * is the root). When judgebox itself sits in that parent (a systemd unit with
 * Delegate=yes), the operator points --cgroup-parent at an empty cgroup of
 * the delegated subtree instead. Moving judgebox into a leaf of its own
 * would lift that, but changes a cgroup the operator did not give us. */
#include "cgroup-backend.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define V2_ENABLE "+memory +pids +cpu"

static const char *const v2_controllers[] = {"memory", "pids", "cpu"};

static bool has_file(const char *dir, const char *file)
{
	char path[PATH_MAX];
	return cg_join(path, sizeof(path), dir, file) == 0 && access(path, F_OK) == 0;
}

/* The unified mount: from mountinfo when given, else fs_root itself (a pure
 * v2 host) or fs_root/unified (systemd's hybrid layout). */
static int v2_mount(const struct cg_options *opt, char *mnt, char *mroot, size_t n, char *why,
		    size_t why_n)
{
	char ctrls[256], unified[PATH_MAX];
	if (opt->mounts) {
		if (cg_mount_find(opt, "cgroup2", NULL, mnt, mroot, ctrls, n) == 0)
			return 0;
		snprintf(why, why_n, "no cgroup v2 mount under '%s'", opt->fs_root);
		return -ENOENT;
	}
	snprintf(mroot, n, "/");
	if (has_file(opt->fs_root, "cgroup.controllers")) {
		snprintf(mnt, n, "%s", opt->fs_root);
		return 0;
	}
	if (cg_join(unified, sizeof(unified), opt->fs_root, "unified") == 0 &&
	    has_file(unified, "cgroup.controllers")) {
		snprintf(mnt, n, "%s", unified);
		return 0;
	}
	snprintf(why, why_n, "no cgroup v2 at '%s'", opt->fs_root);
	return -ENOENT;
}

/* Which of memory, pids, cpu the list lacks (NULL: none). */
static const char *v2_missing(const char *list)
{
	for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++) {
		if (!cg_list_has(list, v2_controllers[i]))
			return v2_controllers[i];
	}
	return NULL;
}

static int v2_check_controllers(const char *parent, char *why, size_t n)
{
	char buf[1024];
	ssize_t k = cg_file_read(parent, "cgroup.controllers", buf, sizeof(buf));
	if (k < 0) {
		snprintf(why, n, "cannot read '%s/cgroup.controllers'", parent);
		return (int) k;
	}
	const char *missing = v2_missing(buf);
	if (missing) {
		snprintf(why, n, "cgroup v2 at '%s' has no %s controller", parent, missing);
		return -ENOTSUP;
	}
	return 0;
}

/* Without root, the parent is usable only when delegated to us (what
 * systemd's Delegate=yes gives): we may create children in it, move
 * processes and enable controllers. */
static int v2_check_delegated(const char *parent, char *why, size_t n)
{
	char procs[PATH_MAX], subtree[PATH_MAX];
	if (geteuid() == 0)
		return 0;
	if (cg_join(procs, sizeof(procs), parent, "cgroup.procs") < 0 ||
	    cg_join(subtree, sizeof(subtree), parent, "cgroup.subtree_control") < 0)
		return -ENAMETOOLONG;
	if (access(parent, W_OK) == 0 && access(procs, W_OK) == 0 && access(subtree, W_OK) == 0)
		return 0;
	snprintf(why, n, "cgroup v2 at '%s' is not delegated to uid %u", parent,
		 (unsigned) geteuid());
	return -EACCES;
}

static bool v2_holds_processes(const char *dir)
{
	char buf[64];
	return cg_file_read(dir, "cgroup.procs", buf, sizeof(buf)) > 0;
}

static int v2_enable_in_parent(const char *parent, char *why, size_t n)
{
	char buf[1024];
	ssize_t k = cg_file_read(parent, "cgroup.subtree_control", buf, sizeof(buf));
	if (k < 0) {
		snprintf(why, n, "cannot read '%s/cgroup.subtree_control'", parent);
		return (int) k;
	}
	if (!v2_missing(buf))
		return 0;
	/* Only the root cgroup lacks cgroup.type; it is exempt from the rule. */
	int r = -EBUSY;
	if (!v2_holds_processes(parent) || !has_file(parent, "cgroup.type"))
		r = cg_file_write(parent, "cgroup.subtree_control", V2_ENABLE, false, NULL);
	if (r == -EBUSY)
		snprintf(why, n,
			 "cgroup v2 at '%s' holds processes and does not give memory, pids, cpu "
			 "to its children (no internal processes rule); use --cgroup-parent",
			 parent);
	else if (r < 0)
		snprintf(why, n, "cannot enable memory, pids, cpu in '%s/cgroup.subtree_control'",
			 parent);
	return r;
}

int cg_v2_probe(const struct cg_options *opt, struct cg_root *root, char *why, size_t n)
{
	char mnt[PATH_MAX], mroot[PATH_MAX], parent[PATH_MAX];
	int r = v2_mount(opt, mnt, mroot, sizeof(mnt), why, n);
	if (r < 0)
		return r;
	r = cg_parent_dir(opt, "", mnt, mroot, parent, sizeof(parent), why, n);
	if (r < 0)
		return r;
	r = v2_check_controllers(parent, why, n);
	if (r < 0)
		return r;
	r = v2_check_delegated(parent, why, n);
	if (r < 0)
		return r;
	r = v2_enable_in_parent(parent, why, n);
	if (r < 0)
		return r;
	r = cg_root_add_hier(root, "", parent, CG_ROLE_MEMORY | CG_ROLE_PIDS | CG_ROLE_CPUACCT);
	if (r < 0) {
		snprintf(why, n, "out of memory");
		return r;
	}
	bool delegated = geteuid() != 0;
	root->backend = delegated ? CG_BACKEND_V2_DELEGATED : CG_BACKEND_V2;
	root->ops = &cg_v2_ops;
	snprintf(why, n, "cgroup v2 at '%s' has memory, pids and cpu%s", parent,
		 delegated ? " delegated to us" : "");
	return 0;
}

/* The base holds no process, so this is always allowed. */
static int v2_prepare_base(struct cg_root *root, struct jb_err *err)
{
	const char *base = root->hier[0].base;
	if (root->fake_tree) {
		int fd = cg_file_open_ro(root, base, "cgroup.subtree_control", err);
		if (fd < 0)
			return fd;
		closep(&fd);
	}
	return cg_file_write(base, "cgroup.subtree_control", V2_ENABLE, false, err);
}

static int v2_open_cpu(struct cg *cg, struct jb_err *err)
{
	int fd = cg_file_open_ro(cg->root, cg->path[0], "cpu.stat", err);
	if (fd < 0)
		return fd;
	cg->cpu_fd[0] = fd;
	return 0;
}

static int v2_read_cpu(const int fds[CG_CPU_FDS], struct cg_cpu *ret)
{
	char buf[1024];
	ssize_t k = cg_pread_all(fds[0], buf, sizeof(buf));
	if (k < 0)
		return (int) k;
	int r = cg_keyed_u64(buf, "usage_usec", &ret->usage_us);
	if (r == 0)
		r = cg_keyed_u64(buf, "user_usec", &ret->user_us);
	if (r == 0)
		r = cg_keyed_u64(buf, "system_usec", &ret->system_us);
	return r;
}

/* memory.oom.group: an OOM kills the whole job, not one task of it, so no
 * half-dead process tree runs on. swap.max 0: no swap, as in the contract. */
static int v2_set_limits(struct cg *cg, uint64_t memory_bytes, uint32_t pids_max,
			 struct jb_err *err)
{
	const char *dir = cg->path[0];
	int r = 0;
	if (memory_bytes > 0)
		r = cg_file_write_u64(dir, "memory.max", memory_bytes, false, err);
	if (r >= 0)
		r = cg_file_write(dir, "memory.swap.max", "0", true, err);
	if (r >= 0)
		r = cg_file_write(dir, "memory.oom.group", "1", true, err);
	if (r >= 0 && pids_max > 0)
		r = cg_file_write_u64(dir, "pids.max", pids_max, false, err);
	return r < 0 ? r : 0;
}

/* memory.peak exists since Linux 5.19; before, memory.current is all there
 * is, read at the end: a lower bound. */
static int v2_read_peak(struct cg *cg, const char *dir, struct cg_stats *ret, struct jb_err *err)
{
	int r = cg_u64(cg, dir, "memory.peak", &ret->memory_peak_bytes, NULL);
	ret->memory_peak_exact = r == 0;
	if (r == -ENOENT)
		r = cg_u64(cg, dir, "memory.current", &ret->memory_peak_bytes, err);
	else if (r < 0)
		r = jb_fail(err, -r, "read '%s/memory.peak'", dir);
	return r;
}

static int v2_read_stats(struct cg *cg, struct cg_stats *ret, struct jb_err *err)
{
	const char *dir = cg->path[0];
	int r = v2_read_cpu(cg->cpu_fd, &ret->cpu);
	if (r < 0)
		return jb_fail(err, -r, "read '%s/cpu.stat'", dir);
	r = v2_read_peak(cg, dir, ret, err);
	if (r < 0)
		return r;
	/* memory.events counts the subtree (memory.events.local would not). */
	r = cg_key_u64(cg, dir, "memory.events", "oom_kill", &ret->oom_kills, NULL);
	if (r < 0 && r != -ENOENT)
		return jb_fail(err, -r, "read '%s/memory.events'", dir);
	r = cg_key_u64(cg, dir, "pids.events", "max", &ret->pids_max_hits, NULL);
	if (r < 0 && r != -ENOENT)
		return jb_fail(err, -r, "read '%s/pids.events'", dir);
	return 0;
}

/* cgroup.kill (Linux 5.14) kills the whole cgroup at once, racing no fork. */
static int v2_kill_all(struct cg *cg, struct jb_err *err)
{
	int r = cg_file_write(cg->path[0], "cgroup.kill", "1", true, err);
	if (r <= 0)
		return r;
	return cg_kill_loop(cg, err);
}

const struct cg_backend_ops cg_v2_ops = {
	.prepare_base = v2_prepare_base,
	.open_cpu = v2_open_cpu,
	.read_cpu = v2_read_cpu,
	.set_limits = v2_set_limits,
	.read_stats = v2_read_stats,
	.kill_all = v2_kill_all,
};
