/* Leave argv[1] (default 3) processes behind: each is double-forked into its
 * own session, ignores SIGTERM and SIGHUP and sleeps argv[2] seconds (default
 * 100). The main process prints "spawned N" and exits 0 at once: the sandbox
 * must kill what it left. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	unsigned secs = argc > 2 ? (unsigned) atoi(argv[2]) : 100;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (fork() != 0)
				_exit(0);
			setsid();
			signal(SIGTERM, SIG_IGN);
			signal(SIGHUP, SIG_IGN);
			sleep(secs);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	printf("spawned %d\n", n);
	return 0;
}
