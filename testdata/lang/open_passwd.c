/* strict policy: open /etc/passwd (forbidden there); prints what it got. */
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
	int fd = open("/etc/passwd", O_RDONLY);

	printf("open returned %d\n", fd);
	return fd < 0;
}
