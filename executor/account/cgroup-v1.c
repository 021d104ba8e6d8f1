/* cgroup v1 backend: one hierarchy per controller (memory, pids, cpuacct,
 * possibly co-mounted as "cpu,cpuacct"), plus freezer when there is one, to
 * stop a job's tasks from forking while they are being killed.
 *
 * v1 has no delegation worth the name: it needs root (writable parents).
 * There is no no-internal-processes rule, but job cgroups still go in
 * "<parent>/judgebox-<pid>" of each hierarchy, like on v2. */
#include "cgroup-backend.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct v1_need {
	const char *controller;
	unsigned role;
	bool optional;
	const char *dirs[3]; /* names under fs_root, when there is no mountinfo */
};

static const struct v1_need v1_needs[] = {
	{"memory", CG_ROLE_MEMORY, false, {"memory"}},
	{"pids", CG_ROLE_PIDS, false, {"pids"}},
	{"cpuacct", CG_ROLE_CPUACCT, false, {"cpuacct", "cpu,cpuacct", "cpuacct,cpu"}},
	{"freezer", CG_ROLE_FREEZER, true, {"freezer"}},
};

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int v1_find(const struct cg_options *opt, const struct v1_need *need, char *mnt, char *mroot,
		   char *name, size_t n)
{
	if (opt->mounts)
		return cg_mount_find(opt, "cgroup", need->controller, mnt, mroot, name, n);
	for (size_t i = 0; i < ARRAY_SIZE(need->dirs) && need->dirs[i]; i++) {
		if (cg_join(mnt, n, opt->fs_root, need->dirs[i]) == 0 && is_dir(mnt)) {
			snprintf(mroot, n, "/");
			snprintf(name, n, "%s", need->dirs[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static int v1_add(const struct cg_options *opt, struct cg_root *root, const struct v1_need *need,
		  char *why, size_t n)
{
	char mnt[PATH_MAX], mroot[PATH_MAX], name[PATH_MAX], parent[PATH_MAX];
	int r = v1_find(opt, need, mnt, mroot, name, sizeof(mnt));
	if (r < 0) {
		snprintf(why, n, "cgroup v1 has no %s hierarchy", need->controller);
		return r;
	}
	r = cg_parent_dir(opt, need->controller, mnt, mroot, parent, sizeof(parent), why, n);
	if (r < 0)
		return r;
	if (access(parent, W_OK) < 0) {
		snprintf(why, n, "cgroup v1 needs root (cannot write '%s')", parent);
		return -EACCES;
	}
	r = cg_root_add_hier(root, name, parent, need->role);
	if (r < 0)
		snprintf(why, n, "out of memory");
	return r;
}

/* cpu and cpuset as views (see cg_view_hier), when separate hierarchies. */
static void v1_add_views(const struct cg_options *opt, struct cg_root *root)
{
	static const struct v1_need views[] = {{"cpu", 0, true, {"cpu"}},
					       {"cpuset", 0, true, {"cpuset"}}};
	for (size_t i = 0; i < ARRAY_SIZE(views) && root->n_view < CG_VIEW_MAX; i++) {
		char mnt[PATH_MAX], mroot[PATH_MAX], name[PATH_MAX], parent[PATH_MAX], why[256];
		if (v1_find(opt, &views[i], mnt, mroot, name, sizeof(mnt)) < 0)
			continue;
		bool accounted = false; /* "cpu,cpuacct" is a job hierarchy already */
		for (size_t k = 0; k < root->n_hier; k++)
			accounted |= strcmp(root->hier[k].name, name) == 0;
		if (accounted ||
		    cg_parent_dir(opt, views[i].controller, mnt, mroot, parent, sizeof(parent), why,
				  sizeof(why)) < 0 ||
		    access(parent, W_OK) < 0)
			continue;
		struct cg_view_hier *v = &root->view[root->n_view];
		v->tasks_fd = -1;
		v->leave_fd = -1;
		v->name = strdup(name);
		v->parent = strdup(parent);
		if (asprintf(&v->base, "%s/judgebox-%d", parent, (int) root->owner) < 0)
			v->base = NULL;
		root->n_view++;
	}
}

int cg_v1_probe(const struct cg_options *opt, struct cg_root *root, char *why, size_t n)
{
	char skip[256];
	bool freezer = false;
	for (size_t i = 0; i < ARRAY_SIZE(v1_needs); i++) {
		const struct v1_need *need = &v1_needs[i];
		int r = v1_add(opt, root, need, need->optional ? skip : why,
			       need->optional ? sizeof(skip) : n);
		if (r == -ENOMEM || (r < 0 && !need->optional))
			return r;
		freezer |= need->role == CG_ROLE_FREEZER && r == 0;
	}
	root->backend = CG_BACKEND_V1;
	root->ops = &cg_v1_ops;
	v1_add_views(opt, root);
	snprintf(why, n, "cgroup v1 has memory, pids and cpuacct hierarchies%s",
		 freezer ? " (and freezer)" : "");
	return 0;
}

/* The job directory serving role, or NULL (not made yet, or no freezer). */
static const char *v1_path(const struct cg *cg, unsigned role)
{
	for (size_t i = 0; i < cg->n_path; i++) {
		if (cg->root->hier[i].roles & role)
			return cg->path[i];
	}
	return NULL;
}

/* usage_user and usage_sys came in Linux 4.7; without them only the sum. */
static int v1_open_cpu(struct cg *cg, struct jb_err *err)
{
	static const char *const files[CG_CPU_FDS] = {"cpuacct.usage", "cpuacct.usage_user",
						      "cpuacct.usage_sys"};
	const char *dir = v1_path(cg, CG_ROLE_CPUACCT);
	for (size_t i = 0; i < CG_CPU_FDS; i++) {
		int fd = cg_file_open_ro(cg->root, dir, files[i], NULL);
		if (fd == -ENOENT && i > 0)
			continue;
		if (fd < 0)
			return jb_fail(err, -fd, "open '%s/%s'", dir, files[i]);
		cg->cpu_fd[i] = fd;
	}
	return 0;
}

static int v1_read_ns_as_us(int fd, uint64_t *ret)
{
	char buf[64];
	uint64_t ns = 0;
	if (fd < 0) {
		*ret = 0;
		return 0;
	}
	ssize_t k = cg_pread_all(fd, buf, sizeof(buf));
	if (k < 0)
		return (int) k;
	int r = cg_parse_u64(buf, &ns);
	*ret = ns / 1000;
	return r;
}

static int v1_read_cpu(const int fds[CG_CPU_FDS], struct cg_cpu *ret)
{
	int r = v1_read_ns_as_us(fds[0], &ret->usage_us);
	if (r == 0)
		r = v1_read_ns_as_us(fds[1], &ret->user_us);
	if (r == 0)
		r = v1_read_ns_as_us(fds[2], &ret->system_us);
	return r;
}

/* memsw (memory+swap) equal to the memory limit: no swap. It must never be
 * below limit_in_bytes, so on a fresh (unlimited) cgroup limit goes first. */
static int v1_set_limits(struct cg *cg, uint64_t memory_bytes, uint32_t pids_max,
			 struct jb_err *err)
{
	const char *mem = v1_path(cg, CG_ROLE_MEMORY);
	const char *pids = v1_path(cg, CG_ROLE_PIDS);
	int r = 0;
	if (memory_bytes > 0) {
		/* memsw must never be below the memory limit: in a reused cgroup
		 * raising it comes first, lowering it last. */
		uint64_t memsw = 0;
		bool has_memsw = cg_u64(cg, mem, "memory.memsw.limit_in_bytes", &memsw, NULL) >= 0;
		if (has_memsw && memsw < memory_bytes)
			r = cg_file_write_u64(mem, "memory.memsw.limit_in_bytes", memory_bytes,
					      false, err);
		if (r >= 0)
			r = cg_file_write_u64(mem, "memory.limit_in_bytes", memory_bytes, false,
					      err);
		if (r >= 0 && has_memsw && memsw > memory_bytes)
			r = cg_file_write_u64(mem, "memory.memsw.limit_in_bytes", memory_bytes,
					      false, err);
	}
	if (r >= 0 && pids_max > 0)
		r = cg_file_write_u64(pids, "pids.max", pids_max, false, err);
	return r < 0 ? r : 0;
}

/* "oom_kill N" in memory.oom_control came in Linux 4.13. Before, the best
 * we have: the limit was hit and the cgroup is under OOM right now. */
static int v1_read_oom(struct cg *cg, const char *mem, uint64_t *ret, struct jb_err *err)
{
	char buf[512];
	uint64_t failcnt = 0, under = 0;
	ssize_t k = cg_read(cg, mem, "memory.oom_control", buf, sizeof(buf));
	if (k < 0)
		return jb_fail(err, (int) -k, "read '%s/memory.oom_control'", mem);
	if (cg_keyed_u64(buf, "oom_kill", ret) == 0)
		return 0;
	(void) cg_keyed_u64(buf, "under_oom", &under); /* absent: not under OOM */
	int r = cg_u64(cg, mem, "memory.failcnt", &failcnt, err);
	if (r < 0)
		return r;
	*ret = failcnt > 0 && under > 0;
	return 0;
}

static int v1_read_stats(struct cg *cg, struct cg_stats *ret, struct jb_err *err)
{
	const char *mem = v1_path(cg, CG_ROLE_MEMORY);
	const char *pids = v1_path(cg, CG_ROLE_PIDS);
	int r = v1_read_cpu(cg->cpu_fd, &ret->cpu);
	if (r < 0)
		return jb_fail(err, -r, "read the cpuacct usage of '%s'",
			       v1_path(cg, CG_ROLE_CPUACCT));
	r = cg_u64(cg, mem, "memory.max_usage_in_bytes", &ret->memory_peak_bytes, err);
	if (r < 0)
		return r;
	ret->memory_peak_exact = true;
	r = v1_read_oom(cg, mem, &ret->oom_kills, err);
	if (r < 0)
		return r;
	r = cg_key_u64(cg, pids, "pids.events", "max", &ret->pids_max_hits, NULL);
	if (r < 0 && r != -ENOENT)
		return jb_fail(err, -r, "read '%s/pids.events'", pids);
	return 0;
}

/* Wait (up to about 100 ms) for FREEZING to become FROZEN; a task stuck in
 * the kernel can delay it, and the kill loop copes with that anyway. */
static void v1_wait_frozen(const char *dir)
{
	char buf[64];
	for (int i = 0; i < 100; i++) {
		if (cg_file_read(dir, "freezer.state", buf, sizeof(buf)) < 0 ||
		    strncmp(buf, "FROZEN", 6) == 0)
			return;
		cg_sleep_ms(1);
	}
}

/* The most a reused cgroup may still have charged when the next job starts. */
#define V1_REUSE_MAX_CHARGE (1u << 20)

/* memory.max_usage_in_bytes and cpuacct.usage take a write of 0 (peak back
 * to the current usage, CPU to zero); oom_kill and pids.events cannot be
 * reset and become cg_read_stats' baseline instead. */
static int v1_reset(struct cg *cg, struct jb_err *err)
{
	const char *mem = v1_path(cg, CG_ROLE_MEMORY);
	const char *cpu = v1_path(cg, CG_ROLE_CPUACCT);
	/* Page cache the last job brought in stays charged here after it ended:
	 * reclaim it, and refuse the cgroup if much is left, or the next job
	 * would start with its memory partly used. Reclaim only when needed:
	 * force_empty on a nearly empty cgroup still runs several reclaim
	 * passes (about half the supervisor's time per trivial job), and what
	 * a small charge usually is, the per-CPU charge stock, the next job
	 * uses first anyway. */
	uint64_t used = 0;
	int r = cg_u64(cg, mem, "memory.usage_in_bytes", &used, err);
	if (r >= 0 && used > V1_REUSE_MAX_CHARGE) {
		(void) cg_file_write(mem, "memory.force_empty", "0", true, NULL);
		r = cg_u64(cg, mem, "memory.usage_in_bytes", &used, err);
	}
	if (r >= 0 && used > V1_REUSE_MAX_CHARGE)
		r = jb_fail(err, EBUSY, "reuse '%s': %llu bytes still charged", mem,
			    (unsigned long long) used);
	if (r >= 0)
		r = cg_write(cg, mem, "memory.max_usage_in_bytes", "0", false, err);
	if (r >= 0)
		r = cg_write(cg, cpu, "cpuacct.usage", "0", false, err);
	if (r >= 0)
		(void) cg_write(cg, mem, "memory.failcnt", "0", true, NULL); /* a nicety */
	struct cg_stats st = {0};
	if (r >= 0)
		r = v1_read_stats(cg, &st, err);
	if (r < 0)
		return r;
	cg->base_oom_kills = st.oom_kills;
	cg->base_pids_max_hits = st.pids_max_hits;
	return 0;
}

/* Frozen tasks cannot fork, so one pass of SIGKILL catches them all; the
 * signals act when the tasks thaw. The loop after it mops up. */
static int v1_kill_all(struct cg *cg, struct jb_err *err)
{
	const char *fz = v1_path(cg, CG_ROLE_FREEZER);
	char one[2];
	/* Usually the pid namespace took every task with it already: an empty
	 * cgroup needs no freezing (four writes and a wait). */
	if (fz && cg_file_read(fz, "cgroup.procs", one, sizeof(one)) == 0) /* not kept: cg_reuse */
		return 0;
	if (fz && cg_file_write(fz, "freezer.state", "FROZEN", false, NULL) == 0) {
		v1_wait_frozen(fz);
		(void) cg_kill_listed(fz, NULL); /* the loop below reports failures */
		int r = cg_file_write(fz, "freezer.state", "THAWED", false, err);
		if (r < 0)
			return r;
	}
	return cg_kill_loop(cg, err);
}

const struct cg_backend_ops cg_v1_ops = {
	.prepare_base = NULL,
	.open_cpu = v1_open_cpu,
	.read_cpu = v1_read_cpu,
	.set_limits = v1_set_limits,
	.read_stats = v1_read_stats,
	.kill_all = v1_kill_all,
	.reset = v1_reset,
};
