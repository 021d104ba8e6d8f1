// escape: add a key to the user keyring (kernel keyrings are not namespaced by pid/mnt)
// expect: SYSCALL_VIOLATION add_key
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_add_key, "user", "judgebox-escape", "x", 1, -4 /* user keyring */);
	esc_survived("add_key", r);
}
