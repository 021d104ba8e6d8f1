/* Busy loop forever, statically linked (no ld.so, no libc start-up probes). */
int main(void)
{
	volatile unsigned long counter = 0;

	for (;;)
		counter++;
	return 0;
}
