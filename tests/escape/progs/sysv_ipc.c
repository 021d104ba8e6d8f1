// escape: SysV shared memory with a well-known key (talk to other jobs or host daemons)
// expect: SYSCALL_VIOLATION shmget
#include "esc.h"
#include <sys/shm.h>

int main(void)
{
	long r = shmget(0x4a42, 4096, IPC_CREAT | 0666);
	esc_survived("shmget", r);
}
