// escape: leave zombies and orphans (double fork, sleeping 300 s) behind: all must die
// expect: OK
// run: --policy ci
// args: {token}
// check: wall<5
#include "esc.h"
#include <signal.h>
#include <time.h>

int main(void)
{
	for (int i = 0; i < 4; i++)
		if (fork() == 0)
			_exit(0); /* never reaped: a zombie */
	for (int i = 0; i < 4; i++) {
		if (fork() == 0) {
			if (fork() == 0) {
				signal(SIGHUP, SIG_IGN);
				signal(SIGTERM, SIG_IGN);
				sleep(300); /* orphan, reparented to init */
				_exit(0);
			}
			_exit(0);
		}
	}
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	esc_ok("left 4 zombies and 4 orphans");
	return esc_done();
}
