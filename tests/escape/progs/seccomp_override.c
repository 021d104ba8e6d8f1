// escape: stack an allow-everything (or user-notify) seccomp filter, then call ptrace
// expect: SYSCALL_VIOLATION ptrace
#include "esc.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

int main(void)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};
	int r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	printf("info: prctl(PR_SET_SECCOMP) = %d (%s)\n", r, r < 0 ? strerror(errno) : "");
	fflush(stdout);
	long p = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	esc_survived("ptrace after stacking a filter", p);
}
