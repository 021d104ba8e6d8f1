// escape: hide a violation by a racing exit: a thread blocks in bpf, the main thread waits until /proc/self/task/T/syscall shows it blocked, then exit_group(0)
// expect: SYSCALL_VIOLATION bpf
#include "esc.h"
#include <pthread.h>
#include <sched.h>

static volatile pid_t tid;

static void *call_bpf(void *arg)
{
	(void) arg;
	tid = (pid_t) syscall(SYS_gettid);
	/* A bad command: were it ever run, it would fail (EINVAL), harmlessly. */
	long r = syscall(SYS_bpf, -1, NULL, 0);
	esc_survived("bpf in a thread", r);
	return NULL;
}

/* Is the thread blocked in bpf (its first /proc syscall field is bpf's)? */
static int blocked_in_bpf(pid_t t)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int) t);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 && strtol(buf, NULL, 10) == SYS_bpf;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, call_bpf, NULL) != 0)
		esc_broken("pthread_create: %s", strerror(errno));
	while (!tid)
		sched_yield();
	while (!blocked_in_bpf(tid))
		sched_yield();
	/* The report must not depend on who gets there first. */
	syscall(SYS_exit_group, 0);
	return 0;
}
