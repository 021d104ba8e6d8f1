// escape: close stdout and stderr mid-run (lose the verdict's output, confuse the reader)
// expect: OK
// check: stdout=before\n
#include "esc.h"
#include <time.h>

int main(void)
{
	static const char m[] = "before\n";
	if (write(1, m, sizeof(m) - 1) < 0)
		return 1;
	close(1);
	close(2);
	/* new descriptors land on 1 and 2 now; writes go to the files */
	int a = open("/box/a", O_WRONLY | O_CREAT, 0644),
	    b = open("/box/b", O_WRONLY | O_CREAT, 0644);
	if (write(1, "after\n", 6) < 0 || a != 1 || b != 2)
		return 1;
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	return 0;
}
