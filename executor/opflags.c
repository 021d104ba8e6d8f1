#include "opflags.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The field of o that entry f sets. */
static void *field(struct opflags *o, const struct opflag *f)
{
	return (char *) o + f->offset;
}

static int set_string(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	*(const char **) field(o, f) = a;
	return 0;
}

static int set_u32(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	uint64_t v;
	int r = lim_parse_uint(a, UINT32_MAX, &v, err);
	if (r >= 0)
		*(uint32_t *) field(o, f) = (uint32_t) v;
	return r;
}

static int set_size(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	return lim_parse_size(a, field(o, f), err);
}

static int set_seconds(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	return lim_parse_seconds(a, field(o, f), err);
}

/* --cpus 0,1 or 0-1,2-3: one group per slot, comma separated; repeated flags
 * append. Each group is checked now, so a typo is a usage error of every
 * command rather than a failure when the supervisor starts. */
static int add_cpus(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	for (const char *p = a; *p; p += *p == ',') {
		size_t len = strcspn(p, ",");
		if (len == 0)
			continue;
		if (o->n_cpu_groups >= ARRAY_SIZE(o->cpu_groups))
			return jb_invalid(err, "--cpus: too many groups in '%s'", a);
		char *g = strndup(p, len);
		cpu_set_t set;
		if (!g)
			return jb_fail(err, ENOMEM, "--cpus: copy '%s'", a);
		int r = lim_parse_cpu_group(g, &set, err);
		if (r < 0) {
			free(g);
			return r;
		}
		o->cpu_groups[o->n_cpu_groups++] = g;
		p += len;
	}
	return o->n_cpu_groups ? 0 : jb_invalid(err, "--cpus: no CPU in '%s'", a);
}

static int add_allowed(struct opflags *o, const struct opflag *f, const char *a, struct jb_err *err)
{
	return opflags_allow_rootfs(o, a, err);
}

#define F(name) offsetof(struct opflags, name)
#define C(name) offsetof(struct opflags, ceilings.name)
static const struct opflag table[] = {
	{"--parallel", 1, set_u32, F(parallel), "N     jobs at once (1)"},
	{"--cpus", 1, add_cpus, 0, "LIST   pin slot i to group i (0,1 or 0-1,2-3)"},
	{"--uid-base", 1, set_u32, F(uid_base),
	 "N  (root) host ids N..N+4*parallel+1 for the boxes (60000)"},
	{"--allow-rootfs", 1, add_allowed, 0, "DIR Jobs may name DIR as rootfs"},
	{"--cgroup-parent", 1, set_string, F(cgroup_parent), "P job cgroups go under P"},
	{"--cgroup", 1, set_string, F(cgroup_force), "v2|v1|none force a backend"},
	{"--max-time", 1, set_seconds, C(cpu_time_ms), "S     ceiling for limits.cpu_time_ms"},
	{"--max-wall-time", 1, set_seconds, C(wall_time_ms), "S ceiling for wall time"},
	{"--max-memory", 1, set_size, C(memory_bytes), "SIZE ceiling for memory"},
	{"--max-processes", 1, set_u32, C(processes), "N ceiling for processes"},
	{"--max-output", 1, set_size, C(output_bytes), "SIZE ceiling for output"},
	{"--max-file-size", 1, set_size, C(file_size_bytes), "SIZE ceiling for file size"},
	{"--max-stack", 1, set_size, C(stack_bytes), "SIZE ceiling for stack"},
	{"--max-open-files", 1, set_u32, C(open_files), "N ceiling for open files"},
	{"--max-box-size", 1, set_size, C(box_bytes), "SIZE ceiling for box size"},
};

void opflags_init(struct opflags *o)
{
	*o = (struct opflags){.parallel = 1, .uid_base = 60000};
	lim_ceilings_default(&o->ceilings);
}

void opflags_free(struct opflags *o)
{
	for (size_t i = 0; i < o->n_allowed; i++)
		free(o->allowed[i]);
	for (size_t i = 0; i < o->n_cpu_groups; i++)
		free(o->cpu_groups[i]);
	opflags_init(o);
}

const struct opflag *opflags_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len))
			return &table[i];
	return NULL;
}

const struct opflag *opflags_at(size_t i)
{
	return i < ARRAY_SIZE(table) ? &table[i] : NULL;
}

int opflags_set(struct opflags *o, const struct opflag *f, const char *value, struct jb_err *err)
{
	if (f->has_arg && !value)
		return jb_invalid(err, "flag '%s' needs a value", f->name);
	return f->fn(o, f, value, err);
}

int opflags_allow_rootfs(struct opflags *o, const char *dir, struct jb_err *err)
{
	if (o->n_allowed >= ARRAY_SIZE(o->allowed))
		return jb_invalid(err, "too many --allow-rootfs at '%s'", dir);
	char *canon = realpath(dir, NULL);
	if (!canon)
		return jb_invalid(err, "--allow-rootfs: '%s' does not exist", dir);
	o->allowed[o->n_allowed++] = canon;
	return 0;
}

struct job_config opflags_job_config(const struct opflags *o)
{
	return (struct job_config){.ceilings = o->ceilings,
				   .allowed_rootfs = (const char *const *) o->allowed,
				   .n_allowed_rootfs = o->n_allowed};
}

struct cg_options opflags_cg_options(const struct opflags *o)
{
	return (struct cg_options){.fs_root = "/sys/fs/cgroup",
				   .self_cgroup = "/proc/self/cgroup",
				   .mounts = "/proc/self/mountinfo",
				   .parent = o->cgroup_parent,
				   .force = o->cgroup_force};
}

struct sup_config opflags_sup_config(const struct opflags *o, struct cg_root *cg)
{
	return (struct sup_config){.job = opflags_job_config(o),
				   .cg_root = cg,
				   .parallel = o->parallel,
				   .host_uid_base = o->uid_base,
				   .cpu_groups = (const char *const *) o->cpu_groups,
				   .n_cpu_groups = o->n_cpu_groups};
}
