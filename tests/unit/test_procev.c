/* procev: following a job's processes through the kernel's process events
 * (root only), and forgetting them again, also after the table has seen far
 * more processes than it has slots. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procev.h"
#include "tap.h"

struct seen {
	unsigned hits[8];
};

static void on_xfsz(void *opaque, unsigned token)
{
	struct seen *s = opaque;
	if (token < 8)
		s->hits[token]++;
}

/* A child that is stopped until released, then forks a grandchild that dies
 * of SIGXFSZ, waits for it and exits 0: the grandchild is not ours to reap. */
static pid_t spawn(int *release)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		pid_t g = fork();
		if (g == 0) {
			signal(SIGXFSZ, SIG_DFL);
			raise(SIGXFSZ);
			_exit(3);
		}
		int st;
		waitpid(g, &st, 0);
		_exit(0);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

/* Read events until the child is gone and a little after. */
static void drain(struct procev *p, pid_t child, struct seen *s)
{
	int st;
	waitpid(child, &st, 0);
	struct pollfd pfd = {procev_fd(p), POLLIN, 0};
	while (poll(&pfd, 1, 100) > 0)
		(void) procev_read(p, on_xfsz, s);
}

static void run_one(struct procev *p, unsigned token, bool track, struct seen *s)
{
	int rel;
	pid_t c = spawn(&rel);
	if (track)
		procev_track(p, c, token);
	if (write(rel, "x", 1) != 1)
		ok(false, "release the child");
	close(rel);
	drain(p, c, s);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("ok 1 # skip process events need root\n1..1\n");
		return 0;
	}
	struct procev *p = NULL;
	struct jb_err err = {0};
	if (!ok(procev_open(&p, &err) == 0, "open the proc connector (%s)", err.msg)) {
		printf("1..%d\n", t_n);
		return 1;
	}
	struct seen s = {0};
	run_one(p, 3, true, &s);
	ok(s.hits[3] == 1, "a grandchild's SIGXFSZ is seen under its token (%u)", s.hits[3]);

	struct seen u = {0};
	run_one(p, 4, false, &u);
	ok(u.hits[4] == 0 && u.hits[3] == 0, "an untracked tree is not reported");

	/* Forgotten: a tracked root whose token was untracked before it forks. */
	struct seen f = {0};
	int rel;
	pid_t c = spawn(&rel);
	procev_track(p, c, 5);
	procev_untrack(p, 5);
	if (write(rel, "x", 1) != 1)
		ok(false, "release the child");
	close(rel);
	drain(p, c, &f);
	ok(f.hits[5] == 0, "an untracked token's processes are forgotten (%u)", f.hits[5]);

	/* Many more jobs than slots, each untracked: lookups must still find
	 * free slots and the live job must still be followed. */
	for (pid_t fake = 1000000; fake < 1000000 + 200000; fake++) {
		procev_track(p, fake, 6);
		if (fake % 50 == 0)
			procev_untrack(p, 6);
	}
	procev_untrack(p, 6);
	struct seen m = {0};
	run_one(p, 7, true, &m);
	ok(m.hits[7] == 1, "after 200000 tracked and forgotten pids a new job is followed (%u)",
	   m.hits[7]);
	procev_free(p);
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
