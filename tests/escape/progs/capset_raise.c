// escape: give itself every capability back with capset
// expect: SYSCALL_VIOLATION capset
#include "esc.h"
#include <linux/capability.h>

int main(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0xff, sizeof(d));
	long r = syscall(SYS_capset, &h, d);
	esc_survived("capset(all)", r);
}
