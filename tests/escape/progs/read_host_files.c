// escape: read the host's secrets: /etc/shadow, /root, /home, /var, the project checkout
// expect: OK
// args: {srcdir} {hostuser}
#include "esc.h"
#include <dirent.h>

static void list_refused(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		esc_ok("opendir '%s': %s", path, strerror(errno));
		return;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	if (n)
		esc_bad("'%s' lists %d entries", path, n);
	else
		esc_ok("'%s' is an empty mount point", path);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		esc_broken("usage: read_host_files SRCDIR HOSTUSER");
	static const char *const files[] = {"/etc/shadow",     "/etc/gshadow",
					    "/etc/sudoers",    "/etc/ssh/ssh_host_rsa_key",
					    "/etc/machine-id", "/root/.bashrc",
					    "/var/log/syslog", "/proc/1/root/etc/shadow",
					    "/proc/kcore",     "/etc/hostname/../shadow"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		esc_open_refused(files[i], O_RDONLY);
	static const char *const dirs[] = {"/root", "/home", "/var", "/srv",   "/opt",
					   "/mnt",  "/work", "/run", "/media", "/boot"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		list_refused(dirs[i]);
	char p[4096];
	snprintf(p, sizeof(p), "%s/CMakeLists.txt", argv[1]);
	esc_open_refused(p, O_RDONLY);
	list_refused(argv[1]);
	/* /etc/passwd is synthesised: none of the host's accounts */
	FILE *f = fopen("/etc/passwd", "r");
	char line[512];
	size_t ul = strlen(argv[2]);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, argv[2], ul) && line[ul] == ':')
			esc_bad("host account '%s' in /etc/passwd", argv[2]);
	if (f)
		fclose(f);
	esc_ok("host account '%s' not in /etc/passwd", argv[2]);
	return esc_done();
}
