// escape: name_to_handle_at, the first half of shocker (learn a host file system's handles)
// expect: SYSCALL_VIOLATION name_to_handle_at
#include "esc.h"

int main(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char f[128];
	} h = {.bytes = 128};
	int mount_id;
	long r = syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/ld.so.cache", &h, &mount_id, 0);
	esc_survived("name_to_handle_at", r);
}
