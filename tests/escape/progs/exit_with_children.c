// escape: exit while children spin and sleep (daemonise): the children must die with the job
// expect: OK
// run: --policy ci
// args: {token}
// check: wall<5
// check: cpu<3
#include "esc.h"
#include <signal.h>

int main(void)
{
	for (int i = 0; i < 3; i++)
		if (fork() == 0) {
			signal(SIGTERM, SIG_IGN);
			for (volatile unsigned long x = 0;; x++) /* spin */
				;
		}
	if (fork() == 0) {
		setsid();
		sleep(300);
		_exit(0);
	}
	esc_ok("main exits with 4 children running");
	return esc_done();
}
