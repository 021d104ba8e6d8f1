// escape: a SIGSYS handler that swallows the violation and goes on
// expect: SYSCALL_VIOLATION ptrace
#include "esc.h"
#include <signal.h>
#include <sys/ptrace.h>

static void on_sigsys(int sig)
{
	(void) sig;
	static const char m[] = "info: SIGSYS swallowed\n";
	(void) !write(1, m, sizeof(m) - 1);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_sigsys};
	sigaction(SIGSYS, &sa, NULL);
	signal(SIGTERM, SIG_IGN);
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	sigprocmask(SIG_BLOCK, &all, NULL);
	long r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	esc_survived("ptrace under a SIGSYS handler", r);
}
