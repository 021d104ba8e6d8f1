/* Die of SIGABRT. */
#include <stdlib.h>

int main(void)
{
	abort();
}
