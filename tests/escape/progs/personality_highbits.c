// escape: personality(ADDR_NO_RANDOMIZE) hidden behind upper-32-bit junk (read as 32 bits)
// expect: SYSCALL_VIOLATION personality
#include "esc.h"
#include <sys/personality.h>

int main(void)
{
	long r = syscall(SYS_personality, (1UL << 32) | ADDR_NO_RANDOMIZE);
	esc_survived("personality((1 << 32) | ADDR_NO_RANDOMIZE)", r);
}
