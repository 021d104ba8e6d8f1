// escape: fork under the default policy (a judge solution may not start processes)
// expect: SYSCALL_VIOLATION clone
#include "esc.h"

int main(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	esc_survived("fork", p);
}
