// escape: collect 24 hard links of one 4 MiB file: the supervisor holds 24 copies (ci policy)
// expect: OK
// run: --policy ci --output-limit 4M --box-size 16M --collect f
// run: --collect l1 --collect l2 --collect l3 --collect l4 --collect l5 --collect l6
// run: --collect l7 --collect l8 --collect l9 --collect l10 --collect l11 --collect l12
// run: --collect l13 --collect l14 --collect l15 --collect l16 --collect l17 --collect l18
// run: --collect l19 --collect l20 --collect l21 --collect l22 --collect l23
// host: supervisor_rss
#include "esc.h"

/* The box holds 4 MiB; Job.collect names the same inode 24 times, each
 * within output_bytes. What the supervisor keeps must be bounded by what
 * the job may hold (box_bytes), not by n_collect x output_bytes. */
int main(void)
{
	static char buf[1 << 20];
	memset(buf, 'a', sizeof(buf));
	int fd = open("/box/f", O_WRONLY | O_CREAT, 0644);
	for (int i = 0; i < 4; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t) sizeof(buf))
			esc_broken("write /box/f: %s", strerror(errno));
	close(fd);
	char p[64];
	for (int i = 1; i < 24; i++) {
		snprintf(p, sizeof(p), "/box/l%d", i);
		if (link("/box/f", p) < 0)
			esc_broken("link: %s", strerror(errno));
	}
	esc_ok("4 MiB in the box, collected 24 times");
	return esc_done();
}
