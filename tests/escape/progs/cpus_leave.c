// escape: a job pinned by --cpus moves itself (sched_setaffinity) onto the other CPUs
// expect: OK
// run: --cpus 0
// check: denied~sched_setaffinity
// check: cpus=0
// check: stdout~ok: still on CPU 0 only
#include "esc.h"
#include <sched.h>

static const char *set_str(const cpu_set_t *s, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && at + 8 < n; c++)
		if (CPU_ISSET(c, s))
			at += (size_t) snprintf(buf + at, n - at, "%s%d", at ? "," : "", c);
	return buf;
}

int main(void)
{
	cpu_set_t mine, want, all, now;
	char b1[256], b2[256];
	CPU_ZERO(&want);
	CPU_SET(0, &want);
	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		esc_broken("sched_getaffinity: %s", strerror(errno));
	if (!CPU_EQUAL(&mine, &want))
		esc_bad("started on CPUs %s, not 0", set_str(&mine, b1, sizeof(b1)));
	/* every CPU there is, then every one but its own (the other slots' and
	 * the supervisor's), then through the thread's id instead of 0 */
	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	cpu_set_t others = all;
	CPU_CLR(0, &others);
	if (sched_setaffinity(0, sizeof(all), &all) == 0)
		esc_bad("sched_setaffinity(0, all CPUs) succeeded");
	if (sched_setaffinity(0, sizeof(others), &others) == 0)
		esc_bad("sched_setaffinity(0, CPUs 1-) succeeded");
	if (sched_setaffinity((pid_t) syscall(SYS_gettid), sizeof(all), &all) == 0)
		esc_bad("sched_setaffinity(tid, all CPUs) succeeded");
	else
		esc_ok("sched_setaffinity: %s", strerror(errno));
	/* where it runs now: ask a few times, the scheduler moves tasks */
	for (int i = 0; i < 200; i++) {
		int cpu = sched_getcpu();
		if (cpu != 0)
			esc_bad("running on CPU %d", cpu);
		if (cpu != 0)
			break;
		sched_yield();
	}
	if (sched_getaffinity(0, sizeof(now), &now) < 0 || !CPU_EQUAL(&now, &want))
		esc_bad("affinity now %s (was %s)", set_str(&now, b1, sizeof(b1)),
			set_str(&mine, b2, sizeof(b2)));
	else
		esc_ok("still on CPU 0 only");
	return esc_done();
}
