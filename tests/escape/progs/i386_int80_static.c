// escape: i386 int $0x80 from a static binary, using i386 setuid (23, x86_64's select)
// expect: SYSCALL_VIOLATION ~^i386:
// needs: int80
#include "esc.h"

int main(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(23), "b"(0) : "memory");
	esc_survived("int $0x80 setuid(0)", r);
}
