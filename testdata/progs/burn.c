/* Burn argv[1] ms of CPU, then exit with code argv[2] (default 0). With
 * argv[3] = N > 0, the burning is done by N child processes (each burning
 * argv[1] / N ms) that the parent waits for; the parent itself stays idle. */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void burn(double ms)
{
	volatile unsigned long x = 0;
	double end = cpu_ms() + ms;

	while (cpu_ms() < end)
		for (int i = 0; i < 10000; i++)
			x++;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 100;
	int code = argc > 2 ? atoi(argv[2]) : 0;
	int children = argc > 3 ? atoi(argv[3]) : 0;

	if (children <= 0) {
		burn(ms);
		return code;
	}
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 100;
		if (pid == 0) {
			burn(ms / children);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return code;
}
