// escape: pthread_exit in main while a thread sleeps (main "ended", process lives on)
// expect: WALL_TIME_LIMIT
// run: --wall-time 1
// check: wall<10
#include "esc.h"
#include <pthread.h>

static void *sleeper(void *arg)
{
	(void) arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		esc_broken("pthread_create");
	pthread_exit(NULL);
}
