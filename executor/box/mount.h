#pragma once
/* The box's file system view: a read-only root (the host's default view or an
 * operator-allowed rootfs), fresh /proc, a minimal /dev, one tmpfs of
 * box_bytes behind /box, /tmp and /dev/shm, and an optional read-only view of
 * the job's cgroup at /sys/fs/cgroup. Runs in init, in the new mount and user
 * namespaces, before pivot_root; nothing is visible on the host. */
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "err.h"

struct mnt_config {
	const char *rootfs;	  /* host dir used as /, NULL = default view */
	uint64_t box_bytes;	  /* size of the tmpfs behind /box, /tmp, /dev/shm */
	const struct cg_view *cg; /* cgroup dirs to show at /sys/fs/cgroup */
	size_t n_cg;
	bool cg_points;	 /* mnt_enter makes the views' mount points (known late) */
	int template_fd; /* mnt_template_build's tree, or -1: build it here */
};

/* Read what the default view copies of the host's /etc, once per process,
 * so that each job's init only writes it out. Optional: mnt_stage does it
 * itself when it was not done. */
int mnt_prepare(struct jb_err *err);
void mnt_prepare_free(void);
bool mnt_prepared(void);

/* The prepared plan as one flat buffer, for an init cloned before it was
 * made (a process's first job reads /etc while its init unshares): the
 * bytes written, 0 when there is no plan or it does not fit in n. */
size_t mnt_plan_export(void *buf, size_t n);
/* Make buf (from mnt_plan_export; it must stay mapped) this process's plan. */
int mnt_plan_import(const void *buf, size_t n);

/* Build the default view's read-only root once, as a detached mount (fd in
 * *ret_fd) that every later job's init copies with one open_tree() instead
 * of building it: the same directories, links, /etc files and read-only
 * binds, and for cfg's cgroup view names the mount points. Needs the new
 * mount API and CAP_SYS_ADMIN (a root supervisor); the caller goes on
 * without a template when this fails. Shared by the jobs, so it is sealed:
 * read-only mount and superblock, private, no atime. */
int mnt_template_build(const struct mnt_config *cfg, int *ret_fd, struct jb_err *err);

/* Build the view in two steps. mnt_stage: everything but what comes from
 * the job's cgroup, under a staging directory. mnt_enter, once the cgroup
 * directories of cfg->cg exist: the job's own mounts (/proc, /box, /tmp,
 * /dev/shm, the cgroup views), then pivot; on return "/" is the box's
 * root, read-only, and the cwd is /box. */
int mnt_stage(const struct mnt_config *cfg, struct jb_err *err);
int mnt_enter(const struct mnt_config *cfg, struct jb_err *err);

/* Create path (relative to /box, parents made 0755) with content and mode
 * 0644 or 0755, never following a symlink. Called after mnt_enter. */
int mnt_place_file(const char *rel, const void *content, size_t len, int executable,
		   struct jb_err *err);
