// escape: make init the OOM killer's victim (oom_score_adj of pid 1), then exhaust memory
// expect: MEMORY_LIMIT
// run: --memory 64M
#include "esc.h"

int main(void)
{
	int fd = open("/proc/1/oom_score_adj", O_WRONLY);
	if (fd >= 0 && write(fd, "1000", 4) == 4)
		printf("ESCAPED: init's oom_score_adj set to 1000\n");
	else
		printf("ok: /proc/1/oom_score_adj: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0 && write(fd, "-1000", 5) == 5)
		printf("ESCAPED: own oom_score_adj set to -1000\n");
	else
		printf("ok: own oom_score_adj -1000: %s\n", strerror(errno));
	fflush(stdout);
	for (;;) {
		if (!esc_hog(1 << 20))
			return 1;
	}
}
