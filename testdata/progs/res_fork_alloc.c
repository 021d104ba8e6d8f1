/* Fork argv[1] children (default 4); each allocates and touches argv[2] MiB
 * (default 100) and holds it until all have (the parent closes a pipe), so
 * the tree's peak is the sum. The parent exits 0 when every child did, and
 * prints "children N touched M MiB each", else 1. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(size_t mib, int ready, int go)
{
	volatile char *p = malloc(mib << 20); /* volatile: the writes stay */
	char c;

	if (!p)
		return 1;
	for (size_t off = 0; off < mib << 20; off += 4096)
		p[off] = 1;
	if (write(ready, "r", 1) != 1)
		return 1;
	/* a child the OOM killer took never writes: the parent's read ends
	 * at EOF once every child has written or died, so none may keep it */
	close(ready);
	(void) read(go, &c, 1); /* EOF when the parent closes it */
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
	int ready[2], go[2], bad = 0, status;
	char c;

	if (pipe(ready) < 0 || pipe(go) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			_exit(child(mib, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	for (int i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			break; /* a child died before it was ready */
	close(go[1]);
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (bad) {
		puts("a child failed");
		return 1;
	}
	printf("children %d touched %zu MiB each\n", n, mib);
	return 0;
}
