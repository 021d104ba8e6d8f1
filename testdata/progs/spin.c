/* Busy loop forever, in argv[1] threads (default 1) including main. */
#include <pthread.h>
#include <stdlib.h>

static volatile unsigned long counter;

static void *spin(void *arg)
{
	(void) arg;
	for (;;)
		counter++;
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t t;

	for (int i = 1; i < n; i++)
		if (pthread_create(&t, NULL, spin, NULL) != 0)
			return 2;
	spin(NULL);
	return 0;
}
