/* A fork bomb. Every child forks forever. The main process forks until
 * fork fails, prints "fork failed: EAGAIN after N forks" and exits 0 (the
 * rest of the tree dies with the job); with argv[1] = "forever" it keeps
 * forking too, and the job ends only at a limit. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int forever = argc > 1 && strcmp(argv[1], "forever") == 0;
	unsigned long forks = 0;

	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			for (;;)
				fork();
		}
		if (pid > 0) {
			forks++;
			continue;
		}
		if (!forever) {
			printf("fork failed: %s after %lu forks\n", strerrorname_np(errno), forks);
			return 0;
		}
	}
}
