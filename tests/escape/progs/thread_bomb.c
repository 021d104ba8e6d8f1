// escape: thread bomb (threads until the kernel says no) with --processes 16
// expect: OK
// run: --processes 16
// check: stdout~ok: thread limit
#include "esc.h"
#include <pthread.h>

static void *sleeper(void *arg)
{
	(void) arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	int n = 0, e = 0;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 * 1024);
	for (; n < 10000; n++) {
		pthread_t t;
		e = pthread_create(&t, &at, sleeper, NULL);
		if (e)
			break;
	}
	if (e && n < 16)
		esc_ok("thread limit after %d threads: %s", n, strerror(e));
	else
		esc_bad("%d threads (limit 16 tasks): %s", n, strerror(e));
	return esc_done(); /* exit() ends every thread */
}
