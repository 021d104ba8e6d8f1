// escape: load a kernel module (init_module with an empty image)
// expect: SYSCALL_VIOLATION init_module
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_init_module, "", 0, "");
	esc_survived("init_module", r);
}
