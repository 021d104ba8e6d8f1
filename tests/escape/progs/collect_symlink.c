// escape: Job.collect of a symlink to /etc/passwd and of /proc/1/environ: never followed
// expect: OK
// run: --policy ci --collect out --collect hard --collect proc
// check: file0_error~symbolic link
// check: file0_empty
// check: file1_error~no such file
// check: file2_error~symbolic link
#include "esc.h"

int main(void)
{
	if (symlink("/etc/passwd", "/box/out") < 0)
		esc_broken("symlink: %s", strerror(errno));
	/* a hard link to a file outside /box cannot cross the mount */
	ESC_REFUSED(link("/etc/passwd", "/box/hard"), "link /etc/passwd into /box");
	if (symlink("/proc/1/environ", "/box/proc") < 0)
		esc_broken("symlink: %s", strerror(errno));
	return esc_done();
}
