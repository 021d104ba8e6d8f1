// escape: kill(-1), every signal to init (pid 1) and kill of a host pid given in argv
// expect: OK
// args: {victim}
// host: victim
#include "esc.h"
#include <signal.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: kill_outside HOSTPID");
	pid_t victim = (pid_t) atoi(argv[1]);
	signal(SIGTERM, SIG_IGN); /* kill(-1) does not reach the caller, but be sure */
	int r = kill(-1, SIGKILL);
	esc_ok("kill(-1, SIGKILL) = %d (%s): nobody else in the namespace", r,
	       r < 0 ? strerror(errno) : "sent");
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGCHLD && sig != SIGCONT)
			(void) kill(1, sig); /* init has no handler: dropped by the kernel */
	esc_ok("signals 1-31 sent to pid 1");
	if (victim != getpid() && victim > 1) {
		r = kill(victim, 0);
		if (r == 0)
			esc_bad("host pid %d exists in the box", victim);
		else
			esc_ok("kill(%d, 0): %s", victim, strerror(errno));
		(void) kill(victim, SIGKILL);
	}
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL); /* init must still be there to reap us */
	return esc_done();
}
