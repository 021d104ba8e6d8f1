/* Sleep argv[1] seconds (default 100) without using CPU. */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts = {.tv_sec = argc > 1 ? atol(argv[1]) : 100};

	while (nanosleep(&ts, &ts) != 0)
		;
	return 0;
}
