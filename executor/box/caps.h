#pragma once
/* Capabilities, no_new_privs and the user switch. */
#include <stdbool.h>

#include "err.h"

/* Become uid/gid in the current user namespace (all of real, effective and
 * saved ids). Keeps the capabilities the namespace gave us: the previous uid
 * is not the namespace's root, so the kernel's setuid rule does not apply. */
int caps_switch_user(unsigned uid, unsigned gid, struct jb_err *err);

/* Empty the bounding set (a call per capability the kernel knows). The
 * capabilities held stay; no later execve can gain one. init does it once
 * its set-up is done, while it waits for 'G': its children inherit the
 * empty set, and the program's process has 41 system calls less to make. */
int caps_drop_bounding(struct jb_err *err);

/* Drop every capability left (ambient, inheritable, permitted, effective;
 * the bounding set too unless bounding_dropped) and set no_new_privs.
 * Runs between fork and exec in a single-threaded process (libcap
 * allocates). */
int caps_drop_all(bool bounding_dropped, struct jb_err *err);
