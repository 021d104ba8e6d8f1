/* Print the file argv[1] to stdout, and on stderr one line
 * "mode=0644 uid=U gid=G size=N myuid=U mygid=G" describing it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[65536];
	struct stat st;
	ssize_t r;
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "cat_file: '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	fprintf(stderr, "mode=%04o uid=%u gid=%u size=%lld myuid=%u mygid=%u\n",
		(unsigned) (st.st_mode & 07777), (unsigned) st.st_uid, (unsigned) st.st_gid,
		(long long) st.st_size, (unsigned) getuid(), (unsigned) getgid());
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t) r) != r)
			return 1;
	return r < 0 ? 1 : 0;
}
