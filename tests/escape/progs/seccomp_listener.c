// escape: install its own seccomp filter with a user-notification listener (seccomp())
// expect: SYSCALL_VIOLATION seccomp
#include "esc.h"
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(void)
{
	struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)};
	struct sock_fprog prog = {1, f};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			 &prog);
	esc_survived("seccomp(NEW_LISTENER)", r);
}
