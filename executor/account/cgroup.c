/* The cgroup interface: choose a backend, place job cgroups, and the common
 * mechanics (mkdir, attach, kill loop, rmdir) shared by cgroup-v1.c and
 * cgroup-v2.c.
 *
 * Placement: job cgroups never go straight under the parent cgroup (the one
 * judgebox runs in, or --cgroup-parent) but into a per-process directory
 * "<parent>/judgebox-<pid>" made on the first cg_create and removed by
 * cg_root_free, so concurrent judgebox processes never collide and a look at
 * the parent after a run shows nothing of ours. */
#include "cgroup-backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "util.h"

enum cg_force { CG_FORCE_AUTO, CG_FORCE_V2, CG_FORCE_V1, CG_FORCE_NONE };

/* rmdir of a cgroup whose last task is still exiting fails with EBUSY for a
 * moment (a task freeing a large address space takes milliseconds, much
 * longer on a loaded host): tried again for up to this long, its tasks
 * killed again now and then. A run must not end with its cgroup left. */
#define CG_RMDIR_WAIT_US (10ULL * 1000 * 1000)

const char *cg_backend_name(enum cg_backend b)
{
	switch (b) {
	case CG_BACKEND_V2:
		return "cgroup v2";
	case CG_BACKEND_V2_DELEGATED:
		return "cgroup v2 (delegated)";
	case CG_BACKEND_V1:
		return "cgroup v1";
	case CG_BACKEND_NONE:
		break;
	}
	return "none (rlimits)";
}

enum cg_backend cg_root_backend(const struct cg_root *root)
{
	return root ? root->backend : CG_BACKEND_NONE;
}

static int parse_force(const char *s, enum cg_force *ret, struct jb_err *err)
{
	static const struct {
		const char *name;
		enum cg_force force;
	} table[] = {
		{"auto", CG_FORCE_AUTO},
		{"v2", CG_FORCE_V2},
		{"v1", CG_FORCE_V1},
		{"none", CG_FORCE_NONE},
	};
	if (!s || !*s) {
		*ret = CG_FORCE_AUTO;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (strcmp(s, table[i].name) == 0) {
			*ret = table[i].force;
			return 0;
		}
	}
	return jb_invalid(err, "cgroup backend '%s' is not one of auto, v2, v1, none", s);
}

static void root_clear_hiers(struct cg_root *root)
{
	for (size_t i = 0; i < root->n_hier; i++) {
		free(root->hier[i].name);
		free(root->hier[i].parent);
		free(root->hier[i].base);
		closep(&root->hier[i].leave_fd);
		root->hier[i] = (struct cg_hier){0};
	}
	root->n_hier = 0;
}

int cg_root_add_hier(struct cg_root *root, const char *name, const char *parent, unsigned roles)
{
	for (size_t i = 0; i < root->n_hier; i++) {
		if (strcmp(root->hier[i].parent, parent) == 0) {
			root->hier[i].roles |= roles; /* co-mounted controllers */
			return 0;
		}
	}
	if (root->n_hier == CG_HIER_MAX)
		return -E2BIG;
	struct cg_hier *h = &root->hier[root->n_hier];
	h->leave_fd = -1;
	h->name = strdup(name);
	h->parent = strdup(parent);
	if (asprintf(&h->base, "%s/judgebox-%d", parent, (int) root->owner) < 0)
		h->base = NULL;
	root->n_hier++; /* counted even when half-filled, so it is freed */
	h->roles = roles;
	return h->name && h->parent && h->base ? 0 : -ENOMEM;
}

/* cg_root_open reads mountinfo and /proc/self/cgroup once: each probe step
 * asks them again (seven times each on v1, a third of a single run's
 * cgroup set-up), so the probes read these snapshots instead. */
static __thread struct snapshot {
	const char *path;
	char *text;
	size_t len;
} snaps[2];

static void snap_take(struct snapshot *s, const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 0;
	ssize_t k = 0;
	s->path = path;
	s->len = 0;
	while (fd >= 0 && k >= 0) {
		if (s->len + 4096 > cap) {
			char *t = realloc(s->text, cap = 2 * cap + 8192);
			if (!t)
				break;
			s->text = t;
		}
		k = read(fd, s->text + s->len, cap - s->len);
		if (k <= 0)
			break;
		s->len += (size_t) k;
	}
	if (fd < 0 || k < 0 || !s->text) { /* read it the usual way, and fail there */
		free(s->text);
		*s = (struct snapshot){0};
	}
}

static void snaps_drop(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(snaps); i++) {
		free(snaps[i].text);
		snaps[i] = (struct snapshot){0};
	}
}

/* Call fn on each line of path (its snapshot when there is one), each
 * NUL-terminated in a private copy fn may cut up, until fn returns true.
 * Returns 1 when fn did, 0 at the end, -errno when path cannot be read.
 * In memory, not through stdio: the probes' many passes over mountinfo
 * were 0.15 ms of a single run with musl's getline and strtok. */
static int each_line(const char *path, bool (*fn)(char *line, void *arg), void *arg)
{
	struct snapshot own = {0};
	const struct snapshot *s = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(snaps) && !s; i++)
		if (snaps[i].path && strcmp(snaps[i].path, path) == 0)
			s = &snaps[i];
	if (!s) {
		snap_take(&own, path);
		if (!own.path)
			return errno ? -errno : -EIO;
		s = &own;
	}
	_cleanup_free_ char *copy = malloc(s->len + 1);
	int r = copy ? 0 : -ENOMEM;
	if (copy) {
		memcpy(copy, s->text, s->len);
		copy[s->len] = '\0';
	}
	char *end = copy ? copy + s->len : NULL;
	for (char *p = copy, *nl; p && p < end && r == 0; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', (size_t) (end - p));
		if (nl)
			*nl = '\0';
		r = fn(p, arg) ? 1 : 0; /* an empty line is a line too */
	}
	free(own.text);
	return r;
}

/* Auto: v2, then v1, then none. A forced backend or an explicit parent that
 * cannot be used is an error; plain lack of cgroups is not. */
static int probe(const struct cg_options *opt, enum cg_force force, struct cg_root *root,
		 struct jb_err *err)
{
	char why2[CG_WHY_MAX / 2] = "", why1[CG_WHY_MAX / 2] = "";
	int r;

	if (force == CG_FORCE_NONE) {
		snprintf(root->why, sizeof(root->why), "forced by the operator");
		return 0;
	}
	if (force != CG_FORCE_V1) {
		r = cg_v2_probe(opt, root, why2, sizeof(why2));
		if (r == 0) {
			snprintf(root->why, sizeof(root->why), "%s", why2);
			return 0;
		}
		root_clear_hiers(root);
		if (force == CG_FORCE_V2)
			return jb_fail(err, -r, "cannot use cgroup v2: %s", why2);
	}
	r = cg_v1_probe(opt, root, why1, sizeof(why1));
	if (r == 0) {
		snprintf(root->why, sizeof(root->why), "%s%s%s", why2, *why2 ? "; " : "", why1);
		return 0;
	}
	root_clear_hiers(root);
	if (force == CG_FORCE_V1)
		return jb_fail(err, -r, "cannot use cgroup v1: %s", why1);
	if (opt->parent)
		return jb_fail(err, -r, "cannot use cgroup parent '%s': %s; %s", opt->parent, why2,
			       why1);
	root->backend = CG_BACKEND_NONE;
	root->ops = NULL;
	snprintf(root->why, sizeof(root->why), "%s; %s", why2, why1);
	return 0;
}

/* A unit test's tree is a plain directory: no kernel fills a fresh cgroup
 * directory with files, and rmdir refuses a directory holding files. */
static bool is_fake_tree(const char *dir)
{
	struct statfs sf;
	if (statfs(dir, &sf) < 0)
		return false;
	return sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC;
}

static void root_freep(struct cg_root **root)
{
	cg_root_free(*root);
}

static int root_probe(struct cg_root *root, const struct cg_options *o, enum cg_force force,
		      struct jb_err *err)
{
	if (o->mounts)
		snap_take(&snaps[0], o->mounts);
	snap_take(&snaps[1], o->self_cgroup);
	int r = probe(o, force, root, err);
	snaps_drop();
	if (r < 0)
		return r;
	root->fake_tree = root->n_hier > 0 && is_fake_tree(root->hier[0].parent);
	root->flat = o->flat && root->backend == CG_BACKEND_V1;
	return 0;
}

static int root_open(const struct cg_options *opt, bool lazy, struct cg_root **ret,
		     struct jb_err *err)
{
	struct cg_options o = *opt;
	enum cg_force force = CG_FORCE_AUTO;
	int r = parse_force(opt->force, &force, err);
	if (r < 0)
		return r;
	if (!o.fs_root)
		o.fs_root = "/sys/fs/cgroup";
	if (!o.self_cgroup)
		o.self_cgroup = "/proc/self/cgroup";

	_cleanup_(root_freep) struct cg_root *root = calloc(1, sizeof(*root));
	if (!root)
		return jb_fail(err, ENOMEM, "choose a cgroup backend");
	root->owner = getpid();
	pthread_mutex_init(&root->lock, NULL);
	/* The automatic choice with no parent given cannot fail (no cgroups:
	 * CG_BACKEND_NONE), so it can wait; a forced one is checked now. */
	if (lazy && force == CG_FORCE_AUTO && !o.parent) {
		root->pending = true;
		root->pending_opt = o;
	} else if ((r = root_probe(root, &o, force, err)) < 0) {
		return r;
	}
	*ret = TAKE_PTR(root);
	return 0;
}

int cg_root_open(const struct cg_options *opt, struct cg_root **ret, struct jb_err *err)
{
	return root_open(opt, false, ret, err);
}

int cg_root_open_lazy(const struct cg_options *opt, struct cg_root **ret, struct jb_err *err)
{
	return root_open(opt, true, ret, err);
}

bool cg_root_pending(const struct cg_root *root)
{
	return root && root->pending;
}

int cg_root_probe(struct cg_root *root, struct jb_err *err)
{
	if (!root || !root->pending)
		return 0;
	root->pending = false;
	return root_probe(root, &root->pending_opt, CG_FORCE_AUTO, err);
}

/* Only the process that made the bases removes them: a forked child running
 * its cleanups must not pull the directory from under its parent. */
void cg_root_release(struct cg_root *root)
{
	if (!root || getpid() != root->owner)
		return;
	bool all = true;
	for (size_t i = root->n_hier; i-- > 0;) {
		struct cg_hier *h = &root->hier[i];
		if (h->base_made && rmdir(h->base) == 0)
			h->base_made = false;
		all = all && !h->base_made; /* busy: a cg not destroyed */
	}
	for (size_t i = 0; i < root->n_view; i++) {
		struct cg_view_hier *v = &root->view[i];
		closep(&v->tasks_fd); /* closep leaves the number: forget it */
		v->tasks_fd = -1;
		if (v->made && rmdir(v->base) == 0)
			v->made = false;
		all = all && !v->made;
	}
	root->ready = root->ready && !all; /* the next cg_make makes them again */
}

void cg_root_free(struct cg_root *root)
{
	if (!root)
		return;
	cg_root_release(root);
	for (size_t i = 0; i < root->n_view; i++) {
		struct cg_view_hier *v = &root->view[i];
		closep(&v->leave_fd);
		free(v->name);
		free(v->parent);
		free(v->base);
	}
	root_clear_hiers(root);
	pthread_mutex_destroy(&root->lock);
	free(root);
}

static size_t append(char *buf, size_t n, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t n, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, fmt, ap);
	va_end(ap);
	return len + (k > 0 ? (size_t) k : 0);
}

/* Like snprintf: returns the full length, writes at most n bytes. */
int cg_root_describe(const struct cg_root *root, char *buf, size_t n)
{
	if (n > 0)
		buf[0] = '\0';
	size_t len = append(buf, n, 0, "backend: %s\nwhy: %s\n", cg_backend_name(root->backend),
			    root->why);
	for (size_t i = 0; i < root->n_hier; i++) {
		const char *name = *root->hier[i].name ? root->hier[i].name : "cgroup";
		len = append(buf, n, len, "%s: %s\n", name, root->hier[i].base);
	}
	return len > INT_MAX ? INT_MAX : (int) len;
}

/* mkdir the bases once per process. A base left by a dead process that had
 * our pid is taken over: its name says it is ours. */
/* judgebox-PID bases whose judgebox died by SIGKILL (no cleanup ran): its
 * init died with it (PR_SET_PDEATHSIG) and the job cgroups are empty, so
 * remove them (cg_root_sweep). Best effort. */
static void sweep_dead(const char *parent)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "judgebox-", 9) != 0)
			continue;
		long pid = strtol(e->d_name + 9, &end, 10);
		if ((*end && *end != '-') || pid <= 0 || pid == getpid() ||
		    kill((pid_t) pid, 0) == 0 || errno != ESRCH)
			continue; /* judgebox-PID (a base), judgebox-PID-NAME (flat) */
		char base[PATH_MAX];
		snprintf(base, sizeof(base), "%s/%s", parent, e->d_name);
		DIR *jd = opendir(base);
		struct dirent *je;
		while (jd && (je = readdir(jd))) {
			char job[PATH_MAX];
			snprintf(job, sizeof(job), "%s/%s", base, je->d_name);
			if (je->d_type == DT_DIR && je->d_name[0] != '.')
				(void) rmdir(job); /* EBUSY: still has tasks, leave it */
		}
		if (jd)
			closedir(jd);
		(void) rmdir(base);
	}
	closedir(d);
}

void cg_root_sweep(struct cg_root *root)
{
	if (!root || root->swept || root->pending || root->fake_tree || getpid() != root->owner)
		return;
	root->swept = true;
	for (size_t i = 0; i < root->n_view; i++)
		sweep_dead(root->view[i].parent);
	for (size_t i = 0; i < root->n_hier; i++)
		sweep_dead(root->hier[i].parent);
}

/* dir's v1 "tasks" file in *fd, opened on first use (-1 if it cannot be). */
static int tasks_fd(int *fd, const char *dir)
{
	if (*fd < 0) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/tasks", dir);
		*fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	return *fd;
}

/* A view base: cpuset needs its cpus and mems before it takes a task. */
static int view_ready(struct cg_view_hier *v, struct jb_err *err)
{
	if (mkdir(v->base, 0755) < 0 && errno != EEXIST)
		return jb_fail(err, errno, "create cgroup '%s'", v->base);
	v->made = true;
	if (!strcmp(v->name, "cpuset")) {
		static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			char val[4096];
			ssize_t k = cg_file_read(v->parent, files[i], val, sizeof(val));
			int r = k < 0 ? (int) k : cg_file_write(v->base, files[i], val, false, err);
			if (r < 0)
				return jb_fail(err, -r, "copy '%s' to '%s'", files[i], v->base);
		}
	}
	return tasks_fd(&v->tasks_fd, v->base) < 0 ? jb_fail(err, errno, "open '%s/tasks'", v->base)
						   : 0;
}

static int bases_ready(struct cg_root *root, struct jb_err *err)
{
	if (root->ready)
		return 0;
	for (size_t i = 0; i < root->n_view && !root->fake_tree; i++) {
		int r = view_ready(&root->view[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < root->n_hier && !root->flat; i++) {
		struct cg_hier *h = &root->hier[i];
		if (h->base_made)
			continue;
		if (mkdir(h->base, 0755) < 0 && errno != EEXIST)
			return jb_fail(err, errno, "create cgroup '%s'", h->base);
		h->base_made = true;
	}
	if (root->ops->prepare_base) {
		int r = root->ops->prepare_base(root, err);
		if (r < 0)
			return r;
	}
	root->ready = true;
	return 0;
}

static bool name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	return len > 0 && len < NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static struct cg *cg_new(struct cg_root *root, const char *name)
{
	struct cg *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return NULL;
	cg->root = root;
	for (size_t i = 0; i < CG_CPU_FDS; i++)
		cg->cpu_fd[i] = -1;
	for (size_t i = 0; i < CG_HIER_MAX; i++)
		cg->self_fd[i] = -1;
	for (size_t i = 0; i < root->n_hier; i++) {
		const struct cg_hier *h = &root->hier[i];
		int k = root->flat ? asprintf(&cg->path[i], "%s-%s", h->base, name)
				   : asprintf(&cg->path[i], "%s/%s", h->base, name);
		if (k < 0) {
			cg->path[i] = NULL;
			cg_destroy(cg);
			return NULL;
		}
	}
	return cg;
}

int cg_plan(struct cg_root *root, const char *name, struct cg **ret, struct jb_err *err)
{
	if (!root->ops)
		return jb_fail(err, ENOTSUP, "create cgroup '%s': no cgroup backend", name);
	if (!name_ok(name))
		return jb_fail(err, EINVAL, "create cgroup '%s': bad name", name ? name : "");
	*ret = cg_new(root, name);
	return *ret ? 0 : jb_fail(err, ENOMEM, "create cgroup '%s'", name);
}

int cg_make(struct cg *cg, struct jb_err *err)
{
	struct cg_root *root = cg->root;
	pthread_mutex_lock(&root->lock);
	int r = bases_ready(root, err);
	pthread_mutex_unlock(&root->lock);
	if (r < 0)
		return r;
	for (size_t i = cg->n_path; i < root->n_hier; i++) {
		/* EEXIST too: two jobs must never share a cgroup. */
		if (mkdir(cg->path[i], 0755) < 0)
			return jb_fail(err, errno, "create cgroup '%s'", cg->path[i]);
		cg->n_path++;
	}
	return root->ops->open_cpu(cg, err);
}

int cg_create(struct cg_root *root, const char *name, struct cg **ret, struct jb_err *err)
{
	_cleanup_(cg_destroyp) struct cg *cg = NULL;
	int r = cg_plan(root, name, &cg, err);
	if (r >= 0)
		r = cg_make(cg, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cg);
	return 0;
}

int cg_set_limits(struct cg *cg, uint64_t memory_bytes, uint32_t pids_max, struct jb_err *err)
{
	/* A reused cgroup mostly gets the limits it has already: three reads
	 * and writes less per job. */
	if (cg->limits_set && cg->set_memory == memory_bytes && cg->set_pids == pids_max)
		return 0;
	cg->limits_set = false;
	int r = cg->root->ops->set_limits(cg, memory_bytes, pids_max, err);
	if (r >= 0) {
		cg->limits_set = true;
		cg->set_memory = memory_bytes;
		cg->set_pids = pids_max;
	}
	return r;
}

size_t cg_self_attach_fds(struct cg *cg, int *ret, size_t max)
{
	if (cg->root->backend != CG_BACKEND_V1 || cg->root->fake_tree)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < cg->n_path && n < max; i++) {
		if (tasks_fd(&cg->self_fd[i], cg->path[i]) < 0)
			return 0; /* cannot: the caller falls back to cg_attach */
		ret[n++] = cg->self_fd[i];
	}
	for (size_t i = 0; i < cg->root->n_view && n < max; i++)
		if (cg->root->view[i].tasks_fd >= 0)
			ret[n++] = cg->root->view[i].tasks_fd;
	return n;
}

size_t cg_leave_fds(struct cg_root *root, int *ret, size_t max)
{
	if (root->backend != CG_BACKEND_V1 || root->fake_tree)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < root->n_hier && n < max; i++)
		if ((ret[n++] = tasks_fd(&root->hier[i].leave_fd, root->hier[i].parent)) < 0)
			return 0;
	for (size_t i = 0; i < root->n_view && n < max; i++)
		if ((ret[n++] = tasks_fd(&root->view[i].leave_fd, root->view[i].parent)) < 0)
			return 0;
	return n == root->n_hier + root->n_view ? n : 0;
}

int cg_self_attach(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return -errno;
	return 0;
}

int cg_attach(struct cg *cg, pid_t pid, struct jb_err *err)
{
	for (size_t i = 0; i < cg->n_path; i++) {
		int r = cg_file_write_u64(cg->path[i], "cgroup.procs", (uint64_t) pid, false, err);
		if (r < 0) {
			jb_err_prefix(err, "move pid %d into its cgroup", (int) pid);
			return r;
		}
	}
	return 0;
}

int cg_read_cpu(const struct cg *cg, struct cg_cpu *ret)
{
	if (!cg || !cg->root->ops)
		return -EINVAL;
	return cg->root->ops->read_cpu(cg->cpu_fd, ret);
}

int cg_read_cpu_fds(enum cg_backend backend, const int fds[CG_CPU_FDS], struct cg_cpu *ret)
{
	const struct cg_backend_ops *ops = NULL;
	if (backend == CG_BACKEND_V1)
		ops = &cg_v1_ops;
	else if (backend == CG_BACKEND_V2 || backend == CG_BACKEND_V2_DELEGATED)
		ops = &cg_v2_ops;
	return ops ? ops->read_cpu(fds, ret) : -EINVAL;
}

void cg_cpu_fd_slots(const struct cg *cg, int ret[CG_CPU_FDS])
{
	for (size_t i = 0; i < CG_CPU_FDS; i++)
		ret[i] = cg->cpu_fd[i];
}

int cg_read_stats(struct cg *cg, struct cg_stats *ret, struct jb_err *err)
{
	*ret = (struct cg_stats){0};
	int r = cg->root->ops->read_stats(cg, ret, err);
	if (r < 0)
		return r;
	ret->oom_kills -=
		ret->oom_kills >= cg->base_oom_kills ? cg->base_oom_kills : ret->oom_kills;
	ret->pids_max_hits -= ret->pids_max_hits >= cg->base_pids_max_hits ? cg->base_pids_max_hits
									   : ret->pids_max_hits;
	return 0;
}

int cg_reuse(struct cg *cg, struct jb_err *err)
{
	if (!cg->root->ops || !cg->root->ops->reset || cg->root->fake_tree)
		return jb_fail(err, ENOTSUP, "reuse a cgroup: not on this backend");
	for (size_t i = 0; i < cg->n_path; i++) {
		char one[2];
		/* A fresh open each time: v1 keeps an open file's pid list for a
		 * second, so a kept descriptor could read a stale one. */
		if (cg_file_read(cg->path[i], "cgroup.procs", one, sizeof(one)) != 0)
			return jb_fail(err, EBUSY, "reuse cgroup '%s': tasks remain", cg->path[i]);
	}
	if (cg->cpu_fd[0] < 0) { /* parked: cg_park closed them */
		int r = cg->root->ops->open_cpu(cg, err);
		if (r < 0)
			return r;
	}
	return cg->root->ops->reset(cg, err);
}

void cg_park(struct cg *cg)
{
	for (size_t i = 0; i < CG_CPU_FDS; i++) {
		closep(&cg->cpu_fd[i]); /* closep leaves the number: forget it */
		cg->cpu_fd[i] = -1;
	}
	for (size_t i = 0; i < CG_HIER_MAX; i++) {
		closep(&cg->self_fd[i]);
		cg->self_fd[i] = -1;
	}
	for (size_t i = 0; i < cg->n_kept; i++)
		closep(&cg->kept[i].fd);
	cg->n_kept = 0;
}

int cg_kill_all(struct cg *cg, struct jb_err *err)
{
	return cg->root->ops->kill_all(cg, err);
}

static void rmdir_retry(const char *dir)
{
	unsigned long long end = jb_now_us() + CG_RMDIR_WAIT_US;
	for (unsigned i = 1;; i++) {
		if (rmdir(dir) == 0 || errno != EBUSY)
			return; /* ENOTEMPTY: a fake tree's files, left to its test */
		if (jb_now_us() > end)
			return; /* a task that cannot die: the next judgebox sweeps it */
		if (i % 50 == 0)
			(void) cg_kill_listed(dir, NULL); /* whatever is still listed */
		cg_sleep_ms(i < 100 ? 1 : 5);
	}
}

void cg_destroy(struct cg *cg)
{
	if (!cg)
		return;
	if (cg->n_path > 0 && cg->root->ops)
		(void) cg_kill_all(cg, NULL); /* best effort: rmdir shows what is left */
	for (size_t i = cg->n_path; i-- > 0;)
		rmdir_retry(cg->path[i]);
	for (size_t i = 0; i < CG_CPU_FDS; i++)
		closep(&cg->cpu_fd[i]);
	for (size_t i = 0; i < CG_HIER_MAX; i++) {
		closep(&cg->self_fd[i]);
		free(cg->path[i]);
	}
	for (size_t i = 0; i < cg->n_kept; i++)
		closep(&cg->kept[i].fd);
	free(cg);
}

/* Fills at most max entries (a job has at most CG_HIER_MAX); returns how
 * many were filled. The strings belong to cg. A planned cgroup has them
 * already: cg_make makes these directories or fails (the view bases are
 * made with the first cgroup, except on a fake tree). */
size_t cg_views(const struct cg *cg, struct cg_view *ret, size_t max)
{
	size_t n = 0;
	for (; n < cg->root->n_hier && n < max; n++) {
		ret[n].name = cg->root->hier[n].name;
		ret[n].path = cg->path[n];
	}
	for (size_t i = 0; i < cg->root->n_view && n < max; i++)
		if (!cg->root->fake_tree)
			ret[n++] = (struct cg_view){cg->root->view[i].name, cg->root->view[i].base};
	return n;
}

/* ---- locating hierarchies and parents ---- */

/* Which line of self_cgroup: controller "" is the v2 "0::" line. */
static bool self_line_matches(const char *line, const char *list, const char *controller)
{
	if (!*controller)
		return line[0] == '0' && line[1] == ':' && !*list;
	return cg_list_has(list, controller);
}

struct self_find {
	const char *controller;
	char *buf;
	size_t n;
	int r;
};

static bool self_match(char *line, void *arg)
{
	struct self_find *q = arg;
	char *c1 = strchr(line, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return false;
	*c2 = '\0';
	if (!self_line_matches(line, c1 + 1, q->controller))
		return false;
	q->r = snprintf(q->buf, q->n, "%s", c2 + 1) >= (int) q->n ? -ENAMETOOLONG : 0;
	return true;
}

static int self_path(const char *file, const char *controller, char *buf, size_t n)
{
	struct self_find q = {controller, buf, n, -ENOENT};
	int r = each_line(file, self_match, &q);
	return r < 0 ? r : q.r;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2) {
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return true;
	}
	return false;
}

/* The self path is relative to the hierarchy's root; a mount of a subtree
 * (mountinfo root "/a") shows only what is below it. */
static int strip_mount_root(char *rel, const char *mroot)
{
	size_t len = strlen(mroot);
	if (strcmp(mroot, "/") == 0)
		return 0;
	if (strncmp(rel, mroot, len) != 0 || (rel[len] != '/' && rel[len] != '\0'))
		return -ENOENT;
	memmove(rel, rel + len, strlen(rel + len) + 1);
	return 0;
}

int cg_parent_dir(const struct cg_options *opt, const char *controller, const char *mnt,
		  const char *mroot, char *buf, size_t n, char *why, size_t why_n)
{
	char rel[PATH_MAX];
	const char *ctl = *controller ? controller : "0::";
	if (opt->parent) {
		snprintf(rel, sizeof(rel), "%s", opt->parent);
		if (has_dotdot(rel)) {
			snprintf(why, why_n, "cgroup parent '%s' leaves its hierarchy", rel);
			return -EINVAL;
		}
	} else if (self_path(opt->self_cgroup, controller, rel, sizeof(rel)) < 0) {
		snprintf(why, why_n, "no '%s' line in '%s'", ctl, opt->self_cgroup);
		return -ENOENT;
	} else if (strip_mount_root(rel, mroot) < 0) {
		snprintf(why, why_n, "cgroup '%s' is outside the mount at '%s'", rel, mnt);
		return -ENOENT;
	}
	const char *r = rel + strspn(rel, "/");
	size_t len = strlen(r);
	while (len > 0 && r[len - 1] == '/')
		len--;
	if (snprintf(buf, n, "%s%s%.*s", mnt, len ? "/" : "", (int) len, r) >= (int) n)
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_n, "cgroup parent '%s' does not exist", buf);
		return -ENOENT;
	}
	return 0;
}

struct mi_line {
	char *root, *mnt, *fstype, *super;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; o++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o = (char) ((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			*o = *p++;
		}
	}
	*o = '\0';
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
static bool mi_split(char *line, struct mi_line *ret)
{
	char *save = NULL, *f[6], *t;
	for (int i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!f[i])
			return false;
	}
	while ((t = strtok_r(NULL, " \n", &save)) && strcmp(t, "-") != 0)
		;
	if (!t)
		return false;
	ret->root = f[3];
	ret->mnt = f[4];
	ret->fstype = strtok_r(NULL, " \n", &save);
	ret->super = strtok_r(NULL, " \n", &save) ? strtok_r(NULL, " \n", &save) : NULL;
	if (!ret->fstype || !ret->super)
		return false;
	unescape(ret->root);
	unescape(ret->mnt);
	return true;
}

static bool path_under(const char *path, const char *top)
{
	size_t len = strlen(top);
	while (len > 1 && top[len - 1] == '/')
		len--;
	if (len == 1 && top[0] == '/')
		return true;
	return strncmp(path, top, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* The v1 controllers of a super option list, in its order: "cpu,cpuacct". */
static void super_controllers(const char *super, char *buf, size_t n)
{
	static const char *const known[] = {
		"cpu",	 "cpuacct",    "cpuset",   "memory",  "devices", "freezer", "net_cls",
		"blkio", "perf_event", "net_prio", "hugetlb", "pids",	 "rdma",    "misc"};
	char tmp[1024], *save = NULL;
	size_t len = 0;
	snprintf(tmp, sizeof(tmp), "%s", super);
	buf[0] = '\0';
	for (char *o = strtok_r(tmp, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
			if (strcmp(o, known[i]) == 0 && len < n)
				len += snprintf(buf + len, n - len, "%s%s", len ? "," : "", o);
		}
	}
}

struct mount_find {
	const struct cg_options *opt;
	const char *fstype, *controller;
	char marker[64]; /* " - FSTYPE ": lines of other types are not split */
	char *mnt, *mroot, *ctrls;
	size_t n;
};

static bool mount_match(char *line, void *arg)
{
	struct mount_find *q = arg;
	struct mi_line mi;
	if (!strstr(line, q->marker) || !mi_split(line, &mi) || strcmp(mi.fstype, q->fstype) != 0)
		return false;
	if (!path_under(mi.mnt, q->opt->fs_root))
		return false;
	if (q->controller && !cg_list_has(mi.super, q->controller))
		return false;
	snprintf(q->mnt, q->n, "%s", mi.mnt);
	snprintf(q->mroot, q->n, "%s", mi.root);
	super_controllers(mi.super, q->ctrls, q->n);
	return true;
}

int cg_mount_find(const struct cg_options *opt, const char *fstype, const char *controller,
		  char *mnt, char *mroot, char *ctrls, size_t n)
{
	struct mount_find q = {opt, fstype, controller, "", mnt, mroot, ctrls, n};
	snprintf(q.marker, sizeof(q.marker), " - %s ", fstype);
	int r = each_line(opt->mounts, mount_match, &q);
	return r < 0 ? r : r ? 0 : -ENOENT;
}

/* ---- files ---- */

int cg_join(char *buf, size_t n, const char *dir, const char *file)
{
	if (snprintf(buf, n, "%s/%s", dir, file) >= (int) n)
		return -ENAMETOOLONG;
	return 0;
}

int cg_file_write(const char *dir, const char *file, const char *val, bool optional,
		  struct jb_err *err)
{
	char path[PATH_MAX];
	if (cg_join(path, sizeof(path), dir, file) < 0)
		return jb_fail(err, ENAMETOOLONG, "write '%s/%s'", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && optional)
		return 1;
	if (fd < 0)
		return jb_fail(err, errno, "open '%s'", path);
	/* One write: the kernel parses each write(2) to a cgroup file alone. */
	size_t len = strlen(val);
	ssize_t k = write(fd, val, len);
	if (k < 0)
		return jb_fail(err, errno, "write '%s' to '%s'", val, path);
	if ((size_t) k != len)
		return jb_fail(err, EIO, "write '%s' to '%s'", val, path);
	return 0;
}

int cg_file_write_u64(const char *dir, const char *file, uint64_t val, bool optional,
		      struct jb_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long) val);
	return cg_file_write(dir, file, buf, optional, err);
}

ssize_t cg_file_read(const char *dir, const char *file, char *buf, size_t n)
{
	char path[PATH_MAX];
	if (cg_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t k = jb_read_full(fd, buf, n - 1);
	if (k < 0)
		return k;
	buf[k] = '\0';
	return k;
}

int cg_file_open_ro(const struct cg_root *root, const char *dir, const char *file,
		    struct jb_err *err)
{
	char path[PATH_MAX];
	if (cg_join(path, sizeof(path), dir, file) < 0)
		return jb_fail(err, ENAMETOOLONG, "open '%s/%s'", dir, file);
	int flags = O_RDONLY | O_CLOEXEC | (root->fake_tree ? O_CREAT : 0);
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return jb_fail(err, errno, "open '%s'", path);
	return fd;
}

/* dir/file's kept descriptor, opened with flags on first use, or -errno. A
 * full table keeps no more: *close_after says the caller closes it. */
static int kept_fd(struct cg *cg, const char *dir, const char *file, int flags, bool *close_after)
{
	*close_after = false;
	for (size_t i = 0; i < cg->n_kept; i++)
		if (cg->kept[i].dir == dir && cg->kept[i].flags == flags &&
		    !strcmp(cg->kept[i].file, file))
			return cg->kept[i].fd;
	char path[PATH_MAX];
	if (cg_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (cg->n_kept < CG_KEPT_MAX)
		cg->kept[cg->n_kept++] = (struct cg_kept){dir, file, flags, fd};
	else
		*close_after = true;
	return fd;
}

ssize_t cg_read(struct cg *cg, const char *dir, const char *file, char *buf, size_t n)
{
	if (cg->root->fake_tree)
		return cg_file_read(dir, file, buf, n);
	bool close_after;
	int fd = kept_fd(cg, dir, file, O_RDONLY, &close_after);
	if (fd < 0)
		return fd;
	ssize_t k = cg_pread_all(fd, buf, n - 1);
	if (close_after)
		close(fd);
	if (k < 0)
		return k;
	buf[k] = '\0';
	return k;
}

int cg_write(struct cg *cg, const char *dir, const char *file, const char *val, bool optional,
	     struct jb_err *err)
{
	if (cg->root->fake_tree)
		return cg_file_write(dir, file, val, optional, err);
	bool close_after;
	int fd = kept_fd(cg, dir, file, O_WRONLY, &close_after);
	if (fd == -ENOENT && optional)
		return 1;
	if (fd < 0)
		return jb_fail(err, -fd, "open '%s/%s'", dir, file);
	size_t len = strlen(val);
	ssize_t k = write(fd, val, len); /* one write, parsed alone (cg_file_write) */
	int e = k < 0 ? errno : EIO;
	if (close_after)
		close(fd);
	if (k < 0 || (size_t) k != len)
		return jb_fail(err, e, "write '%s' to '%s/%s'", val, dir, file);
	return 0;
}

int cg_u64(struct cg *cg, const char *dir, const char *file, uint64_t *ret, struct jb_err *err)
{
	char buf[64];
	ssize_t k = cg_read(cg, dir, file, buf, sizeof(buf));
	if (k < 0)
		return jb_fail(err, (int) -k, "read '%s/%s'", dir, file);
	if (cg_parse_u64(buf, ret) < 0)
		return jb_fail(err, EBADMSG, "read '%s/%s': not a number", dir, file);
	return 0;
}

int cg_key_u64(struct cg *cg, const char *dir, const char *file, const char *key, uint64_t *ret,
	       struct jb_err *err)
{
	char buf[4096];
	ssize_t k = cg_read(cg, dir, file, buf, sizeof(buf));
	if (k < 0)
		return jb_fail(err, (int) -k, "read '%s/%s'", dir, file);
	if (cg_keyed_u64(buf, key, ret) < 0)
		return jb_fail(err, ENOENT, "read '%s/%s': no '%s' line", dir, file, key);
	return 0;
}

/* ---- parsers (stack only: cg_read_cpu runs between fork and exec) ---- */

static int parse_num(const char *s, const char **end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t) (*p - '0');
	}
	*end = p;
	*ret = v;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cg_parse_u64(const char *s, uint64_t *ret)
{
	const char *end;
	while (is_space(*s))
		s++;
	if (strncmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		end = s + 3;
	} else if (parse_num(s, &end, ret) < 0) {
		return -EINVAL;
	}
	while (is_space(*end))
		end++;
	return *end ? -EINVAL : 0;
}

int cg_keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end;
		if (strncmp(l, key, klen) != 0 || l[klen] != ' ')
			continue;
		if (parse_num(l + klen + 1, &end, ret) == 0 && (!*end || is_space(*end)))
			return 0;
		return -EINVAL;
	}
	return -ENOENT;
}

bool cg_list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ,\n\t");
		if (len == wlen && strncmp(p, word, wlen) == 0)
			return true;
		p += len;
		p += strspn(p, " ,\n\t");
	}
	return false;
}

ssize_t cg_pread_all(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n - 1) {
		ssize_t k = pread(fd, buf + got, n - 1 - got, (off_t) got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t) k;
	}
	buf[got] = '\0';
	return (ssize_t) got;
}

/* ---- killing ---- */

void cg_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int kill_line(const char *line)
{
	uint64_t pid;
	if (cg_parse_u64(line, &pid) < 0 || pid == 0 || pid > INT_MAX)
		return 0;
	/* Never ourselves: a job cgroup must not hold judgebox (counted, so the
	 * loop ends with EBUSY instead of a suicide). */
	if ((pid_t) pid != getpid())
		(void) kill((pid_t) pid, SIGKILL); /* ESRCH: it is already gone */
	return 1;
}

/* cgroup.procs can be long (a fork bomb without pids.max): read it in
 * pieces, keeping a partial last line for the next piece. */
int cg_kill_listed(const char *dir, struct jb_err *err)
{
	char path[PATH_MAX], buf[4096];
	size_t have = 0;
	int listed = 0;
	if (cg_join(path, sizeof(path), dir, "cgroup.procs") < 0)
		return jb_fail(err, ENAMETOOLONG, "read '%s/cgroup.procs'", dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jb_fail(err, errno, "open '%s'", path);
	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return jb_fail(err, errno, "read '%s'", path);
		buf[have + (size_t) k] = '\0';
		char *start = buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			listed += kill_line(start);
			start = nl + 1;
		}
		have = strlen(start);
		if (k == 0 || have == sizeof(buf) - 1) {
			listed += have ? kill_line(start) : 0;
			if (k == 0)
				return listed;
			have = 0;
			continue;
		}
		memmove(buf, start, have);
	}
}

/* Without a freezer, a task may fork between our read of cgroup.procs and
 * its SIGKILL: read again until the list is empty. A task with SIGKILL
 * pending cannot fork any more, so this ends. Round sleeps grow from 1 ms
 * to 5 ms (about 0.5 s in all) to let large tasks finish exiting. */
int cg_kill_loop(struct cg *cg, struct jb_err *err)
{
	for (int round = 0; round < 100; round++) {
		int listed = 0;
		for (size_t i = 0; i < cg->n_path; i++) {
			int r = cg_kill_listed(cg->path[i], err);
			if (r < 0)
				return r;
			listed += r;
		}
		if (listed == 0)
			return 0;
		cg_sleep_ms(round < 10 ? 1 : 5);
	}
	return jb_fail(err, EBUSY, "kill the tasks of cgroup '%s'", cg->path[0]);
}
