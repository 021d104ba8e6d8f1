/* Write argv[2] bytes of 'x' to the file argv[1] (created 0644, truncated).
 * Reports a failed write on stderr and exits 1 (SIGXFSZ kills it first when
 * the file size limit is hit, unless the signal is ignored). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[65536];
	unsigned long long n, off = 0;
	int fd;

	if (argc < 3) {
		fputs("usage: write_file PATH BYTES\n", stderr);
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	memset(buf, 'x', sizeof(buf));
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "write_file: open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (off < n) {
		size_t len = n - off < sizeof(buf) ? n - off : sizeof(buf);
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "write_file: write: %s\n", strerror(errno));
			return 1;
		}
		off += (unsigned long long) w;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "write_file: close: %s\n", strerror(errno));
		return 1;
	}
	printf("wrote %llu\n", off);
	return 0;
}
