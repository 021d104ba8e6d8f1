/* cgroup module: both backends on fake trees in a temp dir (regular files in
 * place of the kernel's), then, as root, the real hierarchy of this host:
 * limits, CPU, peak memory, OOM and pids.max on real child processes.
 *
 * The real children re-execute this binary ("--child MODE") after being
 * attached, so under valgrind they run natively and their memory figures are
 * the program's own. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-backend.h" /* cg_mount_find */
#include "cgroup.h"

#define MiB	     (1024ULL * 1024ULL)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int t_n, t_fail;
static char self_exe[PATH_MAX];

static void ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		t_fail++;
}

static void skip(const char *why)
{
	printf("ok %d # skip %s\n", ++t_n, why);
	fflush(stdout);
}

/* ---- fake tree helpers ---- */

static char tree[PATH_MAX]; /* the temp dir of the current fake tree */

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void) mkdir(buf, 0755);
			*p = '/';
		}
	}
	(void) mkdir(buf, 0755);
}

static const char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *at(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];
	va_list ap;
	int n = snprintf(buf, PATH_MAX, "%s/", tree);
	va_start(ap, fmt);
	vsnprintf(buf + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	return buf;
}

/* dir/file, in rotating buffers like at(). */
static const char *in(const char *dir, const char *file)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];
	snprintf(buf, PATH_MAX, "%s/%s", dir, file);
	return buf;
}

/* Write a file of the fake tree in place (same inode: open fds see it). */
static void put(const char *path, const char *text)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
		printf("# cannot write '%s': %s\n", path, strerror(errno));
		t_fail++;
	}
	if (fd >= 0)
		close(fd);
}

static const char *get(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return "<absent>";
	buf[n] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	(void) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove the regular files of a fake cgroup dir (what the kernel would do),
 * so rmdir in cg_destroy can succeed. */
static void rm_files(const char *dir)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "find '%s' -maxdepth 1 -type f -delete", dir);
	if (system(cmd) != 0)
		t_fail++;
}

static void tree_new(const char *tag)
{
	snprintf(tree, sizeof(tree), "/tmp/jbcg-%s.XXXXXX", tag);
	if (!mkdtemp(tree)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	(void) chmod(tree, 0755); /* the delegated case runs as nobody */
}

/* Print text as TAP comment lines. */
static void diag(const char *text)
{
	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");
		printf("# %.*s\n", (int) len, l);
		l += len + (l[len] == '\n');
	}
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static struct cg_root *open_root(const struct cg_options *o, int *ret_r, struct jb_err *err)
{
	struct cg_root *root = NULL;
	jb_err_clear(err);
	*ret_r = cg_root_open(o, &root, err);
	return root;
}

/* ---- cgroup v2 on a fake tree ---- */

static void v2_tree(const char *parent_controllers, const char *parent_procs)
{
	tree_new("v2");
	put(at("fs/cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
	put(at("fs/cgroup.subtree_control"), "cpu memory pids\n");
	put(at("fs/cgroup.procs"), "1\n");
	put(at("fs/svc/cgroup.controllers"), parent_controllers);
	put(at("fs/svc/cgroup.subtree_control"), "");
	put(at("fs/svc/cgroup.procs"), parent_procs);
	put(at("fs/svc/cgroup.type"), "domain\n");
	put(at("self"), "0::/svc\n");
}

static struct cg_options v2_opts(void)
{
	static char fs[PATH_MAX], self[PATH_MAX];
	snprintf(fs, sizeof(fs), "%s", at("fs"));
	snprintf(self, sizeof(self), "%s", at("self"));
	return (struct cg_options){.fs_root = fs, .self_cgroup = self};
}

/* What the kernel puts in a fresh v2 job cgroup, with made-up figures. */
static void v2_populate(const char *job, bool optional_files)
{
#define F(name, text) put(in(job, name), text)
	F("memory.max", "max\n");
	F("pids.max", "max\n");
	F("cgroup.procs", "");
	F("memory.peak", "12345678\n");
	F("memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 1\n");
	F("pids.events", "max 3\n");
	F("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\n");
	if (optional_files) {
		F("memory.swap.max", "max\n");
		F("memory.oom.group", "0\n");
		F("cgroup.kill", "");
	}
#undef F
}

static void check_v2_stats(struct cg_root *root, struct cg *cg, const char *job)
{
	struct cg_cpu cpu = {0};
	struct cg_stats st = {0};
	struct jb_err err = {0};
	int r = cg_read_cpu(cg, &cpu);
	ok(r == 0 && cpu.usage_us == 1500 && cpu.user_us == 1000 && cpu.system_us == 500,
	   "v2: cpu.stat usage/user/system %llu/%llu/%llu", (unsigned long long) cpu.usage_us,
	   (unsigned long long) cpu.user_us, (unsigned long long) cpu.system_us);
	r = cg_read_stats(cg, &st, &err);
	ok(r == 0 && st.memory_peak_bytes == 12345678 && st.memory_peak_exact &&
		   st.oom_kills == 2 && st.pids_max_hits == 3,
	   "v2: stats peak %llu exact %d oom %llu pids %llu",
	   (unsigned long long) st.memory_peak_bytes, st.memory_peak_exact,
	   (unsigned long long) st.oom_kills, (unsigned long long) st.pids_max_hits);
	int slots[CG_CPU_FDS];
	cg_cpu_fd_slots(cg, slots);
	struct cg_cpu copy = {0};
	ok(cg_read_cpu_fds(cg_root_backend(root), slots, &copy) == 0 &&
		   copy.usage_us == cpu.usage_us,
	   "v2: cg_read_cpu_fds over the same descriptors reads the same");
	/* The fd opened at cg_create sees new contents: pread at 0 each time. */
	put(in(job, "cpu.stat"), "usage_usec 99000000\nuser_usec 98000000\nsystem_usec 1\n");
	ok(cg_read_cpu(cg, &cpu) == 0 && cpu.usage_us == 99000000 && cpu.system_us == 1,
	   "v2: cg_read_cpu re-reads through its fd");
	(void) remove(in(job, "memory.peak"));
	put(in(job, "memory.current"), "4096\n");
	ok(cg_read_stats(cg, &st, &err) == 0 && st.memory_peak_bytes == 4096 &&
		   !st.memory_peak_exact,
	   "v2: without memory.peak, memory.current and not exact");
}

static void v2_job_checks(struct cg_root *root, const char *base)
{
	struct jb_err err = {0};
	struct cg *cg = NULL, *dup = NULL;
	char job[PATH_MAX];
	snprintf(job, sizeof(job), "%s/job1", base);
	ok(cg_create(root, "job1", &cg, &err) == 0, "v2: cg_create job1 (%s)", err.msg);
	if (!cg)
		return;
	ok(has(get(in(base, "cgroup.subtree_control")), "+memory +pids +cpu"),
	   "v2: controllers enabled in the judgebox-<pid> base");
	ok(exists(job) && exists(in(job, "cpu.stat")), "v2: job dir made, cpu.stat opened");
	ok(cg_create(root, "job1", &dup, &err) == -EEXIST && !dup, "v2: same name twice: EEXIST");
	ok(cg_create(root, "a/b", &dup, &err) == -EINVAL, "v2: name with a slash refused");
	v2_populate(job, true);
	ok(cg_set_limits(cg, 64 * MiB, 8, &err) == 0, "v2: cg_set_limits");
	ok(strcmp(get(in(job, "memory.max")), "67108864") == 0, "v2: memory.max written");
	ok(strcmp(get(in(job, "memory.swap.max")), "0") == 0 &&
		   strcmp(get(in(job, "memory.oom.group")), "1") == 0,
	   "v2: swap.max 0, oom.group 1");
	ok(strcmp(get(in(job, "pids.max")), "8") == 0, "v2: pids.max 8");
	check_v2_stats(root, cg, job);
	ok(cg_attach(cg, 4242, &err) == 0 && strcmp(get(in(job, "cgroup.procs")), "4242") == 0,
	   "v2: cg_attach writes cgroup.procs");
	struct cg_view v[4];
	size_t n = cg_views(cg, v, 4);
	ok(n == 1 && strcmp(v[0].name, "") == 0 && strcmp(v[0].path, job) == 0,
	   "v2: one view, the job dir");
	put(in(job, "cgroup.procs"), "");
	ok(cg_kill_all(cg, &err) == 0 && strcmp(get(in(job, "cgroup.kill")), "1") == 0,
	   "v2: cg_kill_all writes cgroup.kill");
	rm_files(job);
	cg_destroy(cg);
	ok(!exists(job), "v2: cg_destroy removed the job dir");

	snprintf(job, sizeof(job), "%s/job9", base);
	ok(cg_plan(root, "job9", &cg, &err) == 0 && !exists(job),
	   "v2: cg_plan names the dir and makes nothing");
	n = cg ? cg_views(cg, v, 4) : 0;
	ok(n == 1 && strcmp(v[0].path, job) == 0, "v2: a planned cgroup's view is its dir-to-be");
	ok(cg && cg_make(cg, &err) == 0 && exists(job) && exists(in(job, "cpu.stat")),
	   "v2: cg_make makes it and opens cpu.stat (%s)", err.msg);
	rm_files(job);
	cg_destroy(cg);
	ok(!exists(job), "v2: a made plan is removed like a created cgroup");
	ok(cg_plan(root, "job8", &cg, &err) == 0, "v2: a plan never made...");
	cg_destroy(cg);
	ok(!exists(in(base, "job8")), "... is only freed");
}

/* Without the optional files nothing is created; 0 means no limit. */
static void v2_optional_checks(struct cg_root *root, const char *base)
{
	struct jb_err err = {0};
	struct cg *cg = NULL;
	char job[PATH_MAX];
	snprintf(job, sizeof(job), "%s/job2", base);
	ok(cg_create(root, "job2", &cg, &err) == 0, "v2: cg_create job2");
	if (!cg)
		return;
	v2_populate(job, false);
	ok(cg_set_limits(cg, 0, 0, &err) == 0 && strcmp(get(in(job, "memory.max")), "max\n") == 0 &&
		   strcmp(get(in(job, "pids.max")), "max\n") == 0,
	   "v2: zero limits leave memory.max and pids.max alone");
	ok(!exists(in(job, "memory.swap.max")) && !exists(in(job, "memory.oom.group")),
	   "v2: absent swap.max and oom.group are not created");
	ok(cg_set_limits(cg, 1 * MiB, 0, &err) == 0 &&
		   strcmp(get(in(job, "memory.max")), "1048576") == 0,
	   "v2: memory alone");
	/* No cgroup.kill: the SIGKILL loop over cgroup.procs, empty here. */
	ok(cg_kill_all(cg, &err) == 0, "v2: kill loop on an empty cgroup.procs");
	cg_destroy(cg); /* files left: rmdir fails, tolerated on a fake tree */
	ok(exists(job), "v2: cg_destroy tolerates a fake dir with files");
	rm_rf(job);
}

static bool is_v2(const struct cg_root *root);

static void test_v2_fake(void)
{
	struct jb_err err = {0};
	int r;
	char base[PATH_MAX], buf[2048];
	v2_tree("cpu memory pids\n", "");
	struct cg_options o = v2_opts();
	struct cg_root *root = open_root(&o, &r, &err);
	ok(r == 0 && is_v2(root), "v2: auto picks cgroup v2 (%s)", err.msg);
	if (!root)
		return;
	ok(strcmp(get(at("fs/svc/cgroup.subtree_control")), "+memory +pids +cpu") == 0,
	   "v2: parent's subtree_control enabled");
	snprintf(base, sizeof(base), "%s/judgebox-%d", at("fs/svc"), (int) getpid());
	cg_root_describe(root, buf, sizeof(buf));
	ok(has(buf, geteuid() ? "backend: cgroup v2 (delegated)\n" : "backend: cgroup v2\n") &&
		   has(buf, "why: cgroup v2 at '") && has(buf, base),
	   "v2: describe names backend, why, path");
	ok(!exists(base), "v2: base not made before the first job");
	v2_job_checks(root, base);
	v2_optional_checks(root, base);
	rm_files(base);
	cg_root_free(root);
	ok(!exists(base), "v2: cg_root_free removed judgebox-<pid>");
	rm_rf(tree);
}

static void test_v2_detect(void)
{
	struct jb_err err = {0};
	int r;
	char buf[2048];
	v2_tree("cpu pids\n", "");
	struct cg_options o = v2_opts();
	struct cg_root *root = open_root(&o, &r, &err);
	cg_root_describe(root, buf, sizeof(buf));
	ok(r == 0 && cg_root_backend(root) == CG_BACKEND_NONE &&
		   has(buf, "has no memory controller") &&
		   has(buf, "cgroup v1 has no memory hierarchy"),
	   "v2: no memory controller: none, with the reason");
	ok(has(buf, "backend: none (rlimits)\n"), "describe of none");
	cg_root_free(root);
	o.force = "v2";
	root = open_root(&o, &r, &err);
	ok(r == -ENOTSUP && !root && has(err.msg, "has no memory controller"),
	   "v2: forced v2 without memory fails: %s", err.msg);
	rm_rf(tree);
}

/* Root or delegated: both are v2 for these checks. */
static bool is_v2(const struct cg_root *root)
{
	return cg_root_backend(root) == (geteuid() ? CG_BACKEND_V2_DELEGATED : CG_BACKEND_V2);
}

static void test_v2_placement(void)
{
	struct jb_err err = {0};
	int r;
	char buf[2048];
	struct cg_root *root;

	/* The parent holds a process: enabling controllers there is forbidden. */
	v2_tree("cpu memory pids\n", "77\n");
	struct cg_options o = v2_opts();
	o.force = "v2";
	root = open_root(&o, &r, &err);
	ok(r == -EBUSY && has(err.msg, "holds processes") &&
		   strcmp(get(at("fs/svc/cgroup.subtree_control")), "") == 0,
	   "v2: no internal processes rule respected: %s", err.msg);
	put(at("fs/svc/cgroup.subtree_control"), "cpuset cpu memory pids\n");
	root = open_root(&o, &r, &err);
	ok(r == 0 && is_v2(root),
	   "v2: parent with processes but controllers already given is fine");
	cg_root_free(root);

	/* The root cgroup (no cgroup.type) is exempt from the rule. */
	put(at("self"), "0::/\n");
	put(at("fs/cgroup.subtree_control"), "");
	root = open_root(&o, &r, &err);
	ok(r == 0 && strcmp(get(at("fs/cgroup.subtree_control")), "+memory +pids +cpu") == 0,
	   "v2: at the root cgroup, controllers enabled");
	cg_root_free(root);

	o.parent = "svc";
	put(at("self"), "0::/elsewhere\n");
	root = open_root(&o, &r, &err);
	cg_root_describe(root, buf, sizeof(buf));
	ok(r == 0 && has(buf, "/fs/svc/judgebox-"), "v2: --cgroup-parent overrides self");
	cg_root_free(root);
	o.parent = "nope";
	o.force = NULL;
	root = open_root(&o, &r, &err);
	ok(r < 0 && !root && has(err.msg, "cannot use cgroup parent 'nope'"),
	   "v2: missing explicit parent fails: %s", err.msg);
	o.parent = "svc/../..";
	root = open_root(&o, &r, &err);
	ok(r < 0 && has(err.msg, "leaves its hierarchy"), "v2: parent with '..' refused");
	rm_rf(tree);
}

static int open_as_nobody(const struct cg_options *o)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct cg_root *root = NULL;
		struct jb_err err = {0};
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(100);
		int r = cg_root_open(o, &root, &err);
		int code = r < 0 ? 101 : (int) cg_root_backend(root);
		cg_root_free(root);
		_exit(code);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static void test_v2_delegated(void)
{
	if (geteuid() != 0) {
		skip("delegated v2 check needs root to switch to nobody");
		return;
	}
	v2_tree("cpu memory pids\n", "");
	struct cg_options o = v2_opts();
	ok(open_as_nobody(&o) == CG_BACKEND_NONE, "v2: not delegated to nobody: none");
	const char *own[] = {"fs/svc", "fs/svc/cgroup.procs", "fs/svc/cgroup.subtree_control"};
	for (size_t i = 0; i < 3; i++)
		(void) chown(at("%s", own[i]), 65534, 65534);
	ok(open_as_nobody(&o) == CG_BACKEND_V2_DELEGATED, "v2: delegated subtree for nobody");
	rm_rf(tree);
}

/* ---- cgroup v1 on a fake tree ---- */

static void v1_tree(bool comount, bool freezer)
{
	tree_new("v1");
	const char *cpu = comount ? "cpu,cpuacct" : "cpuacct";
	mkdirs(at("fs/memory/a/b"));
	mkdirs(at("fs/pids"));
	mkdirs(at("fs/%s/c", cpu));
	if (freezer)
		mkdirs(at("fs/freezer"));
	put(at("fs/unified/cgroup.controllers"), "hugetlb\n");
	put(at("fs/unified/cgroup.subtree_control"), "");
	char self[512];
	snprintf(self, sizeof(self), "12:freezer:/\n\n4:memory:/a/b\n8:pids:/\n2:%s:/c\n0::/\n",
		 cpu);
	put(at("self"), self);
}

static void v1_mountinfo(void)
{
	char mi[4096];
	const char *fs = at("fs");
	snprintf(mi, sizeof(mi),
		 "25 1 0:27 / /elsewhere/memory rw - cgroup cgroup rw,memory\n"
		 "30 23 0:26 / %s rw - tmpfs tmpfs rw,mode=755\n"
		 "\n" /* an empty line: the lines after it still count */
		 "31 30 0:27 / %s/memory rw,nosuid shared:9 - cgroup cgroup rw,memory\n"
		 "32 30 0:28 / %s/pids rw - cgroup cgroup rw,pids\n"
		 "33 30 0:29 / %s/cpu,cpuacct rw shared:4 master:1 - cgroup cgroup rw,cpu,cpuacct\n"
		 "34 30 0:30 / %s/freezer rw - cgroup cgroup rw,freezer\n"
		 "35 30 0:31 / %s/unified rw - cgroup2 cgroup2 rw,nsdelegate\n",
		 fs, fs, fs, fs, fs, fs);
	put(at("mountinfo"), mi);
}

static struct cg_options v1_opts(bool mounts)
{
	static char fs[PATH_MAX], self[PATH_MAX], mi[PATH_MAX];
	snprintf(fs, sizeof(fs), "%s", at("fs"));
	snprintf(self, sizeof(self), "%s", at("self"));
	snprintf(mi, sizeof(mi), "%s", at("mountinfo"));
	return (struct cg_options){
		.fs_root = fs, .self_cgroup = self, .mounts = mounts ? mi : NULL};
}

static void v1_populate(const char *mem, const char *pids, const char *cpu, const char *fz)
{
	const char *dirs[] = {mem, pids, cpu, fz};
	for (size_t i = 0; i < ARRAY_LEN(dirs) && dirs[i]; i++)
		put(at("%s/cgroup.procs", dirs[i]), "");
	put(at("%s/memory.limit_in_bytes", mem), "9223372036854771712\n");
	put(at("%s/memory.memsw.limit_in_bytes", mem), "9223372036854771712\n");
	put(at("%s/memory.max_usage_in_bytes", mem), "33554432\n");
	put(at("%s/memory.oom_control", mem), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put(at("%s/memory.failcnt", mem), "0\n");
	put(at("%s/pids.max", pids), "max\n");
	put(at("%s/pids.events", pids), "max 5\n");
	put(at("%s/cpuacct.usage", cpu), "2000000000\n");
	put(at("%s/cpuacct.usage_user", cpu), "1500000000\n");
	put(at("%s/cpuacct.usage_sys", cpu), "500000000\n");
}

static void v1_stats_checks(struct cg *cg, const char *mem)
{
	struct jb_err err = {0};
	struct cg_stats st;
	ok(cg_read_stats(cg, &st, &err) == 0 && st.cpu.usage_us == 2000000 &&
		   st.cpu.user_us == 1500000 && st.cpu.system_us == 500000,
	   "v1: cpuacct usage, user, sys in us");
	ok(st.memory_peak_bytes == 33554432 && st.memory_peak_exact && st.oom_kills == 2 &&
		   st.pids_max_hits == 5,
	   "v1: peak, oom_kill, pids.events max");
	put(at("%s/memory.oom_control", mem), "oom_kill_disable 0\nunder_oom 1\n");
	put(at("%s/memory.failcnt", mem), "3\n");
	ok(cg_read_stats(cg, &st, &err) == 0 && st.oom_kills == 1,
	   "v1: no oom_kill line: failcnt and under_oom");
	put(at("%s/memory.oom_control", mem), "oom_kill_disable 0\nunder_oom 0\n");
	ok(cg_read_stats(cg, &st, &err) == 0 && st.oom_kills == 0,
	   "v1: no oom_kill line, not under oom: 0");
}

/* A real child listed in the fake cgroup.procs gets SIGKILL; the fake list
 * never empties, so the loop gives up with EBUSY. */
static void v1_kill_checks(struct cg *cg, const char *const *dirs, size_t n, const char *fz)
{
	struct jb_err err = {0};
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok(cg_attach(cg, pid, &err) == 0, "v1: cg_attach");
	char want[32];
	snprintf(want, sizeof(want), "%d", (int) pid);
	bool all = true;
	for (size_t i = 0; i < n; i++)
		all &= strcmp(get(at("%s/cgroup.procs", dirs[i])), want) == 0;
	ok(all, "v1: pid in every hierarchy's cgroup.procs");
	int r = cg_kill_all(cg, &err);
	int status = 0;
	waitpid(pid, &status, 0);
	ok(r == -EBUSY && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "v1: kill loop SIGKILLs the listed task, EBUSY when it stays listed");
	if (fz)
		ok(strcmp(get(at("%s/freezer.state", fz)), "THAWED") == 0, "v1: thawed after kill");
	for (size_t i = 0; i < n; i++)
		put(at("%s/cgroup.procs", dirs[i]), "");
	ok(cg_kill_all(cg, &err) == 0, "v1: kill on an empty cgroup: 0");
}

static void v1_job_checks(struct cg_root *root, bool comount, bool freezer)
{
	struct jb_err err = {0};
	struct cg *cg = NULL;
	int pid = (int) getpid();
	char mem[256], pids[256], cpu[256], fz[256];
	snprintf(mem, sizeof(mem), "fs/memory/a/b/judgebox-%d/j", pid);
	snprintf(pids, sizeof(pids), "fs/pids/judgebox-%d/j", pid);
	snprintf(cpu, sizeof(cpu), "fs/%s/c/judgebox-%d/j", comount ? "cpu,cpuacct" : "cpuacct",
		 pid);
	snprintf(fz, sizeof(fz), "fs/freezer/judgebox-%d/j", pid);
	ok(cg_create(root, "j", &cg, &err) == 0, "v1: cg_create (%s)", err.msg);
	if (!cg)
		return;
	ok(exists(at("%s", mem)) && exists(at("%s", pids)) && exists(at("%s/cpuacct.usage", cpu)) &&
		   exists(at("%s", fz)) == freezer,
	   "v1: a job dir in every hierarchy");
	v1_populate(mem, pids, cpu, freezer ? fz : NULL);
	ok(cg_set_limits(cg, 64 * MiB, 8, &err) == 0 &&
		   strcmp(get(at("%s/memory.limit_in_bytes", mem)), "67108864") == 0 &&
		   strcmp(get(at("%s/memory.memsw.limit_in_bytes", mem)), "67108864") == 0 &&
		   strcmp(get(at("%s/pids.max", pids)), "8") == 0,
	   "v1: limit, memsw (swap off) and pids.max written");
	v1_stats_checks(cg, mem);
	struct cg_view v[4];
	size_t n = cg_views(cg, v, 4);
	ok(n == (freezer ? 4u : 3u) && strcmp(v[0].name, "memory") == 0 &&
		   strcmp(v[1].name, "pids") == 0 &&
		   strcmp(v[2].name, comount ? "cpu,cpuacct" : "cpuacct") == 0 &&
		   strcmp(v[0].path, at("%s", mem)) == 0,
	   "v1: one view per hierarchy with its name");
	if (freezer)
		put(at("%s/freezer.state", fz), "THAWED\n");
	const char *dirs[] = {mem, pids, cpu, fz};
	size_t ndirs = freezer ? 4 : 3;
	v1_kill_checks(cg, dirs, ndirs, freezer ? fz : NULL);
	for (size_t i = 0; i < ndirs; i++)
		rm_files(at("%s", dirs[i]));
	cg_destroy(cg);
	ok(!exists(at("%s", mem)) && !exists(at("%s", pids)) && !exists(at("%s", cpu)) &&
		   !exists(at("%s", fz)),
	   "v1: cg_destroy removed every job dir");
}

static void test_v1_fake(bool mounts)
{
	struct jb_err err = {0};
	int r;
	char buf[4096], want[PATH_MAX + 64];
	v1_tree(mounts, mounts);
	if (mounts)
		v1_mountinfo();
	struct cg_options o = v1_opts(mounts);
	struct cg_root *root = open_root(&o, &r, &err);
	ok(r == 0 && cg_root_backend(root) == CG_BACKEND_V1, "v1 (%s): auto picks cgroup v1 (%s)",
	   mounts ? "mountinfo" : "layout", err.msg);
	if (!root)
		return;
	if (mounts) {
		char mnt[PATH_MAX], mroot[PATH_MAX], ctrls[PATH_MAX];
		ok(cg_mount_find(&o, "cgroup", "pids", mnt, mroot, ctrls, sizeof(mnt)) == 0 &&
			   strcmp(mnt, at("fs/pids")) == 0,
		   "v1: a mountinfo line after an empty one is found");
	}
	cg_root_describe(root, buf, sizeof(buf));
	diag(buf);
	snprintf(want, sizeof(want), "memory: %s/judgebox-%d\n", at("fs/memory/a/b"),
		 (int) getpid());
	ok(has(buf, "backend: cgroup v1\n") && has(buf, "unified' has no memory controller; ") &&
		   has(buf, "cgroup v1 has memory") && has(buf, want),
	   "v1: describe says why and where");
	snprintf(want, sizeof(want), "%s: %s/judgebox-%d\n", mounts ? "cpu,cpuacct" : "cpuacct",
		 at(mounts ? "fs/cpu,cpuacct/c" : "fs/cpuacct/c"), (int) getpid());
	ok(has(buf, want), "v1: cpuacct hierarchy and its parent from self_cgroup");
	v1_job_checks(root, mounts, mounts);
	cg_root_free(root);
	snprintf(want, sizeof(want), "fs/memory/a/b/judgebox-%d", (int) getpid());
	ok(!exists(at("%s", want)), "v1: cg_root_free removed judgebox-<pid>");
	rm_rf(tree);
}

static void test_v1_detect(void)
{
	struct jb_err err = {0};
	int r;
	char buf[2048];
	v1_tree(false, false);
	rm_rf(at("fs/pids"));
	struct cg_options o = v1_opts(false);
	struct cg_root *root = open_root(&o, &r, &err);
	cg_root_describe(root, buf, sizeof(buf));
	ok(r == 0 && cg_root_backend(root) == CG_BACKEND_NONE &&
		   has(buf, "cgroup v1 has no pids hierarchy"),
	   "v1: no pids hierarchy: none");
	cg_root_free(root);
	o.force = "v1";
	root = open_root(&o, &r, &err);
	ok(r < 0 && has(err.msg, "cannot use cgroup v1: cgroup v1 has no pids"),
	   "v1: forced v1 without pids fails: %s", err.msg);
	o.force = "bogus";
	root = open_root(&o, &r, &err);
	ok(r == -EINVAL && err.kind == JB_ERR_INVALID && has(err.msg, "'bogus'"),
	   "unknown force value is invalid");
	o.force = "none";
	root = open_root(&o, &r, &err);
	ok(r == 0 && cg_root_backend(root) == CG_BACKEND_NONE, "forced none");
	struct cg *cg = NULL;
	ok(cg_create(root, "x", &cg, &err) == -ENOTSUP, "no cgroup without a backend");
	cg_root_free(root);
	rm_rf(tree);
}

/* ---- the real hierarchy (root only) ---- */

static void busy_cpu_ms(long ms)
{
	struct timespec ts;
	for (;;) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		if (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= ms)
			return;
	}
}

static void touch(size_t bytes)
{
	volatile char *p =
		mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
}

/* _exit: no LeakSanitizer at exit (its tracer thread would need a pid). */
static int child_main(const char *mode)
{
	if (strcmp(mode, "mem") == 0) {
		touch(16 * MiB);
		busy_cpu_ms(200);
		_exit(0);
	}
	if (strcmp(mode, "oom") == 0) {
		touch(200 * MiB);
		_exit(0);
	}
	if (strcmp(mode, "forks") == 0) {
		for (int i = 0; i < 64; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				pause();
				_exit(0);
			}
			if (pid < 0)
				_exit(errno == EAGAIN ? 0 : 2);
		}
		_exit(1);
	}
	_exit(4);
}

/* Fork a child that waits until attached, then re-executes us as MODE. */
static int run_in(struct cg *cg, const char *mode)
{
	int go[2];
	struct jb_err err = {0};
	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		struct cg_cpu cpu;
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		/* What the program's process does just before exec. */
		if (cg_read_cpu(cg, &cpu) < 0)
			_exit(7);
		execl(self_exe, self_exe, "--child", mode, (char *) NULL);
		_exit(6);
	}
	close(go[0]);
	int r = cg_attach(cg, pid, &err);
	if (r < 0)
		printf("# attach: %s\n", err.msg);
	if (write(go[1], "g", 1) != 1)
		r = -1;
	close(go[1]);
	int status = 0;
	waitpid(pid, &status, 0);
	return r < 0 ? -1 : status;
}

/* cg_destroy must leave nothing: check each job dir is gone. */
static void destroy_checked(struct cg *cg, const char *what)
{
	struct cg_view v[4];
	char paths[4][PATH_MAX];
	size_t n = cg_views(cg, v, 4);
	for (size_t i = 0; i < n; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s", v[i].path);
	cg_destroy(cg);
	bool gone = n > 0;
	for (size_t i = 0; i < n; i++)
		gone &= !exists(paths[i]);
	ok(gone, "real: cg_destroy of %s left no directory", what);
}

static void real_mem_cpu(struct cg_root *root)
{
	struct jb_err err = {0};
	struct cg *cg = NULL, *idle = NULL;
	struct cg_stats st, st_idle;
	ok(cg_create(root, "mem", &cg, &err) == 0, "real: cg_create (%s)", err.msg);
	ok(cg_create(root, "idle", &idle, &err) == 0, "real: a second job's cgroup (%s)", err.msg);
	if (!cg || !idle)
		return;
	ok(cg_set_limits(cg, 64 * MiB, 8, &err) == 0, "real: limits 64 MiB, 8 pids (%s)", err.msg);
	int status = run_in(cg, "mem");
	ok(status == 0, "real: 16 MiB + 200 ms child exits 0 (status %d)", status);
	int r = cg_read_stats(cg, &st, &err);
	ok(r == 0, "real: cg_read_stats (%s)", err.msg);
	ok(st.cpu.usage_us >= 150000 && st.cpu.usage_us < 2000000, "real: cpu %llu us >= 150000",
	   (unsigned long long) st.cpu.usage_us);
	ok(st.cpu.user_us + st.cpu.system_us > 100000, "real: user %llu + system %llu us",
	   (unsigned long long) st.cpu.user_us, (unsigned long long) st.cpu.system_us);
	ok(st.memory_peak_bytes >= 16 * MiB && st.memory_peak_bytes <= 40 * MiB,
	   "real: peak %llu bytes in [16, 40] MiB", (unsigned long long) st.memory_peak_bytes);
	ok(st.oom_kills == 0, "real: no OOM kill");
	r = cg_read_stats(idle, &st_idle, &err);
	ok(r == 0 && st_idle.cpu.usage_us == 0 && st_idle.memory_peak_bytes < MiB,
	   "real: the other job sees none of it (cpu %llu us, peak %llu)",
	   (unsigned long long) st_idle.cpu.usage_us,
	   (unsigned long long) st_idle.memory_peak_bytes);
	destroy_checked(idle, "the idle job");
	destroy_checked(cg, "the memory/cpu job");
}

static void real_oom(struct cg_root *root)
{
	struct jb_err err = {0};
	struct cg *cg = NULL;
	struct cg_stats st;
	ok(cg_create(root, "oom", &cg, &err) == 0 && cg_set_limits(cg, 64 * MiB, 8, &err) == 0,
	   "real: oom cgroup (%s)", err.msg);
	if (!cg)
		return;
	int status = run_in(cg, "oom");
	ok(status > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "real: 200 MiB under 64 MiB is killed (status %d)", status);
	int r = cg_read_stats(cg, &st, &err);
	ok(r == 0 && st.oom_kills >= 1, "real: oom_kills %llu >= 1 (%s)",
	   (unsigned long long) st.oom_kills, err.msg);
	ok(st.memory_peak_bytes <= 64 * MiB, "real: peak %llu within the limit",
	   (unsigned long long) st.memory_peak_bytes);
	destroy_checked(cg, "the OOM job");
}

/* Orphans of the fork loop come to us (subreaper): reap them after the kill. */
static int reap_all(void)
{
	int n = 0;
	for (int i = 0; i < 2000; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p < 0)
			return n;
		if (p > 0)
			n++;
		else
			usleep(1000);
	}
	return -1;
}

static void real_pids(struct cg_root *root)
{
	struct jb_err err = {0};
	struct cg *cg = NULL;
	struct cg_stats st;
	ok(cg_create(root, "pids", &cg, &err) == 0 && cg_set_limits(cg, 64 * MiB, 8, &err) == 0,
	   "real: pids cgroup (%s)", err.msg);
	if (!cg)
		return;
	(void) prctl(PR_SET_CHILD_SUBREAPER, 1);
	int status = run_in(cg, "forks");
	ok(status == 0, "real: fork loop under pids.max 8 got EAGAIN (status %d)", status);
	int r = cg_read_stats(cg, &st, &err);
	ok(r == 0 && st.pids_max_hits >= 1, "real: pids.events max %llu >= 1 (%s)",
	   (unsigned long long) st.pids_max_hits, err.msg);
	ok(cg_kill_all(cg, &err) == 0, "real: cg_kill_all (%s)", err.msg);
	int reaped = reap_all();
	ok(reaped == 7, "real: the 7 orphans were killed and reaped (%d)", reaped);
	destroy_checked(cg, "the fork job");
	(void) prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* This host has v1 memory (a cgroup mount at /sys/fs/cgroup/memory); the
 * memory parent must then be where /proc/self/cgroup says we are. */
static void real_expect_v1(struct cg_root *root, const char *desc)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup/memory", &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC)
		return;
	ok(cg_root_backend(root) == CG_BACKEND_V1, "real: auto picks cgroup v1 here");
	char line[PATH_MAX], want[PATH_MAX + 64] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, ":memory:")) {
			const char *p = strstr(line, ":memory:") + 8;
			snprintf(want, sizeof(want),
				 "memory: /sys/fs/cgroup/memory%s%sjudgebox-%d\n", p,
				 strcmp(p, "/") == 0 ? "" : "/", (int) getpid());
		}
	}
	if (f)
		fclose(f);
	ok(*want && has(desc, want), "real: describe has %.*s", (int) strcspn(want, "\n"), want);
}

/* The "name: /path" lines of the description are the bases. */
static void check_root_free(struct cg_root *root, char *desc)
{
	char *bases[8];
	size_t n = 0;
	for (char *l = strtok(desc, "\n"); l && n < 8; l = strtok(NULL, "\n")) {
		char *p = strstr(l, ": /");
		if (p && strncmp(l, "why:", 4) != 0)
			bases[n++] = p + 2;
	}
	bool had = n > 0, gone = true;
	for (size_t i = 0; i < n; i++) {
		had &= exists(bases[i]);
	}
	cg_root_free(root);
	for (size_t i = 0; i < n; i++)
		gone &= !exists(bases[i]);
	ok(had && gone, "real: cg_root_free removed the %zu judgebox-<pid> bases", n);
}

/* A spare cgroup holds no descriptors (cg_park) and gets working ones back
 * on reuse; none of what it closed may be closed again later, whatever
 * number another descriptor has taken meanwhile. */
static void real_park_reuse(struct cg_root *root)
{
	struct jb_err err = {0};
	struct cg *cg = NULL;
	ok(cg_create(root, "park", &cg, &err) == 0, "real: cg_create for parking (%s)", err.msg);
	if (!cg)
		return;
	int fds[CG_CPU_FDS];
	cg_cpu_fd_slots(cg, fds);
	size_t n = (fds[0] >= 0) + (fds[1] >= 0) + (fds[2] >= 0);
	int status = run_in(cg, "mem");
	ok(status == 0 && n > 0, "real: a job ran in it (status %d, %zu CPU fds)", status, n);
	cg_park(cg);
	cg_cpu_fd_slots(cg, fds);
	ok(fds[0] < 0 && fds[1] < 0 && fds[2] < 0,
	   "real: a parked cgroup keeps no CPU descriptors");
	int other = open("/dev/null", O_RDONLY | O_CLOEXEC); /* likely one of the old numbers */
	ok(cg_reuse(cg, &err) == 0, "real: cg_reuse of a parked cgroup (%s)", err.msg);
	struct cg_stats st;
	ok(cg_read_stats(cg, &st, &err) == 0 && st.cpu.usage_us < 10000,
	   "real: after reuse the CPU counter reads again, from 0 (%llu us; %s)",
	   (unsigned long long) st.cpu.usage_us, err.msg);
	cg_park(cg);
	destroy_checked(cg, "the parked job");
	ok(fcntl(other, F_GETFD) >= 0, "real: parking and destroying closed no one else's fd");
	close(other);
}

/* cg_root_sweep removes what a judgebox killed by SIGKILL left in a real
 * parent: its judgebox-PID base with a job directory, and a single run's
 * flat judgebox-PID-jobN. */
static void real_sweep(const struct cg_options *o, const char *desc)
{
	const char *m = strstr(desc, "memory: /");
	char parent[PATH_MAX];
	if (!m) {
		skip("sweep: no memory hierarchy");
		return;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int) strcspn(m + 8, "\n"), m + 8);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = '\0';
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	char base[PATH_MAX + 64], job[PATH_MAX + 80], flat[PATH_MAX + 80];
	snprintf(base, sizeof(base), "%s/judgebox-%d", parent, (int) dead);
	snprintf(job, sizeof(job), "%s/job1", base);
	snprintf(flat, sizeof(flat), "%s/judgebox-%d-job1", parent, (int) dead);
	ok(mkdir(base, 0755) == 0 && mkdir(job, 0755) == 0 && mkdir(flat, 0755) == 0,
	   "sweep: a dead judgebox's base, job and flat directories made");
	struct jb_err err = {0};
	struct cg_root *root = NULL;
	if (cg_root_open(o, &root, &err) == 0) {
		cg_root_sweep(root);
		cg_root_free(root);
	}
	ok(!exists(job) && !exists(base) && !exists(flat),
	   "sweep: cg_root_sweep removed all three (%s)", err.msg);
	(void) rmdir(job);
	(void) rmdir(base);
	(void) rmdir(flat);
}

static void test_real(void)
{
	if (geteuid() != 0) {
		skip("real cgroup tests need root");
		return;
	}
	struct cg_options o = {.fs_root = "/sys/fs/cgroup",
			       .self_cgroup = "/proc/self/cgroup",
			       .mounts = "/proc/self/mountinfo"};
	struct jb_err err = {0};
	int r;
	char desc[4096];
	struct cg_root *root = open_root(&o, &r, &err);
	if (r < 0 || cg_root_backend(root) == CG_BACKEND_NONE) {
		ok(r == 0, "real: cg_root_open (%s)", err.msg);
		skip("no usable cgroup on this host");
		cg_root_free(root);
		return;
	}
	cg_root_describe(root, desc, sizeof(desc));
	diag(desc);
	real_expect_v1(root, desc);
	real_mem_cpu(root);
	real_oom(root);
	real_pids(root);
	real_park_reuse(root);
	real_sweep(&o, desc);
	check_root_free(root, desc);
}

/* cg_root_open_lazy: the automatic choice waits for cg_root_probe and then
 * is what cg_root_open finds; a forced one is probed at once. */
static void test_lazy(void)
{
	struct jb_err err = {0};
	char eager_desc[4096], lazy_desc[4096];
	v1_tree(true, true);
	v1_mountinfo();
	struct cg_options o = v1_opts(true);
	struct cg_root *eager = NULL, *lazy = NULL;
	ok(cg_root_open(&o, &eager, &err) == 0 && !cg_root_pending(eager),
	   "lazy: cg_root_open probes at once (%s)", err.msg);
	ok(cg_root_open_lazy(&o, &lazy, &err) == 0 && cg_root_pending(lazy) &&
		   cg_root_backend(lazy) == CG_BACKEND_NONE,
	   "lazy: the automatic choice is pending, with no backend yet");
	ok(lazy && cg_root_probe(lazy, &err) == 0 && !cg_root_pending(lazy) &&
		   cg_root_backend(lazy) == CG_BACKEND_V1,
	   "lazy: cg_root_probe picks cgroup v1 (%s)", err.msg);
	ok(lazy && cg_root_probe(lazy, &err) == 0 && cg_root_backend(lazy) == CG_BACKEND_V1,
	   "lazy: a second cg_root_probe changes nothing");
	if (eager && lazy) {
		cg_root_describe(eager, eager_desc, sizeof(eager_desc));
		cg_root_describe(lazy, lazy_desc, sizeof(lazy_desc));
		ok(strcmp(eager_desc, lazy_desc) == 0, "lazy: the same hierarchies and parents");
	}
	cg_root_free(lazy);
	lazy = NULL;
	o.force = "v1";
	ok(cg_root_open_lazy(&o, &lazy, &err) == 0 && !cg_root_pending(lazy) &&
		   cg_root_backend(lazy) == CG_BACKEND_V1,
	   "lazy: a forced backend is probed at once (%s)", err.msg);
	cg_root_free(lazy);
	lazy = NULL;
	o.force = "v2";
	ok(cg_root_open_lazy(&o, &lazy, &err) < 0 && !lazy,
	   "lazy: an impossible force fails at open: %s", err.msg);
	cg_root_free(eager);
	rm_rf(tree);
}

/* cg_options.flat on v1: each job's cgroup right under the parents
 * (judgebox-PID-NAME), no judgebox-PID base; two jobs side by side. */
static void test_flat(void)
{
	struct jb_err err = {0};
	int pid = (int) getpid();
	v1_tree(true, true);
	v1_mountinfo();
	struct cg_options o = v1_opts(true);
	o.flat = true;
	struct cg_root *root = NULL;
	ok(cg_root_open_lazy(&o, &root, &err) == 0 && cg_root_probe(root, &err) == 0 &&
		   cg_root_backend(root) == CG_BACKEND_V1,
	   "flat: v1 (%s)", err.msg);
	if (!root)
		return;
	struct cg *a = NULL, *b = NULL;
	ok(cg_create(root, "job1", &a, &err) == 0 && cg_create(root, "job2", &b, &err) == 0,
	   "flat: two cgroups (%s)", err.msg);
	char mem1[256], mem2[256], pids1[256], base[256];
	snprintf(mem1, sizeof(mem1), "fs/memory/a/b/judgebox-%d-job1", pid);
	snprintf(mem2, sizeof(mem2), "fs/memory/a/b/judgebox-%d-job2", pid);
	snprintf(pids1, sizeof(pids1), "fs/pids/judgebox-%d-job1", pid);
	snprintf(base, sizeof(base), "fs/memory/a/b/judgebox-%d", pid);
	ok(exists(at("%s", mem1)) && exists(at("%s", mem2)) && exists(at("%s", pids1)),
	   "flat: judgebox-<pid>-<name> right under each parent");
	ok(!exists(at("%s", base)), "flat: no judgebox-<pid> base");
	struct cg_view v[4];
	ok(a && cg_views(a, v, 4) >= 1 && strcmp(v[0].path, at("%s", mem1)) == 0,
	   "flat: the view is the job's own directory");
	cg_destroy(a);
	ok(!exists(at("%s", mem1)) && exists(at("%s", mem2)),
	   "flat: cg_destroy removes only its own directories");
	cg_destroy(b);
	cg_root_free(root);
	ok(!exists(at("%s", mem2)) && !exists(at("%s", base)), "flat: nothing left");
	rm_rf(tree);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2]);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n < 0)
		return 1;
	self_exe[n] = '\0';
	test_v2_fake();
	test_v2_detect();
	test_v2_placement();
	test_v2_delegated();
	test_v1_fake(true);
	test_v1_fake(false);
	test_v1_detect();
	test_lazy();
	test_flat();
	test_real();
	printf("1..%d\n", t_n);
	return t_fail ? 1 : 0;
}
