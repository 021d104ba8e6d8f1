// escape: watch the host's /usr/bin (inotify, fanotify, dnotify) to see which programs others start
// expect: OK
// check: denied~inotify_init1
// check: denied~inotify_add_watch
// check: denied~fanotify_init
// check: denied~fcntl
#include "esc.h"
#include <sys/fanotify.h>
#include <sys/inotify.h>

/* r (already made) must have failed with errno want. */
static void refused_with(long r, int want, const char *what)
{
	if (r >= 0)
		esc_bad("%s succeeded (%ld)", what, r);
	else if (errno != want)
		esc_bad("%s: %s, expected %s", what, strerror(errno), strerror(want));
	else
		esc_ok("%s: %s", what, strerror(errno));
}

int main(void)
{
	refused_with(syscall(SYS_inotify_init1, IN_CLOEXEC), ENOSYS, "inotify_init1");
	refused_with(syscall(SYS_inotify_init), ENOSYS, "inotify_init");
	/* an inotify descriptor the program could not have: the call is refused
	 * before the kernel looks at it */
	refused_with(syscall(SYS_inotify_add_watch, 0, "/usr/bin", IN_OPEN | IN_ACCESS), ENOSYS,
		     "inotify_add_watch('/usr/bin')");
	refused_with(syscall(SYS_fanotify_init, FAN_CLASS_NOTIF, O_RDONLY), ENOSYS,
		     "fanotify_init");
	int dir = open("/usr/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		esc_broken("open /usr/bin: %s", strerror(errno));
	refused_with(fcntl(dir, F_NOTIFY, DN_ACCESS | DN_MULTISHOT), EINVAL,
		     "fcntl(F_NOTIFY) on /usr/bin");
	/* the program goes on after the refusals */
	printf("ok: still running\n");
	return esc_done();
}
