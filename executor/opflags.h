#pragma once
/* The operator's flags: what the person starting judgebox (not a Job) decides,
 * namely limit ceilings, allowed root filesystems, slots, cgroups, CPU pinning
 * and host uids. `exec`, `run` and `worker` take the same ones, so there is one
 * table here and each command's parser consults it after its own flags. No
 * printing: the callers word usage errors and help in their own style. */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "err.h"
#include "lim.h"
#include "supervisor.h"

#define OPFLAGS_MAX_ROOTFS 64

/* What the flags say. Strings from --cgroup* are borrowed from argv; the
 * allowed paths and CPU groups are owned (opflags_free). */
struct opflags {
	struct lim ceilings;
	char *allowed[OPFLAGS_MAX_ROOTFS]; /* canonical absolute paths */
	size_t n_allowed;
	uint32_t parallel; /* 0 is taken as 1 by the supervisor */
	uint32_t uid_base;
	const char *cgroup_parent, *cgroup_force;
	char *cpu_groups[CPU_SETSIZE]; /* "3", "2-5": as given, one per slot */
	size_t n_cpu_groups;
};

struct opflag;
typedef int (*opflag_fn)(struct opflags *o, const struct opflag *f, const char *value,
			 struct jb_err *err);

/* One entry of the table; help starts with the value's name ("N", "SIZE"). */
struct opflag {
	const char *name; /* "--max-memory" */
	bool has_arg;
	opflag_fn fn;
	size_t offset; /* of the field in struct opflags that fn sets */
	const char *help;
};

/* The defaults: ceilings from lim_ceilings_default, 1 slot, uid base 60000. */
void opflags_init(struct opflags *o);

/* Free what the flags allocated and reset o to the defaults. */
void opflags_free(struct opflags *o);

/* The flag called name (its first len bytes, so "--flag=value" needs no
 * copy), or NULL. */
const struct opflag *opflags_find(const char *name, size_t len);

/* The table in help order, for the callers' --help: entry i, NULL past the end. */
const struct opflag *opflags_at(size_t i);

/* Apply flag f with value (NULL for a switch). -EINVAL with err filled
 * (JB_ERR_INVALID, the flag named) for a bad value; o keeps what it had. */
int opflags_set(struct opflags *o, const struct opflag *f, const char *value, struct jb_err *err);

/* Allow dir as a Job rootfs (what --allow-rootfs does): canonicalised. */
int opflags_allow_rootfs(struct opflags *o, const char *dir, struct jb_err *err);

/* What jobs may ask for, the cgroup options, and the supervisor config the
 * flags make. All borrow from o, which must outlive them; cg is borrowed. */
struct job_config opflags_job_config(const struct opflags *o);
struct cg_options opflags_cg_options(const struct opflags *o);
struct sup_config opflags_sup_config(const struct opflags *o, struct cg_root *cg);
