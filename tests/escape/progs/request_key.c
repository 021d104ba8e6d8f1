// escape: request_key, which can make the kernel run /sbin/request-key on the host
// expect: SYSCALL_VIOLATION request_key
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_request_key, "user", "judgebox-escape", "callout", 0);
	esc_survived("request_key", r);
}
