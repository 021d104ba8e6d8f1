// escape: queue real-time signals up to RLIMIT_SIGPENDING; the count must not be root's on the host
// expect: OK
// host: sigqueue_during
#include "esc.h"
#include <signal.h>

int main(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &s, NULL);
	long n = 0;
	union sigval v = {0};
	while (n < 10000000 && sigqueue(getpid(), SIGRTMIN, v) == 0)
		n++;
	printf("info: %ld signals queued (%s)\n", n, strerror(errno));
	fflush(stdout);
	close(open("/box/ready", O_WRONLY | O_CREAT, 0644)); /* the runner waits for it */
	sleep(3); /* the runner tries sigqueue on the host meanwhile */
	return esc_done();
}
