/* Burn argv[2] ms (default 1000) of CPU in each of argv[1] threads (default
 * 4), measured on each thread's own CPU clock; the main thread waits. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static double ms_each;

static double thread_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *burn(void *arg)
{
	volatile unsigned long x = 0;
	double end = thread_ms() + ms_each;

	(void) arg;
	while (thread_ms() < end)
		for (int i = 0; i < 1000000; i++) /* ~1 ms between clock reads */
			x++;
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t[64];

	ms_each = argc > 2 ? atof(argv[2]) : 1000;
	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, burn, NULL) != 0)
			return 3;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
