#include "caps.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

int caps_switch_user(unsigned uid, unsigned gid, struct jb_err *err)
{
	if (setresgid(gid, gid, gid) < 0)
		return jb_fail(err, errno, "switch to gid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return jb_fail(err, errno, "switch to uid %u", uid);
	return 0;
}

int caps_drop_bounding(struct jb_err *err)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		/* EINVAL: the running kernel does not know this capability. */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return jb_fail(err, errno, "drop capability %d from the bounding set", c);
	}
	return 0;
}

int caps_drop_all(bool bounding_dropped, struct jb_err *err)
{
	int r = bounding_dropped ? 0 : caps_drop_bounding(err);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return jb_fail(err, errno, "clear the ambient capabilities");
	cap_t none = cap_init(); /* every flag of every capability clear */
	if (!none)
		return jb_fail(err, errno, "allocate a capability state");
	int rc = cap_set_proc(none);
	int saved = errno;
	cap_free(none);
	if (rc < 0)
		return jb_fail(err, saved, "drop all capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jb_fail(err, errno, "set no_new_privs");
	return 0;
}
