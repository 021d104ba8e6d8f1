// escape: PTRACE_TRACEME, the way to be traced by (and talk ptrace to) init
// expect: SYSCALL_VIOLATION ptrace
#include "esc.h"
#include <sys/ptrace.h>

int main(void)
{
	long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	esc_survived("ptrace(PTRACE_TRACEME)", r);
}
