/* Write argv[1] bytes to fd argv[2] (default 1). The byte at offset i is
 * "0123456789abcdef"[i % 16], except that every 64th is '\n', so a test can
 * recompute any prefix. Exits 1 with a message on stderr if a write fails
 * (an EPIPE would show here; a SIGPIPE as signal 13). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536 /* a multiple of 64: the pattern repeats every CHUNK bytes */

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 0;
	int fd = argc > 2 ? atoi(argv[2]) : 1;
	unsigned long long off = 0;
	static char buf[CHUNK];

	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (i % 64 == 63) ? '\n' : "0123456789abcdef"[i % 16];
	while (off < n) {
		size_t at = off % CHUNK;
		size_t len = CHUNK - at;
		ssize_t w;

		if (len > n - off)
			len = n - off;
		w = write(fd, buf + at, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "write_bytes: write: %s\n", strerror(errno));
			return 1;
		}
		off += (unsigned long long) w;
	}
	return 0;
}
