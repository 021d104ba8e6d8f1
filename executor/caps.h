#pragma once
/* Capabilities, no_new_privs and the user switch. */
#include "err.h"

/* Become uid/gid in the current user namespace (all of real, effective and
 * saved ids). Keeps the capabilities the namespace gave us: the previous uid
 * is not the namespace's root, so the kernel's setuid rule does not apply. */
int caps_switch_user(unsigned uid, unsigned gid, struct jb_err *err);

/* Drop every capability (bounding, ambient, inheritable, permitted,
 * effective) and set no_new_privs. Runs between fork and exec in a
 * single-threaded process (libcap allocates). */
int caps_drop_all(struct jb_err *err);
