/* Floors for the speed benchmark: what the kernel charges for starting a
 * trivial program, measured the same way as judgebox itself.
 *   floor fork N PROG            fork + execve + wait, N times
 *   floor ns N PROG              clone(user, pid, net, mnt, ipc, uts) + execve + wait
 *   floor skel N PROG            the full skeleton of a sandbox, N times (below)
 *   floor cmd N STDIN CMD...     run CMD with STDIN as its stdin, N times
 *   floor spawn N STDIN CMD...   the same, started with posix_spawn (a vfork,
 *                                as Python, Go and Rust start programs)
 *                                instead of fork + execve
 *   floor stream STDIN CMD...    run CMD once with STDIN as its stdin and read
 *                                its stdout as delimited Verdicts: prints the
 *                                gaps between verdicts, jobs/s, and how many
 *                                verdicts were not OK
 * Each of fork, ns, skel and cmd runs with P parallel workers when env
 * FLOOR_PARALLEL=P, and prints "mode median_us p90_us runs_per_s".
 *
 * skel: what any sandbox of judgebox's design must do per job, done as
 * cheaply as possible: clone with user, pid, net, mnt, ipc, uts and cgroup
 * namespaces; id maps (1000 -> 60000 + worker); the child joins the worker's
 * cgroups, made once and reused (v1 memory, pids, cpuacct, or one v2
 * cgroup); it is an init (PID 1) that mounts a read-only root (a tmpfs with
 * /usr bound read-only and the merged-/usr links), a fresh /proc and a tmpfs
 * /box holding a copy of PROG, sets the hostname, brings lo up, pivots, and
 * forks the program, which drops to uid 1000, sets no_new_privs, loads a
 * seccomp filter compiled once per worker (allow, kill on a deny list) and
 * execs /box/program. The init waits for it and exits with its status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sched.h>
#include <spawn.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_FLAGS                                                                                   \
	(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void check_status(const char *what, int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "floor: %s failed (status 0x%x)\n", what, st);
		exit(1);
	}
}

/* --- skel: per-worker state, made once --------------------------------- */

static struct {
	int worker;
	char cg[3][1024]; /* cgroup directories the child joins ("" = none) */
	int ncg;
	struct sock_fprog prog;
	char *image; /* PROG's bytes, copied into /box per run */
	size_t image_len;
} W;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* This process's cgroup in hierarchy "ctl" ("" for v2), from /proc/self/cgroup. */
static int self_cgroup(const char *ctl, char *buf, size_t n)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[1024];
	int found = -1;
	while (f && fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		line[strcspn(line, "\n")] = 0;
		b[1 + strcspn(b + 1, "\n")] = 0;
		char *list = a + 1, *tok, *save;
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, ctl) || (!*ctl && !*list))
				break;
		if (tok || (!*ctl && !strcmp(line, "0"))) {
			snprintf(buf, n, "%s", b + 1);
			found = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void make_cgroup(const char *mnt, const char *ctl, const char *limit_file, const char *limit)
{
	char self[256];
	struct stat sb;
	if (stat(mnt, &sb) < 0 || self_cgroup(ctl, self, sizeof(self)) < 0)
		return;
	char *dir = W.cg[W.ncg];
	snprintf(dir, sizeof(W.cg[0]), "%s%s/floor-%d-%d", mnt, strcmp(self, "/") ? self : "",
		 (int) getppid(), W.worker);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;
	if (limit_file) {
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, limit_file);
		(void) write_file(p, limit);
	}
	W.ncg++;
}

static void cgroups_setup(void)
{
	struct stat sb;
	if (stat("/sys/fs/cgroup/memory", &sb) == 0) {
		make_cgroup("/sys/fs/cgroup/memory", "memory", "memory.limit_in_bytes",
			    "268435456");
		make_cgroup("/sys/fs/cgroup/pids", "pids", "pids.max", "64");
		make_cgroup("/sys/fs/cgroup/cpuacct", "cpuacct", NULL, NULL);
	} else if (stat("/sys/fs/cgroup/cgroup.controllers", &sb) == 0) {
		make_cgroup("/sys/fs/cgroup", "", "memory.max", "268435456");
	}
}

static void cgroups_remove(void)
{
	for (int i = 0; i < W.ncg; i++)
		(void) rmdir(W.cg[i]);
}

static void seccomp_setup(void)
{
	static const char *const deny[] = {"ptrace",
					   "mount",
					   "umount2",
					   "pivot_root",
					   "bpf",
					   "kexec_load",
					   "init_module",
					   "finit_module",
					   "delete_module",
					   "reboot",
					   "swapon",
					   "swapoff",
					   "acct",
					   "settimeofday",
					   "clock_settime",
					   "add_key",
					   "keyctl",
					   "request_key",
					   "unshare",
					   "setns",
					   "open_by_handle_at",
					   "perf_event_open",
					   "userfaultfd",
					   "fsopen",
					   "fsmount",
					   "move_mount",
					   "open_tree",
					   "process_vm_readv",
					   "process_vm_writev",
					   "quotactl"};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);
		if (nr != __NR_SCMP_ERROR)
			seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
	}
	int fd = memfd_create("bpf", 0);
	if (!ctx || fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		die("compile the seccomp filter");
	off_t len = lseek(fd, 0, SEEK_END);
	W.prog.len = (unsigned short) (len / sizeof(struct sock_filter));
	W.prog.filter = malloc(len);
	if (pread(fd, W.prog.filter, len, 0) != len)
		die("read the seccomp filter");
	close(fd);
	seccomp_release(ctx);
}

static void load_image(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		die(path);
	W.image_len = sb.st_size;
	W.image = malloc(W.image_len);
	if (read(fd, W.image, W.image_len) != (ssize_t) W.image_len)
		die(path);
	close(fd);
}

/* --- skel: the init and the program ----------------------------------- */

static void xmount(const char *src, const char *dst, const char *type, unsigned long fl,
		   const char *data)
{
	if (mount(src, dst, type, fl, data) < 0) {
		fprintf(stderr, "floor: mount '%s': %s\n", dst, strerror(errno));
		_exit(120);
	}
}

static void lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		_exit(121);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		_exit(121);
	close(fd);
}

static void build_root(void)
{
	setfsuid(1000); /* files created here belong to the box user */
	setfsgid(1000);
	xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	xmount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	       "size=1m,mode=755,uid=1000,gid=1000");
	const char *dirs[] = {"/tmp/usr", "/tmp/proc", "/tmp/box", "/tmp/dev"};
	for (int i = 0; i < 4; i++)
		if (mkdir(dirs[i], 0755) < 0)
			_exit(122);
	const char *links[][2] = {{"usr/bin", "/tmp/bin"},
				  {"usr/sbin", "/tmp/sbin"},
				  {"usr/lib", "/tmp/lib"},
				  {"usr/lib64", "/tmp/lib64"}};
	for (int i = 0; i < 4; i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			_exit(122);
	xmount("/usr", "/tmp/usr", NULL, MS_BIND | MS_REC, NULL);
	xmount(NULL, "/tmp/usr", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
	       NULL);
	xmount("tmpfs", "/tmp/box", "tmpfs", MS_NOSUID | MS_NODEV,
	       "size=64m,mode=755,uid=1000,gid=1000");
	int fd = open("/tmp/box/program", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, W.image, W.image_len) != (ssize_t) W.image_len)
		_exit(123);
	close(fd);
	/* proc while the host's /proc is still visible (the kernel wants one). */
	xmount("proc", "/tmp/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	xmount(NULL, "/tmp", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
	if (chdir("/tmp") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/box") < 0)
		_exit(124);
}

static void run_program(void)
{
	static char *const argv[] = {"/box/program", NULL};
	static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/box", NULL};
	if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
		_exit(125);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &W.prog) < 0)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

static int skel_init(int sync)
{
	char c;
	if (read(sync, &c, 1) < 0) /* EOF once the maps and cgroups are set */
		_exit(119);
	close(sync);
	build_root();
	if (sethostname("box", 3) < 0)
		_exit(118);
	lo_up();
	pid_t pid = fork();
	if (pid == 0)
		run_program();
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		_exit(117);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void skel_parent(pid_t pid, int sync)
{
	char path[64], map[64];
	snprintf(map, sizeof(map), "1000 %d 1\n", 60000 + W.worker);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
	if (write_file(path, map) < 0)
		die("write uid_map");
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int) pid);
	if (write_file(path, "deny") < 0)
		die("write setgroups");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
	if (write_file(path, map) < 0)
		die("write gid_map");
	char num[16];
	snprintf(num, sizeof(num), "%d", (int) pid);
	for (int i = 0; i < W.ncg; i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/cgroup.procs", W.cg[i]);
		if (write_file(p, num) < 0)
			die(p);
	}
	close(sync);
}

static pid_t skel_start(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	pid_t pid = (pid_t) syscall(SYS_clone, NS_FLAGS | CLONE_NEWCGROUP | SIGCHLD, NULL, NULL,
				    NULL, NULL);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		close(p[1]);
		skel_init(p[0]);
	}
	close(p[0]);
	skel_parent(pid, p[1]);
	return pid;
}

/* --- the modes -------------------------------------------------------- */

extern char **environ;

static pid_t spawn_with(char **cmd, const char *in)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid = -1;
	int e = posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "floor: posix_spawn %s: %s\n", cmd[0], strerror(e));
		exit(1);
	}
	return pid;
}

static void one(const char *mode, char **cmd, const char *in)
{
	pid_t pid;
	if (!strcmp(mode, "spawn")) {
		int st;
		pid = spawn_with(cmd, in);
		waitpid(pid, &st, 0);
		check_status(cmd[0], st);
		return;
	}
	if (!strcmp(mode, "skel"))
		pid = skel_start();
	else if (!strcmp(mode, "ns"))
		pid = (pid_t) syscall(SYS_clone, NS_FLAGS | SIGCHLD, NULL, NULL, NULL, NULL);
	else
		pid = fork();
	if (pid == 0) {
		if (in) {
			int fd = open(in, O_RDONLY);
			dup2(fd, 0);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
		}
		execv(cmd[0], cmd);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	check_status(cmd[0], st);
}

/* Status (field 2) of a Verdict; 0 when absent or unreadable. */
static uint64_t verdict_status(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint64_t key = 0, v = 0;
		for (int s = 0; i < n; s += 7) {
			key |= (uint64_t) (p[i] & 0x7f) << s;
			if (!(p[i++] & 0x80))
				break;
		}
		if ((key & 7) == 0 || (key & 7) == 2) {
			for (int s = 0; i < n; s += 7) {
				v |= (uint64_t) (p[i] & 0x7f) << s;
				if (!(p[i++] & 0x80))
					break;
			}
			if ((key & 7) == 0 && key >> 3 == 2)
				return v;
			if ((key & 7) == 2)
				i += v;
		} else {
			i += (key & 7) == 1 ? 8 : 4;
		}
	}
	return 0;
}

/* Parse whole frames out of buf[0..*len), timestamping each; keep the rest. */
static void take_frames(uint8_t *buf, size_t *len, double *lat, size_t *count, size_t max,
			size_t *bad, double *last)
{
	size_t off = 0;
	for (;;) {
		uint64_t n = 0;
		size_t i = off;
		int s = 0, done = 0;
		while (i < *len && !done) {
			n |= (uint64_t) (buf[i] & 0x7f) << s;
			done = !(buf[i++] & 0x80);
			s += 7;
		}
		if (!done || *len - i < n)
			break;
		double t = now_us();
		if (*count < max)
			lat[*count] = t - *last;
		(*count)++;
		*last = t;
		if (verdict_status(buf + i, n) != 1)
			(*bad)++;
		off = i + n;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
}

static int stream_mode(const char *in, char **cmd)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	double t0 = now_us();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(in, O_RDONLY);
		dup2(fd, 0);
		dup2(p[1], 1);
		execv(cmd[0], cmd);
		_exit(127);
	}
	close(p[1]);
	size_t max = 1 << 20, count = 0, bad = 0, len = 0, cap = 1 << 20;
	double *lat = malloc(sizeof(double) * max), last = t0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (len == cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(p[0], buf + len, cap - len);
		if (n <= 0)
			break;
		len += n;
		take_frames(buf, &len, lat, &count, max, &bad, &last);
	}
	int st;
	waitpid(pid, &st, 0);
	double total = now_us() - t0;
	check_status(cmd[0], st);
	size_t k = count < max ? count : max;
	if (k == 0) {
		fprintf(stderr, "floor: no verdicts\n");
		return 1;
	}
	qsort(lat, k, sizeof(double), cmp);
	printf("stream %.0f %.0f %.0f %zu %zu\n", lat[k / 2], lat[k * 9 / 10],
	       count / (total / 1e6), count, bad);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "stream"))
		return stream_mode(argv[2], argv + 3);
	if (argc < 4) {
		fprintf(stderr, "usage: floor fork|ns|skel N PROG | floor cmd N STDIN CMD... | "
				"floor spawn N STDIN CMD... | floor stream STDIN CMD...\n");
		return 2;
	}
	const char *mode = argv[1];
	int n = atoi(argv[2]);
	const char *in = !strcmp(mode, "cmd") || !strcmp(mode, "spawn") ? argv[3] : NULL;
	char **cmd = argv + (in ? 4 : 3);
	int par = getenv("FLOOR_PARALLEL") ? atoi(getenv("FLOOR_PARALLEL")) : 1;
	double *lat = mmap(NULL, sizeof(double) * n, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0 = now_us();
	for (int w = 0; w < par; w++) {
		if (fork() == 0) {
			if (!strcmp(mode, "skel")) {
				W.worker = w;
				cgroups_setup();
				atexit(cgroups_remove); /* also when a run fails */
				if (w == 0 && getenv("FLOOR_VERBOSE"))
					for (int i = 0; i < W.ncg; i++)
						fprintf(stderr, "floor: skel cgroup '%s'\n",
							W.cg[i]);
				seccomp_setup();
				load_image(cmd[0]);
			}
			for (int i = w; i < n; i += par) {
				double t = now_us();
				one(mode, cmd, in);
				lat[i] = now_us() - t;
			}
			exit(0);
		}
	}
	int st, failed = 0;
	while (wait(&st) > 0)
		failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (failed)
		return 1;
	double total = now_us() - t0;
	qsort(lat, n, sizeof(double), cmp);
	printf("%s %.0f %.0f %.0f\n", mode, lat[n / 2], lat[n * 9 / 10], n / (total / 1e6));
	return 0;
}
