#pragma once
/* Internal to the cgroup module: what cgroup.c shares with its two backends,
 * cgroup-v1.c and cgroup-v2.c. Only cgroup*.c include this file.
 *
 * cgroup.c owns the common part: choosing a backend, the per-process
 * directory "judgebox-<pid>" under the parent cgroup of every hierarchy,
 * mkdir/rmdir of job cgroups, attach, views, and the file helpers below.
 * A backend knows its file names: probing, limits, CPU and statistics, and
 * how to kill everything in a job. */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

#define CG_HIER_MAX 4	/* v1: memory, pids, cpuacct and freezer when there is one */
#define CG_WHY_MAX  640 /* the reasons of both probes, for cg_root_describe */

/* What a hierarchy is used for (several roles when co-mounted). */
enum {
	CG_ROLE_MEMORY = 1 << 0,
	CG_ROLE_PIDS = 1 << 1,
	CG_ROLE_CPUACCT = 1 << 2,
	CG_ROLE_FREEZER = 1 << 3,
};

struct cg_hier {
	char *name;	/* "memory", "pids", "cpu,cpuacct"...; "" on v2 */
	char *parent;	/* absolute host directory of the parent cgroup */
	char *base;	/* parent/judgebox-<pid>: where the job cgroups go */
	unsigned roles; /* CG_ROLE_* */
	bool base_made; /* base was created by this process (removed at free) */
	int leave_fd;	/* parent/tasks, for cg_leave_fds; -1 until opened */
};

struct cg_backend_ops {
	/* After the bases are made (first cg_create): v2 enables controllers. */
	int (*prepare_base)(struct cg_root *root, struct jb_err *err);
	/* Open cg->cpu_fd[] in the fresh job cgroup. */
	int (*open_cpu)(struct cg *cg, struct jb_err *err);
	/* pread and parse on the stack only: runs in a forked child. */
	int (*read_cpu)(const int fds[CG_CPU_FDS], struct cg_cpu *ret);
	int (*set_limits)(struct cg *cg, uint64_t memory_bytes, uint32_t pids_max,
			  struct jb_err *err);
	int (*read_stats)(struct cg *cg, struct cg_stats *ret, struct jb_err *err);
	int (*kill_all)(struct cg *cg, struct jb_err *err);
	/* Reset an empty cgroup's peaks for its next job; NULL: cannot. */
	int (*reset)(struct cg *cg, struct jb_err *err);
};

/* v1 only: a hierarchy the box must see for the JVM to trust the limits
 * (cpu and cpuset, when not co-mounted with cpuacct) but that judgebox does
 * not account with: one per-process base, shared by every job, that each
 * init joins so its cgroup namespace shows the base as its root. */
#define CG_VIEW_MAX 2
struct cg_view_hier {
	char *name, *parent, *base;
	bool made;
	int tasks_fd; /* base/tasks, for cg_self_attach */
	int leave_fd; /* parent/tasks, for cg_leave_fds; -1 until opened */
};

struct cg_root {
	enum cg_backend backend;
	struct cg_view_hier view[CG_VIEW_MAX];
	size_t n_view;
	const struct cg_backend_ops *ops; /* NULL for CG_BACKEND_NONE */
	struct cg_hier hier[CG_HIER_MAX];
	size_t n_hier;
	bool fake_tree;	      /* not on a cgroup file system: a unit test's tree */
	pid_t owner;	      /* the process whose pid names the bases */
	bool ready;	      /* bases made and prepared */
	pthread_mutex_t lock; /* guards the lazy creation of the bases */
	bool pending;	      /* cg_root_open_lazy: not probed yet */
	bool swept;	      /* cg_root_sweep ran */
	bool flat;	      /* cg_options.flat, on v1: no bases, jobs under the parents */
	struct cg_options pending_opt;
	char why[CG_WHY_MAX];
};

/* A file of a job directory kept open (cg_read, cg_write): a stream reuses
 * its run's cgroup job after job, and opening a cgroup file costs more than
 * reading or writing it. dir is one of cg->path[]. Not for v1's
 * cgroup.procs and tasks lists, which an open file caches for a second. */
#define CG_KEPT_MAX 16
struct cg_kept {
	const char *dir;
	const char *file;
	int flags;
	int fd;
};

struct cg {
	struct cg_root *root;	  /* borrowed: the root outlives its cgroups */
	char *path[CG_HIER_MAX];  /* job directory in root->hier[i] */
	size_t n_path;		  /* directories made so far */
	int cpu_fd[CG_CPU_FDS];	  /* O_RDONLY|O_CLOEXEC, -1 when unused */
	int self_fd[CG_HIER_MAX]; /* v1 "tasks" for cg_self_attach, -1 when unused */
	bool limits_set;	  /* set_memory and set_pids are what the files say */
	uint64_t set_memory;
	uint32_t set_pids;
	uint64_t base_oom_kills; /* counters that cannot be reset, at cg_reuse */
	uint64_t base_pids_max_hits;
	struct cg_kept kept[CG_KEPT_MAX]; /* cg_read, cg_write; closed by cg_park */
	size_t n_kept;
};

extern const struct cg_backend_ops cg_v1_ops;
extern const struct cg_backend_ops cg_v2_ops;

/* Probes. On success fill root->hier[], root->backend and root->ops, write
 * why the backend fits into why, and return 0. On failure return -errno
 * with the reason in why (nothing added to root that cg_root_free would not
 * free). */
int cg_v2_probe(const struct cg_options *opt, struct cg_root *root, char *why, size_t n);
int cg_v1_probe(const struct cg_options *opt, struct cg_root *root, char *why, size_t n);

/* Add a hierarchy (or OR roles into the one with the same parent).
 * Copies the strings; returns 0 or -ENOMEM/-E2BIG. */
int cg_root_add_hier(struct cg_root *root, const char *name, const char *parent, unsigned roles);

/* The parent cgroup in a hierarchy mounted at mnt (whose mount root, as in
 * mountinfo, is mroot): opt->parent relative to mnt, or the path of the
 * self_cgroup line for controller ("" = the v2 "0::" line). Checks it is a
 * directory. Returns 0, or -errno with the reason in why. */
int cg_parent_dir(const struct cg_options *opt, const char *controller, const char *mnt,
		  const char *mroot, char *buf, size_t n, char *why, size_t why_n);

/* The first mount in opt->mounts (mountinfo format) of fstype under
 * opt->fs_root whose super options list controller (NULL: any). Fills the
 * mount point, its root and the controllers of its super options (comma
 * separated, known v1 controller names only). Returns 0 or -ENOENT/-errno. */
int cg_mount_find(const struct cg_options *opt, const char *fstype, const char *controller,
		  char *mnt, char *mroot, char *ctrls, size_t n);

/* Path helpers: dir + "/" + file into buf of n; -ENAMETOOLONG. */
int cg_join(char *buf, size_t n, const char *dir, const char *file);

/* Write val to dir/file (O_TRUNC, one write). optional: an absent file is
 * not an error and returns 1. Returns 0, 1 or -errno with err filled. */
int cg_file_write(const char *dir, const char *file, const char *val, bool optional,
		  struct jb_err *err);
int cg_file_write_u64(const char *dir, const char *file, uint64_t val, bool optional,
		      struct jb_err *err);
/* Read dir/file into buf (NUL-terminated). Returns its length or -errno. */
ssize_t cg_file_read(const char *dir, const char *file, char *buf, size_t n);
/* cg_file_read and cg_file_write on cg's kept descriptors (struct cg_kept);
 * on a fake tree, whose tests rewrite files whole, by path. cg_u64 reads one
 * number ("max" = UINT64_MAX), cg_key_u64 a "key N" line of a flat keyed
 * file: 0 or -errno (-ENOENT for an absent file or key) with err filled (err
 * may be NULL when the caller handles -ENOENT itself). */
ssize_t cg_read(struct cg *cg, const char *dir, const char *file, char *buf, size_t n);
int cg_write(struct cg *cg, const char *dir, const char *file, const char *val, bool optional,
	     struct jb_err *err);
int cg_u64(struct cg *cg, const char *dir, const char *file, uint64_t *ret, struct jb_err *err);
int cg_key_u64(struct cg *cg, const char *dir, const char *file, const char *key, uint64_t *ret,
	       struct jb_err *err);
/* Open dir/file O_RDONLY|O_CLOEXEC (created empty on a fake tree, where no
 * kernel populates a fresh directory). Returns the fd or -errno. */
int cg_file_open_ro(const struct cg_root *root, const char *dir, const char *file,
		    struct jb_err *err);

/* Pure parsers, stack only (used in a forked child). */
int cg_parse_u64(const char *s, uint64_t *ret);
int cg_keyed_u64(const char *text, const char *key, uint64_t *ret);
/* Does the list (words split by spaces, commas or newlines) hold word? */
bool cg_list_has(const char *list, const char *word);
/* pread the whole small file behind fd into buf (NUL-terminated). */
ssize_t cg_pread_all(int fd, char *buf, size_t n);

/* SIGKILL every process listed in the cgroup.procs of every job directory,
 * until none is listed (up to 100 rounds). 0, or -EBUSY with err filled. */
int cg_kill_loop(struct cg *cg, struct jb_err *err);
/* One pass over dir/cgroup.procs: SIGKILL each. Returns how many were listed. */
int cg_kill_listed(const char *dir, struct jb_err *err);
void cg_sleep_ms(unsigned ms);
