/* Floors for the speed benchmark: what the kernel charges for starting a
 * trivial program, measured the same way as judgebox itself.
 *   floor fork N PROG            fork + execve + wait, N times
 *   floor ns N PROG              clone(user, pid, net, mnt, ipc, uts) + execve + wait
 *   floor cmd N STDIN CMD...     run CMD with STDIN as its stdin, N times
 * Each mode runs with P parallel workers when env FLOOR_PARALLEL=P, and
 * prints "mode median_us p90_us runs_per_s". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static void one(const char *mode, char **cmd, const char *in)
{
	pid_t pid;
	if (!strcmp(mode, "ns"))
		pid = (pid_t) syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
						 CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
				      NULL, NULL, NULL, NULL);
	else
		pid = fork();
	if (pid == 0) {
		if (in) {
			int fd = open(in, O_RDONLY);
			dup2(fd, 0);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
		}
		execv(cmd[0], cmd);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "floor: %s failed (status %d)\n", cmd[0], st);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: floor fork|ns N PROG | floor cmd N STDIN CMD...\n");
		return 2;
	}
	const char *mode = argv[1];
	int n = atoi(argv[2]);
	const char *in = !strcmp(mode, "cmd") ? argv[3] : NULL;
	char **cmd = argv + (in ? 4 : 3);
	int par = getenv("FLOOR_PARALLEL") ? atoi(getenv("FLOOR_PARALLEL")) : 1;
	double *lat = mmap(NULL, sizeof(double) * n, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0 = now_us();
	for (int w = 0; w < par; w++) {
		if (fork() == 0) {
			for (int i = w; i < n; i += par) {
				double t = now_us();
				one(mode, cmd, in);
				lat[i] = now_us() - t;
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	double total = now_us() - t0;
	qsort(lat, n, sizeof(double), cmp);
	printf("%s %.0f %.0f %.0f\n", mode, lat[n / 2], lat[n * 9 / 10], n / (total / 1e6));
	return 0;
}
