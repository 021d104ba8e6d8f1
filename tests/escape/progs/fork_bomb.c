// escape: fork bomb (every child forks forever) under ci with --processes 16: host unaffected
// expect: OK
// run: --policy ci --processes 16
// args: {token}
// check: stdout~ok: fork failed
#include "esc.h"
#include <signal.h>
#include <time.h>

int main(void)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int children = 0, failed = 0, err = 0;
	/* the main process forks until the pids limit answers, then waits */
	while (!failed) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				(void) fork(); /* the bomb proper: children never stop */
		}
		if (p < 0) {
			failed = 1;
			err = errno;
		} else {
			children++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			break;
	}
	if (failed)
		esc_ok("fork failed after %d children: %s", children, strerror(err));
	else
		esc_bad("%d forks in 5 s and no limit", children);
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL); /* let the bomb run against the limit for a while */
	return esc_done();    /* the bomb dies with the main process */
}
