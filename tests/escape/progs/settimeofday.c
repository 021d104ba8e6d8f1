// escape: set the host's clock back to 2000 with settimeofday
// expect: SYSCALL_VIOLATION settimeofday
// host: clock
#include "esc.h"
#include <sys/time.h>

int main(void)
{
	struct timeval tv = {946684800, 0};
	long r = syscall(SYS_settimeofday, &tv, NULL);
	esc_survived("settimeofday", r);
}
