// escape: the i386 ABI via int $0x80 (other numbers: a filter for x86_64 misreads them)
// expect: SYSCALL_VIOLATION ~^i386:
// needs: int80
#include "esc.h"

int main(void)
{
	/* i386 write(1, msg, len) is number 4: x86_64's stat */
	static const char msg[] = "ESCAPED: i386 write ran\n";
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(4), "b"(1), "c"(msg), "d"(sizeof(msg) - 1)
			 : "memory");
	esc_survived("int $0x80 write", r);
}
