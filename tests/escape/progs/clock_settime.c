// escape: set the host's clock back to 2000 with clock_settime(CLOCK_REALTIME)
// expect: SYSCALL_VIOLATION clock_settime
// host: clock
#include "esc.h"
#include <time.h>

int main(void)
{
	struct timespec ts = {946684800, 0};
	long r = clock_settime(CLOCK_REALTIME, &ts);
	esc_survived("clock_settime", r);
}
