// escape: lower init's rlimits (same uid) with prlimit, then make init burn CPU until it dies
// expect: OK
#include "esc.h"
#include <sys/resource.h>
#include <time.h>

int main(void)
{
	struct rlimit cpu = {1, 1}, nofile = {4, 4}, as = {1 << 20, 1 << 20};
	int r1 = prlimit(1, RLIMIT_CPU, &cpu, NULL);
	ESC_REFUSED(r1, "prlimit(1, RLIMIT_CPU, 1 s)");
	ESC_REFUSED(prlimit(1, RLIMIT_NOFILE, &nofile, NULL), "prlimit(1, RLIMIT_NOFILE, 4)");
	ESC_REFUSED(prlimit(1, RLIMIT_AS, &as, NULL), "prlimit(1, RLIMIT_AS, 1 MiB)");
	ESC_REFUSED(setpriority(PRIO_PROCESS, 1, 19), "setpriority(init, 19)");
	if (r1 == 0) {
		/* Every denied probe (clone3: ENOSYS) is a notification init
		 * handles: 1 s of its CPU and RLIMIT_CPU ends it. */
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (int i = 0; i < 1000; i++)
				(void) syscall(SYS_clone3, NULL, 0);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (t.tv_sec - t0.tv_sec < 4);
		printf("info: init survived 4 s of notifications\n");
	}
	return esc_done();
}
