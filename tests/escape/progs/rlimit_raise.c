// escape: raise its hard rlimits (CPU, address space, files, processes) past the job's limits
// expect: OK
#include "esc.h"
#include <sys/resource.h>

static void try_raise(int res, const char *name)
{
	struct rlimit old, rl;
	if (getrlimit(res, &old) < 0)
		esc_broken("getrlimit %s: %s", name, strerror(errno));
	if (old.rlim_max == RLIM_INFINITY) {
		esc_ok("%s: hard limit already unlimited (not a job limit)", name);
		return;
	}
	rl.rlim_cur = RLIM_INFINITY;
	rl.rlim_max = RLIM_INFINITY;
	char what[64];
	snprintf(what, sizeof(what), "setrlimit(%s, infinity)", name);
	ESC_REFUSED(setrlimit(res, &rl), what);
	rl.rlim_cur = rl.rlim_max = old.rlim_max + 1;
	snprintf(what, sizeof(what), "setrlimit(%s, hard + 1)", name);
	ESC_REFUSED(setrlimit(res, &rl), what);
	snprintf(what, sizeof(what), "prlimit(0, %s, infinity)", name);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	ESC_REFUSED(prlimit(0, res, &rl, NULL), what);
	struct rlimit now;
	getrlimit(res, &now);
	if (now.rlim_max != old.rlim_max)
		esc_bad("%s hard limit changed %llu -> %llu", name,
			(unsigned long long) old.rlim_max, (unsigned long long) now.rlim_max);
}

int main(void)
{
	try_raise(RLIMIT_NOFILE, "RLIMIT_NOFILE");
	try_raise(RLIMIT_FSIZE, "RLIMIT_FSIZE");
	try_raise(RLIMIT_STACK, "RLIMIT_STACK");
	try_raise(RLIMIT_CPU, "RLIMIT_CPU");
	try_raise(RLIMIT_NPROC, "RLIMIT_NPROC");
	try_raise(RLIMIT_AS, "RLIMIT_AS");
	try_raise(RLIMIT_CORE, "RLIMIT_CORE");
	return esc_done();
}
