/* Language matrix: 4 threads, each summing its share of 1..4000000; the
 * main thread joins them and prints the total. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define N	 4000000ULL

static unsigned long long part[NTHREADS];

static void *work(void *arg)
{
	long k = (long) arg;
	unsigned long long s = 0;

	for (unsigned long long i = k + 1; i <= N; i += NTHREADS)
		s += i;
	part[k] = s;
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	unsigned long long total = 0;

	for (long k = 0; k < NTHREADS; k++)
		if (pthread_create(&t[k], NULL, work, (void *) k) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (int k = 0; k < NTHREADS; k++) {
		pthread_join(t[k], NULL);
		total += part[k];
	}
	printf("threads 4 sum %llu\n", total);
	return 0;
}
