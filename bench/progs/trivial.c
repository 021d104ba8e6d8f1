/* The trivial program of the benchmark: exit(0) and nothing else, static and
 * without libc, so that what is measured is the sandbox, not the program. */
void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #93\n\tmov x0, #0\n\tsvc #0");
#else
#error "trivial.c: add the exit system call of this architecture"
#endif
	for (;;)
		;
}
