#pragma once
/* One interface over the per-job cgroup backends: cgroup v2 (unified, or a
 * delegated subtree owned by the user) and cgroup v1 (memory, pids, cpuacct
 * hierarchies), or none (rlimits). Only cgroup.c knows the two backends
 * (cgroup-v1.c, cgroup-v2.c). Every path is under a root given as a
 * parameter so the unit tests run both versions against a fake tree. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum cg_backend {
	CG_BACKEND_NONE = 0, /* no usable cgroup: rlimits only */
	CG_BACKEND_V2 = 1,
	CG_BACKEND_V2_DELEGATED = 2,
	CG_BACKEND_V1 = 3,
};

/* Where job cgroups are made: chosen once per process. */
struct cg_root;

/* Options for the choice. fs_root: the cgroup mount ("/sys/fs/cgroup").
 * self_cgroup: a file in /proc/self/cgroup's format. mounts: a file in
 * /proc/self/mountinfo's format, or NULL to look only at fs_root's layout.
 * parent: the operator's --cgroup-parent (relative to each hierarchy), or NULL
 * for "the cgroup judgebox runs in". force: NULL (auto), "v2", "v1", "none". */
struct cg_options {
	const char *fs_root;
	const char *self_cgroup;
	const char *mounts;
	const char *parent;
	const char *force;
	/* A process of one or two jobs: on v1 each job's cgroup is made right
	 * under the parent as judgebox-PID-NAME, with no judgebox-PID base (a
	 * mkdir and an rmdir less per hierarchy, and as much kernel work less
	 * destroying them). */
	bool flat;
};

/* Probe and choose a backend. Never fails for lack of cgroups (that picks
 * CG_BACKEND_NONE, with the reason kept for cg_describe); fails for an
 * explicit --cgroup-parent or force that cannot be honoured. */
int cg_root_open(const struct cg_options *opt, struct cg_root **ret, struct jb_err *err);
/* The same, except that the automatic choice (no force, no parent: it
 * cannot fail) waits for cg_root_probe: a single run probes while its init
 * unshares its namespaces, not before the clone. Until then the root is
 * pending and has no backend. */
int cg_root_open_lazy(const struct cg_options *opt, struct cg_root **ret, struct jb_err *err);
bool cg_root_pending(const struct cg_root *root);
/* Probe a pending root (else nothing). */
int cg_root_probe(struct cg_root *root, struct jb_err *err);
void cg_root_free(struct cg_root *root);
/* Remove the judgebox-PID directories this process made, once no job
 * cgroup is left in them (cg_root_free does it too); a later cg_make makes
 * them again. */
void cg_root_release(struct cg_root *root);
enum cg_backend cg_root_backend(const struct cg_root *root);
/* Remove the judgebox-PID directories of dead judgebox processes (killed
 * before their cleanup), once per process: six directory listings, so the
 * supervisor does it while a job runs, not on its way to start. */
void cg_root_sweep(struct cg_root *root);
const char *cg_backend_name(enum cg_backend b); /* "cgroup v2", "cgroup v1", ... */
/* Several lines: backend, why it was chosen, the paths used. */
int cg_root_describe(const struct cg_root *root, char *buf, size_t n);

/* One job's cgroup(s). */
struct cg;

/* Create a fresh cgroup named name under the root's parent (all v1
 * hierarchies at once). Nothing is left behind on failure. */
int cg_create(struct cg_root *root, const char *name, struct cg **ret, struct jb_err *err);
/* cg_create in two steps: cg_plan only names the directories (cg_views
 * knows them then; no system call), cg_make creates them. A planned cgroup
 * that was never made is freed by cg_destroy. */
int cg_plan(struct cg_root *root, const char *name, struct cg **ret, struct jb_err *err);
int cg_make(struct cg *cg, struct jb_err *err);

/* memory limit (swap off: memsw/swap.max equal or 0) and pids.max. */
int cg_set_limits(struct cg *cg, uint64_t memory_bytes, uint32_t pids_max, struct jb_err *err);

/* v1: descriptors (O_WRONLY, opened with our credentials, which the kernel
 * checks) of each hierarchy's "tasks" file, through which a single-threaded
 * process moves itself by writing "0" (cg_self_attach). Moving oneself
 * skips the threadgroup lock whose RCU grace period makes writing a pid to
 * cgroup.procs cost 5-15 ms on v1. Returns the count; 0 on v2 (use
 * cg_attach: a v2 move of a whole process takes that lock anyway). Closed
 * by cg_destroy. */
size_t cg_self_attach_fds(struct cg *cg, int *ret, size_t max);
/* v1: descriptors of the "tasks" files of the cgroups judgebox runs in,
 * through which an init whose job is over moves itself out of the job's
 * cgroups (cg_self_attach): they can be removed or reused without waiting
 * for its exit, which tears its namespaces down. 0 on v2 and fake trees.
 * Owned by the root. */
size_t cg_leave_fds(struct cg_root *root, int *ret, size_t max);
/* Write "0" to each fd: no allocation, for init. */
int cg_self_attach(const int *fds, size_t n);

/* Move a process into the job's cgroup(s). */
int cg_attach(struct cg *cg, pid_t pid, struct jb_err *err);

#define CG_CPU_FDS 3 /* v1: usage, usage_user, usage_sys; v2: cpu.stat only */

struct cg_cpu {
	uint64_t usage_us;
	uint64_t user_us;
	uint64_t system_us;
};
/* Read CPU usage through descriptors opened at cg_create: only pread, no
 * allocation, so the program's process may call it just before exec. */
int cg_read_cpu(const struct cg *cg, struct cg_cpu *ret);

/* The descriptors cg_read_cpu reads, by position (-1: not used), for a
 * process that gets copies of them (init); it reads its copies with
 * cg_read_cpu_fds. */
void cg_cpu_fd_slots(const struct cg *cg, int ret[CG_CPU_FDS]);
int cg_read_cpu_fds(enum cg_backend backend, const int fds[CG_CPU_FDS], struct cg_cpu *ret);

struct cg_stats {
	struct cg_cpu cpu;
	uint64_t memory_peak_bytes;
	uint64_t oom_kills;	/* times the OOM killer acted in the cgroup */
	bool memory_peak_exact; /* false when the peak is a best effort */
	uint64_t pids_max_hits; /* fork failures at pids.max, where known */
};
int cg_read_stats(struct cg *cg, struct cg_stats *ret, struct jb_err *err);

/* Ready an empty cgroup that held a finished job for the next one, so a
 * stream skips a mkdir and rmdir per hierarchy and job: peaks and CPU are
 * reset, counters that cannot be are kept as a baseline cg_read_stats
 * subtracts. -EBUSY when a task remains; -ENOTSUP on v2 (memory.peak cannot
 * be reset before Linux 6.12) and fake trees: destroy and create instead. */
int cg_reuse(struct cg *cg, struct jb_err *err);

/* Close the descriptors an emptied cgroup keeps (its CPU counters, its
 * tasks files, the files it read and wrote) while it waits for reuse: an
 * idle worker's open files stay flat however many spares it holds. They
 * are opened again on use. */
void cg_park(struct cg *cg);

/* Kill every task (cgroup.kill on v2; freeze, kill, thaw on v1). */
int cg_kill_all(struct cg *cg, struct jb_err *err);

/* Kill what is left, remove the cgroup(s), free. NULL is a no-op. */
void cg_destroy(struct cg *cg);
static inline void cg_destroyp(struct cg **cg)
{
	if (*cg)
		cg_destroy(*cg);
}

/* Host directories of the job's cgroup, for a read-only view inside the box:
 * v2: one entry (mount at /sys/fs/cgroup); v1: one per hierarchy with its
 * controller name ("memory", "pids", "cpu,cpuacct"). Returns the count. */
struct cg_view {
	const char *name; /* "" for v2, else the hierarchy's mount name */
	const char *path; /* absolute host path of the job's cgroup in it */
};
size_t cg_views(const struct cg *cg, struct cg_view *ret, size_t max);
