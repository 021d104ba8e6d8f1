#include "init.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "lim.h"
#include "mount.h"
#include "ns.h"
#include "util.h"

/* The loop state of init once the program runs. */
struct loop {
	const struct init_ctx *ctx;
	const cpu_set_t *cpus; /* the program's slot's CPUs, or NULL */
	pid_t main_pid;
	int listener;		     /* seccomp notification fd, -1 until known */
	bool first_exec_pending;     /* the program's own execve is still to come */
	struct seccomp_notif *notif; /* sized by SECCOMP_GET_NOTIF_SIZES */
	struct seccomp_notif_resp *resp;
};

/* The job cgroup's descriptors, received with 'C' (-1: none). */
static struct {
	int cpu_fd[CG_CPU_FDS];
	int self_fd[INIT_CG_FDS_MAX];
	size_t n_self;
	int leave_fd[INIT_CG_FDS_MAX];
	size_t n_leave;
} late = {{-1, -1, -1}, {-1}, 0, {-1}, 0};

static void close_fd_quiet(int fd)
{
	if (fd >= 0)
		(void) close(fd); /* EOF tells the supervisor the list is complete */
}

static __attribute__((noreturn)) void fail(const struct init_ctx *ctx, struct jb_err *err)
{
	struct init_msg m = {.type = INIT_MSG_FAIL, .err = *err};
	(void) jb_write_all(ctx->msg_fd, &m, sizeof(m)); /* nothing else to tell */
	_exit(1);
}

/* Keep only the descriptors init needs: the supervisor's others (its stdout,
 * other jobs' pipes) must not stay open here. 0-2 become /dev/null so that
 * new descriptors never land on them. */
static int keep_fds(const struct init_ctx *ctx, struct jb_err *err)
{
	int keep[8] = {ctx->ctl_fd,    ctx->msg_fd,    ctx->stdin_fd,
		       ctx->stdout_fd, ctx->stderr_fd, ctx->collect_fd};
	int n = 6;
	if (ctx->template_fd >= 0)
		keep[n++] = ctx->template_fd;
	for (int i = 1; i < n; i++) /* insertion sort: a handful of entries */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	unsigned lo = 3;
	for (int i = 0; i < n; i++) {
		if ((unsigned) keep[i] > lo)
			(void) syscall(SYS_close_range, lo, (unsigned) keep[i] - 1, 0);
		lo = (unsigned) keep[i] + 1;
	}
	(void) syscall(SYS_close_range, lo, ~0U, 0);
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return jb_fail(err, errno, "open '/dev/null'");
	for (int fd = 0; fd < 3; fd++)
		if (fd != null && dup2(null, fd) < 0)
			return jb_fail(err, errno, "dup2 /dev/null");
	if (null > 2)
		close(null);
	return 0;
}

static char wait_ctl(const struct init_ctx *ctx)
{
	char c = 0;
	ssize_t n;
	while ((n = read(ctx->ctl_fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? c : 0;
}

/* 'C' and the cgroup's descriptors; anything else (a 'K', EOF) ends init. */
static int wait_cg(const struct init_ctx *ctx, struct jb_err *err)
{
	struct init_cg_msg m = {0};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * INIT_CG_FDS_MAX)];
	} u;
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t k;
	while ((k = recvmsg(ctx->ctl_fd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (k < 1 || m.type != 'C')
		_exit(1); /* the supervisor ends the job */
	if (k < (ssize_t) sizeof(m) &&
	    jb_read_full(ctx->ctl_fd, (char *) &m + k, sizeof(m) - (size_t) k) < 0)
		_exit(1);
	int fds[INIT_CG_FDS_MAX];
	size_t n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t cn = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(c), cn * sizeof(int));
			n = cn;
		}
	size_t want = (size_t) __builtin_popcount(m.cpu_mask & 7) + m.n_self + m.n_leave;
	if (n != want || (mh.msg_flags & MSG_CTRUNC))
		return jb_fail(err, EPROTO, "the cgroup's descriptors: %zu of %zu", n, want);
	size_t k2 = 0;
	for (size_t i = 0; i < CG_CPU_FDS; i++)
		late.cpu_fd[i] = m.cpu_mask & (1u << i) ? fds[k2++] : -1;
	for (late.n_self = 0; late.n_self < m.n_self; k2++)
		late.self_fd[late.n_self++] = fds[k2];
	for (late.n_leave = 0; k2 < n; k2++)
		late.leave_fd[late.n_leave++] = fds[k2];
	return 0;
}

/* The views the supervisor planned after the clone, from the report (which
 * the strings point into: it outlives the job's set-up). */
static void late_views(const struct init_report *rep, struct mnt_config *mc)
{
	static struct cg_view views[8];
	const char *p = rep->cg_views, *end = rep->cg_views + sizeof(rep->cg_views);
	size_t n = 0;
	for (; n < rep->n_cg_views && n < ARRAY_SIZE(views); n++) {
		const char *name_end = memchr(p, '\0', (size_t) (end - p));
		const char *path = name_end ? name_end + 1 : end;
		const char *path_end = memchr(path, '\0', (size_t) (end - path));
		if (!path_end)
			break; /* cannot happen: the supervisor wrote it whole */
		views[n] = (struct cg_view){p, path};
		p = path_end + 1;
	}
	mc->cg = views;
	mc->n_cg = n;
	mc->cg_points = true;
}

static int place_files(const struct job *job, struct jb_err *err)
{
	const Judgebox__Job *pb = job->pb;
	int r = 0;
	if (pb->executable.len > 0)
		r = mnt_place_file("program", pb->executable.data, pb->executable.len, 1, err);
	for (size_t i = 0; r >= 0 && i < pb->n_files; i++)
		r = mnt_place_file(job->file_paths[i], pb->files[i]->content.data,
				   pb->files[i]->content.len, pb->files[i]->executable, err);
	if (r < 0 && err->code == ENOSPC) {
		/* The sizes fit the limit, the tmpfs' per-file blocks did not. */
		err->kind = JB_ERR_INVALID;
		jb_err_prefix(err, "files: do not fit in limits.box_bytes");
	}
	return r;
}

/* Switch init to uid/gid of its namespace. A credential change clears the
 * parent-death signal and resets dumpability (to fs.suid_dumpable): set
 * both again. Non-dumpable, init's /proc files belong to the namespace's
 * root and ptrace access needs capabilities the program lacks: its
 * memory, descriptors and environment stay closed to the program even
 * when the two share a uid (an unprivileged supervisor). */
static int become(unsigned uid, unsigned gid, struct jb_err *err)
{
	int r = caps_switch_user(uid, gid, err);
	if (r < 0)
		return r;
	(void) prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return jb_fail(err, errno, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

static int setup(const struct init_ctx *ctx, struct jb_err *err)
{
	/* The box user first: what init makes for the program (/box, /tmp,
	 * the placed files) is the program's. */
	int r = become(NS_BOX_UID, NS_BOX_GID, err);
	if (r < 0)
		return r;
	umask(022);
	r = ns_set_hostname(ctx->hostname, err);
	if (r >= 0)
		r = ns_loopback_up(err);
	struct mnt_config mc = {.rootfs = ctx->job->rootfs,
				.box_bytes = ctx->job->limits.box_bytes,
				.cg = ctx->cg_views,
				.n_cg = ctx->n_cg_views,
				.template_fd = ctx->template_fd};
	if (r >= 0)
		r = mnt_stage(&mc, err);
	if (ctx->template_fd >= 0)
		close(ctx->template_fd); /* copied: the program never sees it */
	/* The supervisor made the cgroup meanwhile: its dirs are bound next. */
	if (r >= 0)
		r = wait_cg(ctx, err);
	if (r >= 0 && ctx->cg_late)
		late_views(ctx->report, &mc);
	if (r >= 0)
		r = mnt_enter(&mc, err);
	if (r >= 0)
		r = place_files(ctx->job, err);
	/* Into the job's cgroup only now: the files placed are not the
	 * program's memory. */
	if (r >= 0 && late.n_self && (r = cg_self_attach(late.self_fd, late.n_self)) < 0)
		jb_fail(err, -r, "move init into the job's cgroup");
	for (size_t i = 0; i < late.n_self; i++)
		close(late.self_fd[i]); /* the program must not move itself back out */
	/* Then init's own id, when the supervisor mapped one: another uid
	 * than the program's, so the program can neither signal init nor
	 * touch it through /proc, prlimit or setpriority. As the namespace's
	 * root init keeps what it needs over the program's processes (kill,
	 * reading /box, the seccomp listener asks for nothing). */
	if (r >= 0 && ctx->own_id)
		r = become(NS_INIT_UID, NS_INIT_GID, err);
	return r;
}

/* Find argv[0] like execvp, without trying execve more than once (a policy
 * that forbids exec lets exactly one through). */
static int resolve_program(const struct job *job, char *buf, size_t n)
{
	const char *name = job->argv[0];
	if (strchr(name, '/')) {
		snprintf(buf, n, "%s", name);
		return 0;
	}
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *const *e = job->envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		struct stat st;
		snprintf(buf, n, "%.*s%s%s", (int) len, p, len ? "/" : "", name);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		p += len + (p[len] == ':');
	}
	return -ENOENT;
}

static __attribute__((noreturn)) void child_fail(const struct init_ctx *ctx, int notify_fd,
						 struct jb_err *err)
{
	ctx->report->child_err = *err;
	ctx->report->child_failed = true;
	int none = -1;
	(void) jb_write_all(notify_fd, &none, sizeof(none)); /* init learns from SIGCHLD too */
	_exit(125);
}

static void default_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void) signal(sig, SIG_DFL); /* EINVAL for glibc's reserved ones */
}

static int child_stdio(const struct init_ctx *ctx, struct jb_err *err)
{
	int in = ctx->stdin_fd;
	if (ctx->job->stdin_path) {
		/* Opened as the box user: the program owns the file anyway. */
		in = open(ctx->job->stdin_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return jb_fail(err, errno, "open stdin_file '/box/%s'",
				       ctx->job->stdin_path);
	}
	if (dup2(in, 0) < 0 || dup2(ctx->stdout_fd, 1) < 0 || dup2(ctx->stderr_fd, 2) < 0)
		return jb_fail(err, errno, "set up the program's stdio");
	return 0;
}

/* execve as a raw system call: -errno on failure, errno untouched. */
static long raw_execve(const char *path, char *const argv[], char *const envp[])
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"((long) SYS_execve), "D"(path), "S"(argv), "d"(envp)
			 : "rcx", "r11", "memory");
	return r;
#else
	return execve(path, argv, envp) < 0 ? -errno : 0;
#endif
}

/* The program's process: shares init's descriptor table (CLONE_FILES) so the
 * seccomp listener it creates lands in init's table too; execve unshares the
 * table and drops every close-on-exec descriptor, the listener included. */
static __attribute__((noreturn)) void child_main(const struct init_ctx *ctx, int notify_fd,
						 const cpu_set_t *cpus)
{
	struct jb_err err = {0};
	struct init_report *rep = ctx->report;
	/* The supervisor ignores SIGPIPE and blocks some signals; exec keeps
	 * both, so give the program the defaults a shell would. The
	 * dispositions are init's, reset when it started (init_main) and not
	 * changed since: only the mask is left. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* An interactor writing to a program that has ended gets EPIPE, and
	 * gives its own verdict: the program's early exit must not kill the
	 * judge's side with SIGPIPE. Kept across execve. */
	if (ctx->ignore_sigpipe)
		(void) signal(SIGPIPE, SIG_IGN);
	(void) setsid(); /* cannot fail: a fresh child is no group leader */
	/* The box user's ids; from init's own (root of the namespace) the
	 * switch clears the permitted and effective capabilities. */
	int r = ctx->own_id ? caps_switch_user(NS_BOX_UID, NS_BOX_GID, &err) : 0;
	if (r >= 0)
		r = child_stdio(ctx, &err);
	if (r >= 0 && cpus && sched_setaffinity(0, sizeof(*cpus), cpus) < 0)
		r = jb_fail(&err, errno, "pin the program to its CPUs");
	if (r >= 0)
		r = lim_apply_rlimits(&ctx->job->limits, rep->cg_fallback, !ctx->own_id, &err);
	if (r >= 0)
		r = caps_drop_all(true, &err); /* init emptied the bounding set (init_main) */
	if (r < 0)
		child_fail(ctx, notify_fd, &err);
	char path[PATH_MAX];
	int not_found = resolve_program(ctx->job, path, sizeof(path));
	if (rep->cg_backend != CG_BACKEND_NONE)
		rep->cpu_base_valid =
			cg_read_cpu_fds(rep->cg_backend, late.cpu_fd, &rep->cpu_base) >= 0;
	rep->exec_start_us = jb_now_us();
	rep->exec_started = true;
	struct sock_fprog prog = {.len = rep->bpf_len, .filter = rep->bpf};
	int lfd = sc_install(&prog);
	if (lfd < 0) {
		jb_fail(&err, -lfd, "load the seccomp filter");
		child_fail(ctx, notify_fd, &err);
	}
	__atomic_store_n(&rep->own_calls, true, __ATOMIC_RELEASE);
	(void) jb_write_all(notify_fd, &lfd, sizeof(lfd)); /* a pipe write cannot fail here */
	/* From here init runs again (it has the listener). RLIMIT_NOFILE only
	 * now: as low as 1, it would have refused the listener's descriptor
	 * (it is close-on-exec, gone at execve). Should the policy notify
	 * prlimit64, init lets it through (own_calls). */
	if (lim_apply_nofile(&ctx->job->limits, &err) < 0)
		child_fail(ctx, notify_fd, &err);
	__atomic_store_n(&rep->own_calls, false, __ATOMIC_RELEASE);
	/* The error comes from the system call itself, not from the errno the
	 * two may share. */
	rep->exec_errno = not_found ? ENOENT
				    : -(int) raw_execve(path, (char *const *) ctx->job->argv,
							(char *const *) ctx->job->envp);
	_exit(rep->exec_errno == ENOENT || rep->exec_errno == ENOTDIR ? 127 : 126);
}

struct child_args {
	const struct init_ctx *ctx;
	int notify_fd;
	const cpu_set_t *cpus;
};

/* Only in the musl build (its allocator is judgebox's own, see
 * executor/musl/malloc.c, and keeps no per-thread state), on x86_64 (the
 * raw execve), and not under a sanitizer (the ASan build is glibc). */
#if defined(__x86_64__) && defined(JB_MUSL_BUILD)
#define JB_CLONE_SHARED 1
static int child_entry(void *arg)
{
	const struct child_args *a = arg;
	child_main(a->ctx, a->notify_fd, a->cpus);
}
#endif

/* The program's process shares init's memory until its execve (CLONE_VM):
 * no copy of init's page tables, no copy-on-write faults on either side,
 * and an execve with no address space of its own to tear down (0.14 ms less
 * from 'G' to the verdict, in-process stamps). init is blocked in its loop
 * until the process hands it the listener (or fails, or is killed by
 * init's finish), so the two never use the heap at the same time; the
 * process has its own stack. -1: fork instead. */
static pid_t clone_shared(struct child_args *a)
{
#ifdef JB_CLONE_SHARED
	static const size_t stack_bytes = 256 * 1024;
	char *stack = mmap(NULL, stack_bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	pid_t pid = clone(child_entry, stack + stack_bytes, CLONE_VM | CLONE_FILES | SIGCHLD, a);
	if (pid < 0)
		(void) munmap(stack, stack_bytes);
	return pid; /* the stack goes with init */
#else
	(void) a;
	return -1;
#endif
}

static void add_denied(struct init_report *rep, const char *name)
{
	for (int i = 0; i < rep->n_denied; i++)
		if (!strcmp(rep->denied[i], name))
			return;
	if (rep->n_denied < INIT_DENIED_MAX)
		snprintf(rep->denied[rep->n_denied++], INIT_NAME_MAX, "%s", name);
}

static void send_file(const struct init_ctx *ctx, struct init_file_hdr *h, int fd)
{
	if (jb_write_all(ctx->collect_fd, h, sizeof(*h)) < 0)
		return;
	uint64_t left = h->len;
	while (left > 0) {
		ssize_t n = sendfile(ctx->collect_fd, fd, NULL, left);
		if (n <= 0)
			break;
		left -= (uint64_t) n;
	}
	static const char zeros[4096]; /* only if the file shrank: keep the framing */
	while (left > 0) {
		size_t k = left < sizeof(zeros) ? (size_t) left : sizeof(zeros);
		if (jb_write_all(ctx->collect_fd, zeros, k) < 0)
			return;
		left -= k;
	}
}

/* Job.collect, read by init once every other process is dead (nothing can
 * change the files any more): regular files under /box only, resolved
 * without following any symlink or crossing a mount, opened non-blocking so
 * a FIFO cannot hang us, each capped at output_bytes. */
static void collect_files(const struct init_ctx *ctx)
{
	const struct job *job = ctx->job;
	/* Together capped at box_bytes: hard links could name one big file
	 * many times, and the supervisor holds all of it in memory. */
	uint64_t budget = job->limits.box_bytes;
	_cleanup_close_ int box = open("/box", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < job->pb->n_collect; i++) {
		struct init_file_hdr h = {.index = (uint32_t) i};
		struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW |
						O_CLOEXEC,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
		_cleanup_close_ int fd =
			(int) syscall(SYS_openat2, box, job->collect_paths[i], &how, sizeof(how));
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			h.error = errno;
		} else if (!S_ISREG(st.st_mode)) {
			h.error = EINVAL;
			h.type = st.st_mode & S_IFMT;
		} else {
			uint64_t cap = job->limits.output_bytes, size = (uint64_t) st.st_size;
			if (cap > budget)
				cap = budget;
			h.len = size > cap ? cap : size;
			h.truncated = size > cap;
			h.executable = (st.st_mode & 0111) != 0;
			budget -= h.len;
		}
		send_file(ctx, &h, fd);
	}
	close_fd_quiet(ctx->collect_fd);
}

/* Kill everything else in the namespace, reap it all, publish, exit. */
static __attribute__((noreturn)) void finish(struct loop *l)
{
	struct init_report *rep = l->ctx->report;
	(void) kill(-1, SIGKILL); /* every process of the namespace but init */
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, __WALL);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ)
			rep->sigxfsz = true; /* died before our SIGKILL reached it */
		if (p == l->main_pid && !rep->main_reaped) {
			rep->main_status = st;
			rep->main_end_us = jb_now_us();
			rep->main_reaped = true;
		}
	}
	getrusage(RUSAGE_CHILDREN, &rep->children);
	collect_files(l->ctx);
	/* Out of the job's cgroups, which are empty then: the supervisor may
	 * remove or reuse them while this exit tears the namespaces down. */
	rep->left_cgroup = late.n_leave && cg_self_attach(late.leave_fd, late.n_leave) == 0;
	__atomic_store_n(&rep->done, true, __ATOMIC_RELEASE);
	/* Tearing the namespaces down takes a while (an RCU grace period for
	 * the mounts): the supervisor may deliver the verdict meanwhile. */
	struct init_msg m = {.type = INIT_MSG_DONE};
	(void) jb_write_all(l->ctx->msg_fd, &m, sizeof(m));
	_exit(0);
}

static void reap(struct loop *l)
{
	struct init_report *rep = l->ctx->report;
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0) {
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ)
			rep->sigxfsz = true;
		if (p == l->main_pid) {
			rep->main_status = st;
			rep->main_end_us = jb_now_us();
			rep->main_reaped = true;
			finish(l);
		}
	}
}

/* Answer the notification received: run the call (CONTINUE) or fail it. */
static void answer(struct loop *l, uint32_t flags, int error)
{
	memset(l->resp, 0, sizeof(*l->resp));
	l->resp->id = l->notif->id;
	l->resp->flags = flags;
	l->resp->error = error;
	(void) ioctl(l->listener, SECCOMP_IOCTL_NOTIF_SEND, l->resp); /* ENOENT: caller died */
}

/* Receive the next notification into l->notif; false: none (the caller
 * was killed meanwhile and the kernel withdrew it: ENOENT, or EINTR). */
static bool receive(struct loop *l)
{
	memset(l->notif, 0, sizeof(*l->notif));
	return ioctl(l->listener, SECCOMP_IOCTL_NOTIF_RECV, l->notif) == 0;
}

/* Decide the notification received and answer it, or end the job. */
static void decide(struct loop *l)
{
	struct init_report *rep = l->ctx->report;
	if ((pid_t) l->notif->pid == l->main_pid &&
	    __atomic_load_n(&rep->own_calls, __ATOMIC_ACQUIRE)) {
		answer(l, SECCOMP_USER_NOTIF_FLAG_CONTINUE,
		       0); /* judgebox's call, not the program's */
		return;
	}
	int e = 0;
	const struct sc_table *t = (const struct sc_table *) (const void *) rep->table;
	enum sc_action a = sc_decide_table(t, &l->notif->data, l->first_exec_pending, &e);
	char name[INIT_NAME_MAX];
	if (a == SC_ACTION_KILL) {
		sc_syscall_name(l->notif->data.arch, l->notif->data.nr, name, sizeof(name));
		snprintf(rep->violation_name, sizeof(rep->violation_name), "%s", name);
		rep->violation = true;
		finish(l); /* the caller stays blocked until the kill */
	}
	if (a == SC_ACTION_ALLOW) {
		l->first_exec_pending = false;
		answer(l, SECCOMP_USER_NOTIF_FLAG_CONTINUE, 0);
		return;
	}
	add_denied(rep,
		   sc_syscall_name(l->notif->data.arch, l->notif->data.nr, name, sizeof(name)));
	answer(l, 0, -e);
}

/* Is a notification queued? The supervisor's 'K' (a limit) ends the job
 * meanwhile: threads notifying without end cannot hold init here. */
static bool pending(struct loop *l)
{
	struct pollfd p[2] = {{.fd = l->listener, .events = POLLIN},
			      {.fd = l->ctx->ctl_fd, .events = POLLIN}};
	if (poll(p, 2, 0) <= 0)
		return false;
	if (p[1].revents)
		finish(l);
	return p[0].revents & POLLIN;
}

/* A barrier (exit_group, execve: sc_is_barrier) kills the caller's other
 * threads once it runs: every notification queued meanwhile is decided
 * first, so a thread blocked in a forbidden call cannot be killed, its
 * notification withdrawn, before init has read it. (Those queued before
 * the barrier were received before it: the kernel hands them out in
 * order.) One poll when nothing is queued. */
static void handle_notification(struct loop *l)
{
	if (!receive(l))
		return;
	if (sc_is_barrier(&l->notif->data)) {
		struct seccomp_notif barrier = *l->notif;
		while (pending(l))
			if (receive(l))
				decide(l); /* a violation ends here */
		*l->notif = barrier;
	}
	decide(l);
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6; Debian 12's headers are older */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	   SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static void read_listener(struct loop *l, int notify_fd)
{
	int fd = -1;
	if (read(notify_fd, &fd, sizeof(fd)) != (ssize_t) sizeof(fd) || fd < 0)
		return;
	l->listener = fd;
	/* A notifying task hands its CPU straight to init, which reads the call
	 * before anything else of the program runs there: a faster answer,
	 * and a shorter window for a thread's death to withdraw the
	 * notification first (README, seccomp). EINVAL before 6.6: the usual
	 * wake-up then. */
	(void) ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

static __attribute__((noreturn)) void run_loop(struct loop *l, int sfd, int notify_fd)
{
	for (;;) {
		struct pollfd p[4] = {{.fd = sfd, .events = POLLIN},
				      {.fd = l->ctx->ctl_fd, .events = POLLIN},
				      {.fd = notify_fd, .events = POLLIN},
				      {.fd = l->listener, .events = POLLIN}};
		if (poll(p, l->listener >= 0 ? 4 : 3, -1) < 0)
			continue; /* EINTR */
		if (p[3].revents & POLLIN)
			handle_notification(l);
		else if (p[3].revents & (POLLHUP | POLLERR))
			l->listener = -1; /* no filtered task is left */
		if (p[2].revents & POLLIN)
			read_listener(l, notify_fd);
		if (p[1].revents) /* 'K' or EOF: the supervisor ends the job */
			finish(l);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void) read(sfd, &si, sizeof(si));
			reap(l);
		}
	}
}

static int start_program(const struct init_ctx *ctx, struct loop *l, struct jb_err *err)
{
	struct seccomp_notif_sizes sz = {0};
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return jb_fail(err, errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
	l->notif = calloc(1, sz.seccomp_notif > sizeof(*l->notif) ? sz.seccomp_notif
								  : sizeof(*l->notif));
	l->resp = calloc(1, sz.seccomp_notif_resp > sizeof(*l->resp) ? sz.seccomp_notif_resp
								     : sizeof(*l->resp));
	if (!l->notif || !l->resp)
		return jb_fail(err, ENOMEM, "allocate seccomp buffers");
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return jb_fail(err, errno, "pipe2");
	static struct child_args args; /* read by the process while init waits */
	args = (struct child_args){ctx, pfd[1], l->cpus};
	pid_t pid = clone_shared(&args);
	if (pid < 0)
		pid = (pid_t) syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return jb_fail(err, errno, "fork the program's process");
	if (pid == 0)
		child_main(ctx, pfd[1], l->cpus);
	l->main_pid = pid;
	return pfd[0]; /* the write end stays: the table is shared until exec */
}

/* The supervisor's argument and environment strings: one stretch at the top
 * of its stack, which init's memory copies. */
static struct {
	char *start, *end;
	size_t args_len; /* the argument strings' share */
} own_args;

void init_note_args(int argc, char **argv)
{
	extern char **environ;
	if (argc < 1 || !argv[0])
		return;
	char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	own_args.args_len = (size_t) (end - argv[0]);
	/* Only the strings the kernel laid out right after them: a string
	 * elsewhere is none of the stretch /proc shows. */
	for (char **e = environ; e && *e; e++)
		if (*e == end)
			end += strlen(*e) + 1;
	own_args.start = argv[0];
	own_args.end = end;
}

/* /proc/1/cmdline is world-readable, and in init it would show the
 * supervisor's argv: a Redis URL with its password, the host path of the
 * test being run. Zero the arguments and the environment (a password may
 * be there too) in init's copy. The argument stretch then holds a title
 * and ends in a byte that is not NUL, which makes the kernel read only up
 * to the title's NUL (get_mm_cmdline, setproctitle's convention): the
 * program reads "jb-init", not even the length of the supervisor's argv. */
static void scrub_args(void)
{
	static const char title[] = "jb-init";
	if (!own_args.start)
		return;
	memset(own_args.start, 0, (size_t) (own_args.end - own_args.start));
	if (own_args.args_len > sizeof(title)) {
		memcpy(own_args.start, title, sizeof(title));
		own_args.start[own_args.args_len - 1] = ' ';
	}
}

void init_main(const struct init_ctx *ctx)
{
	struct jb_err err = {0};
	(void) prctl(PR_SET_PDEATHSIG, SIGKILL); /* the supervisor gone = the job gone */
	(void) prctl(PR_SET_NAME, "jb-init");	 /* ps on the host tells it from the supervisor */
	scrub_args();
	/* A signal reaches a namespace's init only when it has a handler: drop
	 * any inherited from the supervisor (a sanitizer's SIGSEGV handler let
	 * kill(1, SIGSEGV) from the program end init). */
	default_signals();
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (keep_fds(ctx, &err) < 0)
		fail(ctx, &err);
	/* At once, not after the id maps: the supervisor writes them
	 * meanwhile. */
	if (unshare(NS_UNSHARE_FLAGS) < 0) {
		jb_fail(&err, errno, "unshare the box's namespaces");
		fail(ctx, &err);
	}
	if (wait_ctl(ctx) != 'M')
		_exit(1);
	/* Read by the supervisor while we unshared: used if it fits, else
	 * mnt_stage reads /etc here. */
	if (ctx->etc_late && wait_ctl(ctx) != 'E')
		_exit(1);
	if (ctx->etc_late && ctx->report->etc_len)
		(void) mnt_plan_import(ctx->report->etc, ctx->report->etc_len);
	if (setup(ctx, &err) < 0 || caps_drop_bounding(&err) < 0)
		fail(ctx, &err);
	struct init_msg ready = {.type = INIT_MSG_READY};
	if (jb_write_all(ctx->msg_fd, &ready, sizeof(ready)) < 0 || wait_ctl(ctx) != 'G')
		_exit(1);
	/* The slot is known only now for a job set up ahead of its turn. */
	unsigned char slot = (unsigned char) wait_ctl(ctx);
	const cpu_set_t *cpus = ctx->groups ? &ctx->groups[slot] : NULL;
	/* The supervisor may have kept init off its own CPU for the set-up
	 * (spread): the program gets every CPU the supervisor has. */
	if (!ctx->groups && CPU_COUNT(ctx->all_cpus) > 0)
		(void) sched_setaffinity(0, sizeof(*ctx->all_cpus), ctx->all_cpus);
	/* Now in the job's cgroup (if any): make it the root of what the job
	 * sees; without one the namespace still hides the host's paths. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		jb_fail(&err, errno, "unshare the cgroup namespace");
		fail(ctx, &err);
	}
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		jb_fail(&err, errno, "signalfd");
		fail(ctx, &err);
	}
	struct loop l = {.ctx = ctx, .cpus = cpus, .listener = -1, .first_exec_pending = true};
	int notify_fd = start_program(ctx, &l, &err);
	if (notify_fd < 0)
		fail(ctx, &err);
	run_loop(&l, sfd, notify_fd);
}
