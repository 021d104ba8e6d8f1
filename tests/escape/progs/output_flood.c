// escape: flood stdout (--output-limit 1M) to fill the judge's memory or disk
// expect: OUTPUT_LIMIT
// run: --output-limit 1M
// check: stdout_len=1048576
// check: stdout_truncated
#include "esc.h"

int main(void)
{
	static char buf[65536];
	memset(buf, 'y', sizeof(buf));
	for (;;)
		if (write(1, buf, sizeof(buf)) < 0) {
			/* SIGPIPE or EPIPE would mean the pipe closed before the kill */
			return 1;
		}
}
