// escape: bpf(BPF_MAP_CREATE): the eBPF verifier and JIT, a kernel attack surface
// expect: SYSCALL_VIOLATION bpf
#include "esc.h"
#include <linux/bpf.h>

int main(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	long r = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	esc_survived("bpf(BPF_MAP_CREATE)", r);
}
