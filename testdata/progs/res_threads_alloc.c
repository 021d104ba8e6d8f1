/* Start argv[1] threads (default 4); each allocates and touches argv[2] MiB
 * (default 100). All of it stays held until every thread is done, so the
 * process's peak is the sum. Prints "threads N touched M MiB each". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t mib;
static pthread_barrier_t all_done;

static void *work(void *arg)
{
	char *p = malloc(mib << 20);

	(void) arg;
	if (!p)
		return (void *) 1;
	memset(p, 1, mib << 20);
	pthread_barrier_wait(&all_done);
	return p; /* not freed: held until exit */
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t[64];
	int failed = 0;

	mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
	if (n < 1 || n > 64)
		return 2;
	pthread_barrier_init(&all_done, NULL, (unsigned) n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, work, NULL) != 0)
			return 3;
	for (int i = 0; i < n; i++) {
		void *r;

		pthread_join(t[i], &r);
		failed |= r == (void *) 1;
	}
	if (failed) {
		puts("malloc failed");
		return 1;
	}
	printf("threads %d touched %zu MiB each\n", n, mib);
	return 0;
}
