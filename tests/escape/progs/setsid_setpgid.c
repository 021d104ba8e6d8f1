// escape: new session and process groups (setsid, setpgid) to slip out of a group kill
// expect: OK
// run: --policy ci
// args: {token}
// check: wall<5
#include "esc.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	/* the program is a session leader already: setsid must fail */
	ESC_REFUSED(setsid(), "setsid of the program (already a leader)");
	if (setpgid(0, 0) < 0)
		esc_ok("setpgid(0, 0) of a session leader: %s", strerror(errno));
	ESC_REFUSED(setpgid(1, getpid()), "setpgid(init)");
	for (int i = 0; i < 3; i++) {
		pid_t p = fork();
		if (p == 0) {
			if (i == 0)
				setsid();
			else
				setpgid(0, 0);
			signal(SIGHUP, SIG_IGN);
			sleep(300);
			_exit(0);
		}
	}
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	esc_ok("children in their own session and groups; main exits");
	return esc_done();
}
