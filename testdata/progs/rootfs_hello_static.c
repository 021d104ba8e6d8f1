/* Runs as / of an operator's rootfs: prints its marker file and tries to
 * write to the read-only root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[64] = {0};
	int fd = open("/etc/marker", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	printf("marker=%s", n > 0 ? buf : "missing\n");
	int w = open("/newfile", O_WRONLY | O_CREAT, 0644);
	printf("write_root=%s\n", w < 0 ? strerror(errno) : "ok");
	return 0;
}
