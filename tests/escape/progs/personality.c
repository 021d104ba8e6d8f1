// escape: personality(ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO) for NULL-dereference kernel exploits
// expect: SYSCALL_VIOLATION personality
#include "esc.h"
#include <sys/personality.h>

int main(void)
{
	long r = personality(ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO);
	esc_survived("personality(ADDR_NO_RANDOMIZE)", r);
}
