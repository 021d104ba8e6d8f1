// escape: write /proc/sys (kernel.hostname, core_pattern, vm.drop_caches, ...): host unchanged
// expect: OK
// args: {token}
// host: proc_sys
#include "esc.h"

static void try_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0) {
		esc_ok("open '%s': %s", path, strerror(errno));
		return;
	}
	char what[256];
	snprintf(what, sizeof(what), "write '%s'", path);
	ESC_REFUSED(write(fd, text, strlen(text)), what);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: proc_sys_write TOKEN");
	char pattern[256];
	snprintf(pattern, sizeof(pattern), "|/box/program %s", argv[1]);
	try_write("/proc/sys/kernel/hostname", argv[1]);
	try_write("/proc/sys/kernel/domainname", argv[1]);
	try_write("/proc/sys/kernel/core_pattern", pattern);
	try_write("/proc/sys/kernel/modprobe", "/box/program");
	try_write("/proc/sys/vm/drop_caches", "3");
	try_write("/proc/sys/kernel/sysrq", "1");
	try_write("/proc/sys/fs/file-max", "10");
	try_write("/proc/sys/net/ipv4/ip_forward", "1");
	try_write("/proc/sys/kernel/ns_last_pid", "5000");
	try_write("/proc/sys/fs/binfmt_misc/register", ":x:E::x::/box/program:");
	return esc_done();
}
