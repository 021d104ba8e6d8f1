/* Die of SIGSEGV: a real fault on a null store, raise() as a fallback. */
#include <signal.h>
#include <stdio.h>

int main(void)
{
	volatile int *p = NULL;

	fputs("about to fault\n", stdout);
	fflush(stdout);
	*p = 42;
	raise(SIGSEGV);
	return 0;
}
