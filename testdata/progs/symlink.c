/* Create symlinks: argv[1] TARGET argv[2] LINKPATH [TARGET LINKPATH ...]. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2)
		if (symlink(argv[i], argv[i + 1]) < 0) {
			fprintf(stderr, "symlink '%s' -> '%s': %s\n", argv[i + 1], argv[i],
				strerror(errno));
			return 1;
		}
	return 0;
}
