// escape: one file past --file-size 1M (a full disk on the judge): SIGXFSZ is OUTPUT_LIMIT
// expect: OUTPUT_LIMIT
// run: --file-size 1M
#include "esc.h"

int main(void)
{
	static char buf[65536];
	int fd = open("/box/big", O_WRONLY | O_CREAT, 0644);
	for (int i = 0; i < 64; i++)
		if (write(fd, buf, sizeof(buf)) < 0)
			return 1;
	return 0;
}
