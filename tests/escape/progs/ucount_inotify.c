// escape: use up inotify instances; the count must not be the host's (root's) own
// expect: OK
// run: --policy ci
// host: inotify_during
#include "esc.h"
#include <sys/inotify.h>

int main(void)
{
	int n = 0;
	while (n < 250 && inotify_init1(IN_CLOEXEC) >= 0)
		n++;
	printf("info: %d inotify instances (%s)\n", n, strerror(errno));
	fflush(stdout);
	close(open("/box/ready", O_WRONLY | O_CREAT, 0644)); /* the runner waits for it */
	sleep(3); /* the runner tries inotify_init1 on the host meanwhile */
	return esc_done();
}
