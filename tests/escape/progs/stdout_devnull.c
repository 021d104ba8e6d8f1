// escape: redirect stdout and stderr to /dev/null mid-run and write 64 MiB there
// expect: OK
// check: stdout=visible\n
// check: stderr=err\n
#include "esc.h"

int main(void)
{
	if (write(1, "visible\n", 8) < 0 || write(2, "err\n", 4) < 0)
		return 1;
	int n = open("/dev/null", O_WRONLY);
	dup2(n, 1);
	dup2(n, 2);
	static char buf[1 << 20];
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(1, buf, sizeof(buf)) < 0 || write(2, buf, 1) < 0)
			return 1;
	return 0;
}
