/* Copy stdin to stdout byte for byte. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

int main(void)
{
	static char buf[65536];

	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "echo_stdin: read: %s\n", strerror(errno));
			return 1;
		}
		if (r == 0)
			return 0;
		if (write_all(buf, (size_t) r) < 0) {
			fprintf(stderr, "echo_stdin: write: %s\n", strerror(errno));
			return 1;
		}
	}
}
