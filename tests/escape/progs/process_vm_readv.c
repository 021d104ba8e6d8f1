// escape: read init's memory with process_vm_readv (no ptrace needed between same uids)
// expect: SYSCALL_VIOLATION process_vm_readv
#include "esc.h"
#include <sys/uio.h>

int main(void)
{
	char buf[64];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *) 0x400000, sizeof(buf)};
	long r = process_vm_readv(1, &local, 1, &remote, 1, 0);
	esc_survived("process_vm_readv(1)", r);
}
