// escape: run /bin/sh from the judged program (default policy: no second execve)
// expect: SYSCALL_VIOLATION execve
#include "esc.h"

int main(void)
{
	char *argv[] = {"/bin/sh", "-c", "echo ESCAPED: shell ran", NULL};
	long r = execve("/bin/sh", argv, NULL);
	esc_survived("execve('/bin/sh')", r);
}
