// escape: make a setuid file in /box and /tmp (chmod 4755) and run it: nosuid, uid stays 1000
// expect: OK
// run: --policy ci
#include "esc.h"
#include <sys/auxv.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

static void copy_self(const char *dst)
{
	int in = open("/proc/self/exe", O_RDONLY), out = open(dst, O_WRONLY | O_CREAT, 0755);
	if (in < 0 || out < 0)
		esc_broken("copy to '%s': %s", dst, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t) n) != n)
			esc_broken("write '%s': %s", dst, strerror(errno));
	close(in);
	close(out);
}

static void run_suid(const char *path)
{
	copy_self(path);
	if (chmod(path, 04755 | S_ISGID) < 0)
		esc_ok("chmod 6755 '%s': %s", path, strerror(errno));
	struct stat st;
	stat(path, &st);
	printf("info: '%s' mode %o\n", path, st.st_mode & 07777);
	pid_t pid = fork();
	if (pid == 0) {
		execl(path, path, "child", (char *) NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		esc_bad("setuid child '%s' status 0x%x", path, status);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child")) {
		uid_t r, e, s;
		getresuid(&r, &e, &s);
		unsigned long secure = getauxval(AT_SECURE);
		printf("%s: child uid %u/%u/%u AT_SECURE %lu\n",
		       r == 1000 && e == 1000 && s == 1000 ? "ok" : "ESCAPED", r, e, s, secure);
		return r == 1000 && e == 1000 && s == 1000 ? 0 : 1;
	}
	static const char *const mnts[] = {"/box", "/tmp", "/dev/shm"};
	for (size_t i = 0; i < 3; i++) {
		struct statvfs v;
		if (statvfs(mnts[i], &v) < 0)
			esc_broken("statvfs '%s': %s", mnts[i], strerror(errno));
		if (v.f_flag & ST_NOSUID)
			esc_ok("'%s' is nosuid", mnts[i]);
		else
			esc_bad("'%s' allows setuid", mnts[i]);
	}
	run_suid("/box/suid");
	run_suid("/tmp/suid");
	/* the host's setuid binaries are nosuid (and root is not mapped) */
	struct statvfs v;
	if (statvfs("/usr/bin", &v) == 0 && !(v.f_flag & ST_NOSUID))
		esc_bad("/usr/bin allows setuid");
	else
		esc_ok("/usr/bin is nosuid");
	return esc_done();
}
