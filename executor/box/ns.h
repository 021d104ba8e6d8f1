#pragma once
/* Namespaces: clone flags, uid/gid maps, hostname, loopback. */
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

/* Write /proc/PID/{uid_map,setgroups,gid_map} so that NS_BOX_UID/GID inside
 * map to host_uid/host_gid outside, and nothing else (uid 0 stays unmapped). */
int ns_write_id_maps(pid_t pid, uid_t host_uid, gid_t host_gid, struct jb_err *err);

/* In the new UTS namespace. */
int ns_set_hostname(const char *name, struct jb_err *err);

/* Bring up "lo" in the new network namespace (it starts down). */
int ns_loopback_up(struct jb_err *err);
