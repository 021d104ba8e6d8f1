// escape: fill the memory through /box's tmpfs (page cache no process owns), --memory 32M
// expect: MEMORY_LIMIT
// run: --memory 32M --box-size 64M
#include "esc.h"

int main(void)
{
	static char buf[1 << 20];
	memset(buf, 'x', sizeof(buf));
	const char *paths[] = {"/box/a", "/tmp/b", "/dev/shm/c"};
	for (int f = 0; f < 3; f++) {
		int fd = open(paths[f], O_WRONLY | O_CREAT, 0644);
		for (int i = 0; fd >= 0 && i < 20; i++)
			if (write(fd, buf, sizeof(buf)) < 0) {
				printf("info: write '%s': %s\n", paths[f], strerror(errno));
				break;
			}
	}
	return 0; /* 60 MiB of files in 32 MiB of memory: must not end OK */
}
