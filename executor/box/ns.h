#pragma once
/* Namespaces: clone flags, uid/gid maps, hostname, loopback. */
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* The namespaces every job gets. The supervisor clones init into new user
 * and pid namespaces (a pid namespace cannot be entered later); init, root
 * of its user namespace, unshares the rest itself as its first step: the
 * network namespace alone costs about 0.3 ms to set up, which then runs on
 * init's CPU time, beside the supervisor's loop instead of inside it. The
 * namespaces are the same either way: all owned by the job's user namespace.
 * The cgroup namespace comes last, once init sits in the job's cgroup, so
 * that the job's cgroup is its root. */
#define NS_CLONE_FLAGS	 (CLONE_NEWUSER | CLONE_NEWPID)
#define NS_UNSHARE_FLAGS (CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)

/* The uid and gid the box user has inside every job's user namespace. */
#define NS_BOX_UID 1000
#define NS_BOX_GID 1000
/* init's own, when it has one: the namespace's root. */
#define NS_INIT_UID 0
#define NS_INIT_GID 0

/* The host ids a box maps: the box user's, and init's own (own_init false: init
 * shares the box user's, as an unprivileged caller can map one id only). */
struct ns_ids {
	uid_t box_uid;
	gid_t box_gid;
	uid_t init_uid;
	gid_t init_gid;
	bool own_init;
};

/* Write /proc/PID/{uid_map,setgroups,gid_map} so that NS_BOX_UID/GID inside
 * map to ids->box_*, and (own_init) NS_INIT_UID/GID to ids->init_*; nothing
 * else is mapped (host uid 0 never is). */
int ns_write_id_maps(pid_t pid, const struct ns_ids *ids, struct jb_err *err);

/* In the new UTS namespace. */
int ns_set_hostname(const char *name, struct jb_err *err);

/* Bring up "lo" in the new network namespace (it starts down). */
int ns_loopback_up(struct jb_err *err);
