// escape: perf_event_open (side channels, kernel bugs): an errno (ENOSYS), not a kill
// expect: OK
// check: denied~perf_event_open
#include "esc.h"
#include <linux/perf_event.h>

int main(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	long r = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (r < 0 && errno == ENOSYS)
		esc_ok("perf_event_open: ENOSYS");
	else if (r < 0)
		esc_bad("perf_event_open: %s, not ENOSYS", strerror(errno));
	else
		esc_bad("perf_event_open gave fd %ld", r);
	return esc_done();
}
