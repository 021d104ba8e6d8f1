// escape: ptrace(PTRACE_ATTACH) the box's init (pid 1) to run code as it
// expect: SYSCALL_VIOLATION ptrace
#include "esc.h"
#include <sys/ptrace.h>

int main(void)
{
	long r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	esc_survived("ptrace(PTRACE_ATTACH, 1)", r);
}
