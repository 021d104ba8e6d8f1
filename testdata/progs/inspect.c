/* Print facts about the sandbox as seen from inside, one "key=value" per line,
 * for the isolation tests to assert on. Runs under the default policy.
 *
 *   inspect [basic] [PATH...]   process, ids, caps, mounts, /dev, namespaces;
 *                               each PATH reported as path[PATH]=absent|file|
 *                               empty|entries:N (no sockets: default policy)
 *   inspect net                 lo's flags through an AF_UNIX socket (a
 *                               policy that allows AF_UNIX sockets: ci)
 *   inspect inet                TCP over 127.0.0.1 and a UDP connect out (a
 *                               policy that allows AF_INET sockets)
 *
 * A failed probe prints the errno name as the value; nothing here aborts. */
#define _GNU_SOURCE /* strerrorname_np, accept4 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* Read a small file; NULs and newlines become sep. Returns errno name on failure. */
static const char *slurp(const char *path, char sep, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r, len = 0;

	if (fd < 0)
		return ename(errno);
	while (len < (ssize_t) n - 1 && (r = read(fd, buf + len, n - 1 - len)) > 0)
		len += r;
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	buf[len] = '\0';
	for (ssize_t i = 0; i < len; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = sep;
	return buf;
}

/* "Key:\tvalue" lines of /proc/self/status. */
static void status_fields(void)
{
	static const char *keys[] = {"CapInh",	   "CapPrm",  "CapEff", "CapBnd", "CapAmb",
				     "NoNewPrivs", "Seccomp", "Uid",	"Gid"};
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f) {
		kv("status", "%s", ename(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *v;

		if (!colon)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(line, keys[i]) == 0) {
				for (char *p = v; *p; p++)
					if (*p == '\t')
						*p = ' ';
				kv(line, "%s", v);
			}
	}
	fclose(f);
}

/* Comma-separated entries of a directory, skipping . and .. */
static void list_dir(const char *key, const char *path, int numeric_only)
{
	char out[8192] = "";
	size_t len = 0;
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		kv(key, "%s", ename(errno));
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (numeric_only && (e->d_name[0] < '0' || e->d_name[0] > '9'))
			continue;
		len += snprintf(out + len, len < sizeof(out) ? sizeof(out) - len : 0, "%s%s",
				len ? "," : "", e->d_name);
	}
	closedir(d);
	kv(key, "%s", out);
}

static void path_state(const char *path)
{
	char key[1024];
	struct stat st;
	int n = 0;
	DIR *d;
	struct dirent *e;

	snprintf(key, sizeof(key), "path[%s]", path);
	if (lstat(path, &st) < 0) {
		kv(key, "%s", errno == ENOENT ? "absent" : ename(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		kv(key, "file");
		return;
	}
	d = opendir(path);
	if (!d) {
		kv(key, "dir-%s", ename(errno));
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n)
		kv(key, "entries:%d", n);
	else
		kv(key, "empty");
}

/* Try to create a file: "OK" (and remove it) or the errno name. */
static void try_create(const char *key, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		kv(key, "%s", ename(errno));
		return;
	}
	if (write(fd, "x", 1) != 1) {
		kv(key, "write-%s", ename(errno));
		close(fd);
		return;
	}
	close(fd);
	unlink(path);
	kv(key, "OK");
}

static void try_mkdir(const char *key, const char *path)
{
	if (mkdir(path, 0755) < 0) {
		kv(key, "%s", ename(errno));
		return;
	}
	rmdir(path);
	kv(key, "OK");
}

static void rdonly(const char *key, const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		kv(key, "%s", ename(errno));
	else
		kv(key, "%d", (sv.f_flag & ST_RDONLY) ? 1 : 0);
}

static void devices(void)
{
	char buf[64];
	int fd;
	ssize_t r;

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kv("dev_null", "%s", ename(errno));
	} else {
		ssize_t w = write(fd, "abc", 3);

		r = read(fd, buf, sizeof(buf));
		kv("dev_null", "%s", w == 3 && r == 0 ? "ok" : "bad");
		close(fd);
	}
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kv("dev_zero", "%s", ename(errno));
	} else {
		int zero = 1;

		r = read(fd, buf, 16);
		for (ssize_t i = 0; i < r; i++)
			zero &= buf[i] == 0;
		kv("dev_zero", "%s", r == 16 && zero ? "ok" : "bad");
		close(fd);
	}
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		kv("dev_full", "%s", ename(errno));
	} else {
		kv("dev_full", "%s", write(fd, "x", 1) < 0 ? ename(errno) : "wrote");
		close(fd);
	}
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kv("dev_urandom", "%s", ename(errno));
	} else {
		kv("dev_urandom", "%s", read(fd, buf, 16) == 16 ? "ok" : "bad");
		close(fd);
	}
	list_dir("dev_entries", "/dev", 0);
	static const char *links[] = {"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"};
	for (size_t i = 0; i < 4; i++) {
		char key[64], target[256];
		ssize_t n = readlink(links[i], target, sizeof(target) - 1);

		snprintf(key, sizeof(key), "link[%s]", links[i]);
		if (n < 0)
			kv(key, "%s", ename(errno));
		else
			kv(key, "%.*s", (int) n, target);
	}
}

static void namespaces(void)
{
	static const char *names[] = {"pid", "net", "mnt", "ipc", "uts", "user", "cgroup"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64], key[64], target[128];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		snprintf(key, sizeof(key), "ns[%s]", names[i]);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			kv(key, "%s", ename(errno));
		else
			kv(key, "%.*s", (int) n, target);
	}
}

static void rlimits(void)
{
	static const struct {
		const char *key;
		int res;
	} rl[] = {{"rlimit_nofile", RLIMIT_NOFILE},
		  {"rlimit_fsize", RLIMIT_FSIZE},
		  {"rlimit_stack", RLIMIT_STACK},
		  {"rlimit_core", RLIMIT_CORE}};

	for (size_t i = 0; i < sizeof(rl) / sizeof(rl[0]); i++) {
		struct rlimit r;

		if (getrlimit(rl[i].res, &r) < 0)
			kv(rl[i].key, "%s", ename(errno));
		else if (r.rlim_cur == RLIM_INFINITY)
			kv(rl[i].key, "unlimited");
		else
			kv(rl[i].key, "%llu", (unsigned long long) r.rlim_cur);
	}
}

static void basic(int npaths, char **paths)
{
	char buf[4096], cwd[4096];
	struct utsname u;

	kv("pid", "%d", (int) getpid());
	kv("ppid", "%d", (int) getppid());
	kv("uid", "%u", (unsigned) getuid());
	kv("euid", "%u", (unsigned) geteuid());
	kv("gid", "%u", (unsigned) getgid());
	kv("egid", "%u", (unsigned) getegid());
	kv("self_comm", "%s", slurp("/proc/self/comm", ' ', buf, sizeof(buf)));
	kv("pid1_comm", "%s", slurp("/proc/1/comm", ' ', buf, sizeof(buf)));
	kv("pid1_cmdline", "%s", slurp("/proc/1/cmdline", ' ', buf, sizeof(buf)));
	list_dir("proc_pids", "/proc", 1);
	kv("hostname", "%s", uname(&u) == 0 ? u.nodename : ename(errno));
	kv("cwd", "%s", getcwd(cwd, sizeof(cwd)) ? cwd : ename(errno));
	kv("uid_map", "%s", slurp("/proc/self/uid_map", ';', buf, sizeof(buf)));
	kv("gid_map", "%s", slurp("/proc/self/gid_map", ';', buf, sizeof(buf)));
	status_fields();
	namespaces();
	kv("net_dev", "%s", slurp("/proc/net/dev", ';', buf, sizeof(buf)));
	list_dir("sys_class_net", "/sys/class/net", 0);
	/* The kernel adds 127.0.0.1 to the local table when lo comes up. */
	const char *fib = slurp("/proc/net/fib_trie", ' ', buf, sizeof(buf));
	kv("lo_fib", "%s", fib != buf ? fib : strstr(buf, "127.0.0.1") ? "up" : "down");
	rdonly("rdonly[/]", "/");
	rdonly("rdonly[/usr]", "/usr");
	rdonly("rdonly[/box]", "/box");
	rdonly("rdonly[/tmp]", "/tmp");
	try_create("create[/]", "/.jb_inspect_probe");
	try_mkdir("mkdir[/]", "/.jb_inspect_dir");
	try_create("create[/usr]", "/usr/.jb_inspect_probe");
	try_mkdir("mkdir[/usr]", "/usr/.jb_inspect_dir");
	try_create("create[/etc]", "/etc/.jb_inspect_probe");
	try_create("create[/box]", "/box/.jb_inspect_probe");
	try_create("create[/tmp]", "/tmp/.jb_inspect_probe");
	try_create("create[/dev/shm]", "/dev/shm/.jb_inspect_probe");
	devices();
	rlimits();
	kv("home", "%s", getenv("HOME") ? getenv("HOME") : "");
	for (int i = 0; i < npaths; i++)
		path_state(paths[i]);
}

/* SIOCGIFFLAGS works on any socket: AF_UNIX keeps it within the ci policy. */
static void loopback_flags(void)
{
	struct ifreq ifr;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		kv("lo_flags", "%s", ename(errno));
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		kv("lo_flags", "%s", ename(errno));
	else
		kv("lo_flags", "0x%x", (unsigned) ifr.ifr_flags);
	close(s);
}

/* Listen on 127.0.0.1, connect to it, pass one byte. */
static void loopback_tcp(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int l = -1, c = -1, s = -1;
	char b = 0;
	const char *res = "ok";

	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(l, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *) &a, &alen) < 0 ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *) &a, sizeof(a)) < 0 ||
	    (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0 || write(c, "z", 1) != 1 ||
	    read(s, &b, 1) != 1 || b != 'z')
		res = ename(errno);
	kv("lo_tcp", "%s", res);
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
}

static void net(void)
{
	loopback_flags();
	/* And again for a name that must not exist in the box. */
	struct ifreq ifr;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "eth0");
	if (s < 0)
		kv("eth0_flags", "socket-%s", ename(errno));
	else if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		kv("eth0_flags", "%s", ename(errno));
	else
		kv("eth0_flags", "0x%x", (unsigned) ifr.ifr_flags);
	if (s >= 0)
		close(s);
}

static void inet(void)
{
	loopback_tcp();
	/* No route leaves the box: a UDP connect to a public address must fail. */
	struct sockaddr_in ext = {.sin_family = AF_INET, .sin_port = htons(53)};
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "192.0.2.1", &ext.sin_addr);
	if (u < 0)
		kv("external_udp", "socket-%s", ename(errno));
	else
		kv("external_udp", "%s",
		   connect(u, (struct sockaddr *) &ext, sizeof(ext)) < 0 ? ename(errno)
									 : "connected");
	if (u >= 0)
		close(u);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "net") == 0) {
		net();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "inet") == 0) {
		inet();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "basic") == 0)
		basic(argc - 2, argv + 2);
	else
		basic(argc - 1, argv + 1);
	return 0;
}
