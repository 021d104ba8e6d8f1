// escape: burn CPU in 4 threads (--time 1, --wall-time 20): TIME_LIMIT, killed promptly
// expect: TIME_LIMIT
// run: --time 1 --wall-time 20
// check: cpu<3
// check: wall<10
#include "esc.h"
#include <pthread.h>

static void *spin(void *arg)
{
	(void) arg;
	for (volatile unsigned long x = 0;; x++)
		;
	return NULL;
}

int main(void)
{
	pthread_t t;
	for (int i = 0; i < 3; i++)
		pthread_create(&t, NULL, spin, NULL);
	spin(NULL);
}
