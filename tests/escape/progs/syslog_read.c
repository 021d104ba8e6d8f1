// escape: read the host's kernel log (addresses for KASLR bypass) with syslog(2)
// expect: SYSCALL_VIOLATION syslog
#include "esc.h"

int main(void)
{
	char buf[256];
	long r = syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));
	esc_survived("syslog(READ_ALL)", r);
}
