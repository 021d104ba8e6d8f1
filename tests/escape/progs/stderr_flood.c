// escape: flood stderr while stdout stays quiet (--output-limit 1M): the cap is per stream
// expect: OUTPUT_LIMIT
// run: --output-limit 1M
// check: stderr_len=1048576
// check: stderr_truncated
// check: stdout=quiet\n
#include "esc.h"

int main(void)
{
	if (write(1, "quiet\n", 6) < 0)
		return 1;
	static char buf[65536];
	memset(buf, 'z', sizeof(buf));
	for (;;)
		if (write(2, buf, sizeof(buf)) < 0)
			return 1;
}
