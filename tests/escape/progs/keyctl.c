// escape: read the session keyring (shared kernel keyrings, a long record of CVEs)
// expect: SYSCALL_VIOLATION keyctl
#include "esc.h"

int main(void)
{
	char buf[256];
	long r = syscall(SYS_keyctl, 11 /* KEYCTL_READ */, -3 /* session keyring */, buf,
			 sizeof(buf));
	esc_survived("keyctl(KEYCTL_READ)", r);
}
