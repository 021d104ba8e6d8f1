/* Language matrix: copy stdin to stdout byte for byte. */
#include <errno.h>
#include <unistd.h>

int main(void)
{
	static char buf[65536];
	ssize_t r;

	while ((r = read(0, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(1, buf + off, (size_t) (r - off));

			if (w < 0 && errno != EINTR)
				return 1;
			if (w > 0)
				off += w;
		}
	}
	return 0;
}
