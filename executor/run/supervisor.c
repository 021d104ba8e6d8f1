#include "supervisor.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acct.h"
#include "init.h"
#include "mount.h"
#include "procev.h"
#include "ns.h"
#include "seccomp.h"
#include "util.h"
#include "verdict.h"

#define SETUP_TIMEOUT_US (10ULL * 1000 * 1000)
#define KILL_GRACE_US	 (1000ULL * 1000)
#define READ_CHUNK	 65536
#define READ_BUDGET	 (4u << 20) /* per event: epoll comes back for the rest */

enum ev_kind {
	EV_MSG = 1,
	EV_OUT = 2,
	EV_ERR = 3,
	EV_PIDFD = 4,
	EV_COLLECT = 5,
	EV_CALLER = 6, /* a descriptor of sup_watch_fd's caller; slot = its token */
	EV_PROCEV = 7, /* process events: how tasks init does not reap ended */
	EV_DYING = 8,  /* an init whose job was delivered has died; slot = dying index */
};
#define EV(slot, kind) (((uint64_t) (slot) << 8) | (kind))

struct outbuf {
	int fd;
	uint8_t *data;
	size_t len, cap;
	bool over, eof;
};

/* RUN_DONE: one side of an interactive pair that ended, waiting for the other. */
enum run_state { RUN_FREE = 0, RUN_SETUP, RUN_RUNNING, RUN_KILLING, RUN_DONE };
#define PEER_GRACE_US (1000ULL * 1000)

struct run {
	enum run_state state;
	unsigned slot;
	struct job *job;
	uint64_t seq;
	pid_t pid;
	int pidfd, ctl_fd, msg_fd;
	struct outbuf out[2];
	struct outbuf collect; /* init_file_hdr records, read to EOF */
	struct init_report *rep;
	struct cg *cg;
	uint64_t t_start_us, t_kill_us, next_check_us;
	bool internal, stopping, killed_hard;
	bool placed;	    /* has a slot (runs in it); not yet: the prepared job */
	bool parked;	    /* prepared and ready, waiting for a slot to be placed in */
	bool self_attached; /* init moves itself into the cgroup (v1) */
	bool cg_made;	    /* cg exists (not only planned) */
	bool go_sent;	    /* 'G' is written */
	bool xfsz;	    /* a task died of SIGXFSZ (process events) */
	/* Interactive jobs: two runs of one slot, each the other's peer. */
	struct run *peer;
	bool is_interactor;
	uint64_t peer_end_us;	     /* the interactor ended: the program's grace starts */
	bool ended_by_peer;	     /* killed after the grace */
	Judgebox__Verdict *finished; /* this side's verdict, waiting for the other side */
	struct jb_err err;
};

struct sup {
	struct sup_config cfg;
	int epfd;
	struct run *runs;
	unsigned ncpu;
	uint64_t counter;
	sup_sink_fn sink;
	void *sink_opaque;
	cpu_set_t *groups;	   /* --cpus: parallel entries, or NULL */
	cpu_set_t all_cpus;	   /* where the supervisor may run (no --cpus) */
	struct cg **spare;	   /* per run: its last emptied cgroup, for reuse */
	struct init_report **reps; /* per run: its init report mapping, or NULL */
	struct dying *dying;	   /* inits past INIT_MSG_DONE, not yet dead */
	size_t n_dying;
	struct procev *procev;	   /* root only; NULL: SIGXFSZ seen in init's children only */
	bool procev_tried;	   /* track_events opened it (or could not) */
	Judgebox__Verdict *single; /* sup_run's result */
	uint32_t ready;		   /* tokens of the caller's fds seen ready */
	uint64_t jobs;		   /* inits started */
	struct job *held;	   /* an interactive job read while every slot was busy */
	uint64_t held_seq;
	int tmpl_fd; /* the root template (mount.h), or -1 */
	bool tmpl_tried;
	char tmpl_views[256]; /* the cgroup view names it has mount points for */
};

/* A run's init told INIT_MSG_DONE: its job is delivered, the process and its
 * cgroup are kept here until it is dead. */
struct dying {
	int pidfd; /* -1: a free entry */
	struct cg *cg;
	unsigned run;
	bool left; /* init moved out of cg before its DONE (cg_leave_fds) */
};

/* The runs: a pair (program, interactor) per slot, and one more for the job
 * read ahead while every slot is busy. That job's sandbox is set up beside
 * the running ones and its program starts as soon as a slot frees: set-up
 * waits (grace periods, the loop's turn) no longer leave a CPU idle
 * between two jobs of a slot. A run's index is its identity (epoll tokens,
 * host uid, process events), not its slot. */
#define NRUNS(s) (2 * (s)->cfg.parallel + 1)

static void run_finish(struct sup *s, struct run *r, bool early);
static void promote(struct sup *s);
static void bury(struct sup *s, struct dying *d, bool block);
static void sup_watch(struct sup *s, int fd, uint64_t ev);

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void) close(*fd);
	*fd = -1;
}

/* --cpus: slot i runs on group i; the supervisor and each init keep the CPUs
 * no group has (or share them all when groups cover every CPU). */
/* Pin the supervisor to the CPU it runs on and give it back all of them:
 * nothing changes but the kernel's bookkeeping of a task that called
 * sched_setaffinity, and measured, a single run started by fork + execve
 * (a C harness, a shell) then took 0.12-0.28 ms less (floor cmd, means of
 * 4-5 interleaved rounds of 300: 2476 -> 2352 us here, 2719 -> 2436 us at
 * the start of main); started by posix_spawn, 0.01-0.06 ms less. Why the
 * scheduler treats such a task better is not known here (README, Speed). */
static void settle(const cpu_set_t *all)
{
	int cpu = sched_getcpu();
	cpu_set_t one;
	CPU_ZERO(&one);
	if (cpu < 0 || !CPU_ISSET(cpu, all))
		return;
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0)
		(void) sched_setaffinity(0, sizeof(*all), all);
}

static int pin_setup(struct sup *s, struct jb_err *err)
{
	if (s->cfg.n_cpu_groups == 0)
		return 0;
	if (s->cfg.n_cpu_groups < s->cfg.parallel)
		return jb_invalid(err, "--cpus: %zu CPU group(s) for --parallel %u",
				  s->cfg.n_cpu_groups, s->cfg.parallel);
	s->groups = calloc(s->cfg.parallel, sizeof(*s->groups));
	if (!s->groups)
		return jb_fail(err, ENOMEM, "allocate CPU groups");
	cpu_set_t rest, all;
	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		return jb_fail(err, errno, "sched_getaffinity");
	rest = all;
	for (unsigned i = 0; i < s->cfg.parallel; i++) {
		int r = lim_parse_cpu_group(s->cfg.cpu_groups[i], &s->groups[i], err);
		if (r < 0)
			return r;
		cpu_set_t in;
		CPU_AND(&in, &s->groups[i], &all);
		if (!CPU_EQUAL(&in, &s->groups[i]))
			return jb_invalid(err,
					  "--cpus: group '%s' has CPUs this process may not use",
					  s->cfg.cpu_groups[i]);
		for (unsigned j = 0; j < i; j++) {
			CPU_AND(&in, &s->groups[i], &s->groups[j]);
			if (CPU_COUNT(&in))
				return jb_invalid(err, "--cpus: groups '%s' and '%s' overlap",
						  s->cfg.cpu_groups[j], s->cfg.cpu_groups[i]);
		}
		CPU_XOR(&rest, &rest, &s->groups[i]);
	}
	if (CPU_COUNT(&rest) && sched_setaffinity(0, sizeof(rest), &rest) < 0)
		return jb_fail(err, errno, "pin the supervisor to the CPUs left");
	return 0;
}

/* The host ids a root supervisor maps (box_ids): --uid-base to --uid-base
 * + 2 NRUNS - 1 (4 parallel + 1), never host root's 0, never (uid_t) -1,
 * the kernel's "no id". */
static bool uid_range_bad(const struct sup *s, struct jb_err *err)
{
	uint64_t last = (uint64_t) s->cfg.host_uid_base + 4ULL * s->cfg.parallel + 1;
	if (s->cfg.host_uid_base > 0 && last < UINT32_MAX)
		return false;
	jb_invalid(err, "--uid-base %u: the boxes' host ids %u to %llu must not include 0 or %u",
		   (unsigned) s->cfg.host_uid_base, (unsigned) s->cfg.host_uid_base,
		   (unsigned long long) last, UINT32_MAX);
	return true;
}

int sup_new(const struct sup_config *cfg, struct sup **ret, struct jb_err *err)
{
	struct sup *s = calloc(1, sizeof(*s));
	if (!s)
		return jb_fail(err, ENOMEM, "allocate the supervisor");
	s->cfg = *cfg;
	if (s->cfg.parallel == 0)
		s->cfg.parallel = 1;
	s->runs = calloc(NRUNS(s), sizeof(*s->runs));
	s->spare = calloc(NRUNS(s), sizeof(*s->spare));
	s->reps = calloc(NRUNS(s), sizeof(*s->reps));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tmpl_fd = -1;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	s->ncpu = n > 0 ? (unsigned) n : 1;
	if (sched_getaffinity(0, sizeof(s->all_cpus), &s->all_cpus) < 0)
		CPU_ZERO(&s->all_cpus); /* then nothing is spread */
	else
		settle(&s->all_cpus);
	if (!s->runs || !s->spare || !s->reps || s->epfd < 0) {
		int e = errno ? errno : ENOMEM;
		sup_free(s);
		return jb_fail(err, e, "set up the supervisor");
	}
	if (pin_setup(s, err) < 0) {
		sup_free(s);
		return -EINVAL;
	}
	if (geteuid() == 0 && uid_range_bad(s, err)) {
		sup_free(s);
		return -EINVAL;
	}
	/* A root supervisor's supplementary groups (root's!) would follow the
	 * program into the box: drop them. */
	if (geteuid() == 0 && setgroups(0, NULL) < 0) {
		sup_free(s);
		return jb_fail(err, errno, "drop supplementary groups");
	}
	/* A write to a dead init or a closed verdict stream must be an EPIPE,
	 * not our death; the program's process restores the default. */
	signal(SIGPIPE, SIG_IGN);
	*ret = s;
	return 0;
}

void sup_free(struct sup *s)
{
	if (!s)
		return;
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->tmpl_fd >= 0)
		close(s->tmpl_fd);
	mnt_prepare_free();
	procev_free(s->procev);
	/* The cgroups first, while the last inits tear their namespaces down:
	 * those that left theirs need not be waited for (a single run's exit
	 * is that much shorter). */
	for (size_t i = 0; i < s->n_dying; i++)
		if (s->dying[i].pidfd >= 0 && s->dying[i].left)
			cg_destroy(TAKE_PTR(s->dying[i].cg));
	for (unsigned i = 0; s->spare && i < NRUNS(s); i++)
		cg_destroy(TAKE_PTR(s->spare[i]));
	bool all_left = true;
	for (size_t i = 0; i < s->n_dying; i++)
		all_left = all_left && (s->dying[i].pidfd < 0 || !s->dying[i].cg);
	if (all_left) /* the bases are empty: they go too before the wait */
		cg_root_release(s->cfg.cg_root);
	for (size_t i = 0; i < s->n_dying; i++) /* about to be gone: wait */
		bury(s, &s->dying[i], true);
	/* bury made the cgroups of inits that had not left spares again (v2,
	 * or a leave that failed): they go too, now that nothing is in them,
	 * and the bases with them. They were left behind by every such
	 * single run before. */
	for (unsigned i = 0; s->spare && i < NRUNS(s); i++)
		cg_destroy(TAKE_PTR(s->spare[i]));
	if (!all_left)
		cg_root_release(s->cfg.cg_root);
	free(s->dying);
	job_free(s->held);
	free(s->spare);
	for (unsigned i = 0; s->reps && i < NRUNS(s); i++)
		if (s->reps[i])
			munmap(s->reps[i], sizeof(*s->reps[i]));
	free(s->reps);
	free(s->groups);
	free(s->runs);
	free(s);
}

const struct job_config *sup_job_config(const struct sup *s)
{
	return &s->cfg.job;
}

static void sup_watch(struct sup *s, int fd, uint64_t ev)
{
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = ev};
	(void) epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e); /* fds are fresh pipes: cannot fail */
}

static void sup_unwatch(struct sup *s, int fd)
{
	if (fd >= 0)
		(void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void run_kill(struct run *r)
{
	if (r->state == RUN_KILLING)
		return;
	r->state = RUN_KILLING;
	r->t_kill_us = jb_now_us();
	r->next_check_us = r->t_kill_us + KILL_GRACE_US;
	char k = 'K';
	(void) !write(r->ctl_fd, &k, 1); /* EPIPE: init is gone already */
}

static void run_internal(struct run *r, const struct jb_err *err)
{
	if (!r->internal) {
		r->internal = true;
		r->err = *err;
	}
	run_kill(r);
}

static int make_stdin(const struct job *job, struct jb_err *err)
{
	_cleanup_close_ int fd = memfd_create("stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return jb_fail(err, errno, "memfd_create for stdin");
	int r = jb_write_all(fd, job->pb->stdin.data, job->pb->stdin.len);
	if (r < 0)
		return jb_fail(err, -r, "write stdin to its memfd");
	/* Sealed: the program can read and seek its stdin, never change it. */
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return jb_fail(err, errno, "seal the stdin memfd");
	return TAKE_FD(fd);
}

/* The init side's descriptors, closed in the parent once init has them. */
struct child_fds {
	int ctl_rd, msg_wr, in, out_wr, err_wr, collect_wr;
};

static void close_child_fds(struct child_fds *c)
{
	close_fd(&c->ctl_rd);
	close_fd(&c->msg_wr);
	close_fd(&c->in);
	close_fd(&c->out_wr);
	close_fd(&c->err_wr);
	close_fd(&c->collect_wr);
}

/* The pipes between supervisor and init, and the socket to init that
 * carries the cgroup's descriptors; stdout is captured unless the job is one
 * side of an interactive pair (then c->out_wr is given). */
static int make_pipes(struct run *r, struct child_fds *c, bool capture, struct jb_err *err)
{
	int p[5][2];
	for (int i = 0; i < 5; i++)
		if ((i == 0 ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p[i])
			    : pipe2(p[i], O_CLOEXEC)) < 0) {
			int e = errno;
			while (i-- > 0) {
				close(p[i][0]);
				close(p[i][1]);
			}
			return jb_fail(err, e, i ? "pipe2" : "socketpair");
		}
	c->ctl_rd = p[0][0];
	r->ctl_fd = p[0][1];
	r->msg_fd = p[1][0];
	c->msg_wr = p[1][1];
	if (capture) {
		r->out[0].fd = p[2][0];
		c->out_wr = p[2][1];
	} else {
		close(p[2][0]);
		close(p[2][1]);
		r->out[0].eof = true;
	}
	r->out[1].fd = p[3][0];
	c->err_wr = p[3][1];
	r->collect.fd = p[4][0];
	c->collect_wr = p[4][1];
	for (int i = 0; i < 2; i++)
		if (r->out[i].fd >= 0)
			(void) fcntl(r->out[i].fd, F_SETFL, O_NONBLOCK); /* cannot fail on a pipe */
	(void) fcntl(r->collect.fd, F_SETFL, O_NONBLOCK);
	(void) fcntl(r->msg_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* As root, the box's user namespace is created with the box's host uid as
 * effective uid: the namespace's owner is who the kernel charges its
 * per-user counts to (inotify instances, queued signals...), which must
 * not be root's host-wide budget. */
static int as_owner(uid_t uid, gid_t gid, bool on)
{
	if (getuid() != 0)
		return 0; /* unprivileged: the namespace is ours anyway */
	if (on)
		return setegid(gid) < 0 || seteuid(uid) < 0 ? -errno : 0;
	return seteuid(0) < 0 || setegid(0) < 0 ? -errno : 0;
}

#ifdef JB_VALGRIND
pid_t jb_vg_clone_init(struct clone_args *args, const struct init_ctx *ctx);
#endif

static int spawn_init(struct run *r, const struct init_ctx *ctx, uid_t uid, gid_t gid,
		      struct jb_err *err)
{
	int pidfd = -1;
	struct clone_args args = {.flags = NS_CLONE_FLAGS | CLONE_PIDFD,
				  .pidfd = (uint64_t) (uintptr_t) &pidfd,
				  .exit_signal = SIGCHLD};
	int e = as_owner(uid, gid, true);
	if (e < 0) {
		(void) as_owner(uid, gid, false);
		return jb_fail(err, -e, "become uid %u to create the box", (unsigned) uid);
	}
#ifdef JB_VALGRIND /* judgebox-vg: init runs natively (tests/valgrind/vg_init.c) */
	pid_t pid = jb_vg_clone_init(&args, ctx);
#else
	pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
#endif
	if (pid == 0)
		init_main(ctx);
	int saved = errno;
	e = as_owner(uid, gid, false);
	if (e < 0)
		abort(); /* cannot be root again: every later job (cgroups, id maps, the
			  * next box's owner) would be wrong, and no verdict can say so
			  * for jobs not yet read. Unreachable in practice: euid 0 with
			  * a saved uid of 0 can always return to it. */
	if (pid < 0)
		return jb_fail(err, saved,
			       "clone the sandbox's init (are user namespaces disabled?)");
	r->pid = pid;
	r->pidfd = pidfd;
	return 0;
}

/* The run's cgroup before init is cloned: the run's last one, emptied by
 * its job's end, when it can be reset (a mkdir and an rmdir per hierarchy
 * less, 0.4-0.5 ms), else a new one only planned: cg_make makes it while
 * init sets up (finish_cgroup). One spare per run is enough: a new job
 * takes a run whose last init is dead when it can (free_run), and 2000
 * trivial jobs at --parallel 2 made no cgroup beyond the first of each
 * run, as with two spares per run. */
static int plan_cgroup(struct sup *s, struct run *r, struct jb_err *err)
{
	if (cg_root_pending(s->cfg.cg_root) || cg_root_backend(s->cfg.cg_root) == CG_BACKEND_NONE)
		return 0; /* pending: late_cgroup plans it after the clone */
	struct cg **spare = &s->spare[r - s->runs];
	struct jb_err ignored = {0};
	if (*spare && cg_reuse(*spare, &ignored) >= 0) {
		r->cg = TAKE_PTR(*spare);
		r->cg_made = true;
		return 0;
	}
	cg_destroy(TAKE_PTR(*spare));
	char name[64];
	snprintf(name, sizeof(name), "job%llu", (unsigned long long) ++s->counter);
	return cg_plan(s->cfg.cg_root, name, &r->cg, err);
}

static size_t job_cg_views(const struct cg *cg, struct cg_view *ret, size_t max);

/* Follow init's tree in the process events (opened with the first job:
 * a socket, its subscription and buffer, after the clone, not before).
 * They need CAP_NET_ADMIN: without them only what init reaps itself is
 * seen to die of SIGXFSZ. */
static void track_events(struct sup *s, pid_t pid, unsigned idx)
{
	if (!s->procev_tried) {
		s->procev_tried = true;
		if (geteuid() == 0 && procev_open(&s->procev, NULL) >= 0)
			sup_watch(s, procev_fd(s->procev), EV(0, EV_PROCEV));
	}
	if (s->procev)
		procev_track(s->procev, pid, idx);
}

/* A process's first single run probes its cgroups only now, while init
 * unshares (0.14 ms less before the clone): the plan, and the views init
 * binds, which it could not get from the context it was cloned with. */
static int late_cgroup(struct sup *s, struct run *r, struct jb_err *err)
{
	int rc = cg_root_probe(s->cfg.cg_root, err);
	if (rc >= 0)
		rc = plan_cgroup(s, r, err);
	if (rc < 0 || !r->cg)
		return rc;
	struct cg_view v[8];
	size_t n = job_cg_views(r->cg, v, ARRAY_SIZE(v)), len = 0, k = 0;
	char *buf = r->rep->cg_views;
	for (; k < n; k++) {
		size_t a = strlen(v[k].name) + 1, b = strlen(v[k].path) + 1;
		if (len + a + b > sizeof(r->rep->cg_views))
			return jb_fail(err, ENAMETOOLONG, "cgroup path '%s'", v[k].path);
		memcpy(buf + len, v[k].name, a);
		memcpy(buf + len + a, v[k].path, b);
		len += a + b;
	}
	r->rep->n_cg_views = k;
	return 0;
}

/* 'C' with the descriptors init reads (CPU counters) and moves itself by
 * (tasks files); with no cgroup, 'C' alone. */
static int send_cgroup(struct cg_root *root, struct run *r, struct jb_err *err)
{
	struct init_cg_msg m = {.type = 'C'};
	r->rep->cg_backend = r->cg ? cg_root_backend(root) : CG_BACKEND_NONE;
	r->rep->cg_fallback = r->cg == NULL;
	int fds[INIT_CG_FDS_MAX], slots[CG_CPU_FDS];
	size_t n = 0;
	if (r->cg) {
		cg_cpu_fd_slots(r->cg, slots);
		for (size_t i = 0; i < CG_CPU_FDS; i++)
			if (slots[i] >= 0) {
				m.cpu_mask |= (unsigned char) (1u << i);
				fds[n++] = slots[i];
			}
		size_t k = cg_self_attach_fds(r->cg, fds + n, ARRAY_SIZE(fds) - n);
		m.n_self = (unsigned char) k;
		n += k;
		r->self_attached = k > 0;
		k = k ? cg_leave_fds(root, fds + n, ARRAY_SIZE(fds) - n) : 0;
		m.n_leave = (unsigned char) k;
		n += k;
	}
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(fds))];
	} u = {0};
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n > 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		*c = (struct cmsghdr){.cmsg_len = CMSG_LEN(n * sizeof(int)),
				      .cmsg_level = SOL_SOCKET,
				      .cmsg_type = SCM_RIGHTS};
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	if (sendmsg(r->ctl_fd, &mh, MSG_NOSIGNAL) != (ssize_t) sizeof(m))
		return jb_fail(err, errno, "hand the cgroup to the sandbox's init");
	return 0;
}

/* 'G' and the slot, whose CPUs the program is pinned to. */
static bool send_go(struct run *r)
{
	char g[2] = {'G', (char) r->slot};
	r->go_sent = write(r->ctl_fd, g, sizeof(g)) == (ssize_t) sizeof(g);
	return r->go_sent; /* not sent: init died, its pidfd tells */
}

/* The scheduler tends to queue a new init on its parent's CPU (and to wake
 * it there again at 'M'), so that init's set-up waited for the supervisor's
 * part of the same job instead of running beside it: of 30 single runs, 24
 * started init's mounts 0.4-2 ms after 'M'. When this is the only job and
 * nothing is pinned, init starts on the other CPUs; it takes all of them
 * back before the program starts (init_main). */
static void spread(struct sup *s, const struct run *r)
{
	if (s->groups || CPU_COUNT(&s->all_cpus) < 2)
		return;
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (&s->runs[i] != r && s->runs[i].state != RUN_FREE)
			return; /* the other CPUs run other jobs' programs */
	int cpu = sched_getcpu();
	cpu_set_t set = s->all_cpus;
	if (cpu >= 0)
		CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set) > 0)
		(void) sched_setaffinity(r->pid, sizeof(set), &set); /* a hint: may fail */
}

/* Make the planned cgroup (or keep the reused one), set its limits and
 * hand it to init, which has been setting up meanwhile. */
static int finish_cgroup(struct cg_root *root, struct run *r, struct jb_err *err)
{
	int rc = 0;
	if (r->cg && !r->cg_made) {
		rc = cg_make(r->cg, err);
		r->cg_made = rc >= 0;
	}
	if (rc >= 0 && r->cg)
		rc = cg_set_limits(r->cg, r->job->limits.memory_bytes,
				   r->job->limits.processes + 1 /* init */, err);
	return rc < 0 ? rc : send_cgroup(root, r, err);
}

/* The cgroup dirs the box shows at /sys/fs/cgroup: the limits runtimes size
 * themselves by (memory, pids, cpu); not the freezer, which is ours. */
static size_t job_cg_views(const struct cg *cg, struct cg_view *ret, size_t max)
{
	struct cg_view all[8];
	size_t n = cg_views(cg, all, ARRAY_SIZE(all)), k = 0;
	for (size_t i = 0; i < n && k < max; i++)
		if (strcmp(all[i].name, "freezer") != 0)
			ret[k++] = all[i];
	return k;
}

static void view_names(const struct init_ctx *ctx, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ctx->n_cg_views && len < n; i++)
		len += (size_t) snprintf(buf + len, n - len, "%s/", ctx->cg_views[i].name);
}

/* From a process's second job on, the default view's root is one prebuilt
 * tree that init copies (mnt_template_build): about thirty mount and file
 * operations less per job in init, and as many fewer to tear down. A single
 * job would only pay for building it. Without the new mount API or root,
 * every init builds its own. */
static int root_template(struct sup *s, const struct init_ctx *ctx)
{
	char names[sizeof(s->tmpl_views)];
	if (ctx->job->rootfs || s->jobs++ == 0)
		return -1;
	view_names(ctx, names, sizeof(names));
	if (!s->tmpl_tried) {
		s->tmpl_tried = true;
		struct mnt_config mc = {
			.cg = ctx->cg_views, .n_cg = ctx->n_cg_views, .template_fd = -1};
		struct jb_err ignored = {0};
		if (mnt_template_build(&mc, &s->tmpl_fd, &ignored) < 0)
			s->tmpl_fd = -1;
		snprintf(s->tmpl_views, sizeof(s->tmpl_views), "%s", names);
	}
	return s->tmpl_fd >= 0 && strcmp(names, s->tmpl_views) == 0 ? s->tmpl_fd : -1;
}

/* The job's policy (loaded and cached on first use: an unknown or broken
 * one is INVALID_JOB), as BPF and as init's table of decisions, into the
 * memory init shares. Done while init sets up; it reads both after 'G'. */
static int share_policy(struct run *r, struct jb_err *err)
{
	const struct sc_filter *filter = NULL;
	const struct sock_fprog *prog = NULL;
	int rc = sc_filter_get(r->job->policy, &filter, err);
	if (rc >= 0)
		rc = sc_filter_compile(filter, &prog, err);
	if (rc < 0)
		return rc;
	if (prog->len > BPF_MAXINSNS)
		return jb_fail(err, E2BIG, "seccomp filter of %u instructions", prog->len);
	size_t bytes = 0;
	const struct sc_table *t = sc_filter_table(filter, &bytes);
	if (bytes > sizeof(r->rep->table)) /* refused at load already */
		return jb_fail(err, E2BIG, "policy table of %zu bytes", bytes);
	memcpy(r->rep->table, t, bytes);
	memcpy(r->rep->bpf, prog->filter, prog->len * sizeof(*prog->filter));
	r->rep->bpf_len = prog->len;
	return 0;
}

/* The run's report, mapped once and reused by its jobs: a fresh mapping per
 * job cost its page faults again (the policy table alone is a dozen pages).
 * A previous init of the run that may still be exiting wrote its last
 * there before DONE, and a killed one was waited for. */
static struct init_report *run_report(struct sup *s, unsigned idx, struct jb_err *err)
{
	struct init_report *rep = s->reps[idx];
	if (!rep) {
		rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
		if (rep == MAP_FAILED) {
			jb_fail(err, errno, "map the init report");
			return NULL;
		}
		s->reps[idx] = rep;
	}
	memset(rep, 0,
	       offsetof(struct init_report, bpf_len)); /* the figures; the rest is rewritten */
	rep->bpf_len = 0;
	rep->etc_len = 0;
	return rep;
}

/* The host ids of run idx's box. As root, two of its own per run, so that
 * no two boxes share one: the box user's, --uid-base + idx, and init's,
 * --uid-base + NRUNS + idx (sup_new checks the range). Unprivileged, only
 * the caller's own ids can be mapped, and init shares them. */
static struct ns_ids box_ids(const struct sup *s, unsigned idx)
{
	if (geteuid() != 0)
		return (struct ns_ids){getuid(), getgid(), getuid(), getgid(), false};
	uid_t box = s->cfg.host_uid_base + idx, init = s->cfg.host_uid_base + NRUNS(s) + idx;
	return (struct ns_ids){box, (gid_t) box, init, (gid_t) init, true};
}

/* Everything up to a running init waiting for its id maps. */
/* stdio of one side of an interactive pair: borrowed, or -1 for a plain job. */
struct pair_io {
	int in, out;
};

static int run_spawn(struct sup *s, struct run *r, const struct pair_io *io, struct jb_err *err)
{
	unsigned idx = (unsigned) (r - s->runs);
	int rc = plan_cgroup(s, r, err);
	if (rc < 0)
		return rc;
	r->rep = run_report(s, idx, err);
	if (!r->rep)
		return -ENOMEM;
	struct child_fds c = {-1, -1, -1, -1, -1, -1};
	rc = make_pipes(r, &c, io == NULL, err);
	if (rc >= 0 && io) {
		c.in = fcntl(io->in, F_DUPFD_CLOEXEC, 3);
		c.out_wr = fcntl(io->out, F_DUPFD_CLOEXEC, 3);
		if (c.in < 0 || c.out_wr < 0)
			rc = jb_fail(err, errno, "dup the interactive pipes");
	} else if (rc >= 0) {
		rc = c.in = make_stdin(r->job, err);
	}
	bool cg_late = cg_root_pending(s->cfg.cg_root);
	struct init_ctx ctx = {.job = r->job,
			       .cg_late = cg_late,
			       .ctl_fd = c.ctl_rd,
			       .msg_fd = c.msg_wr,
			       .stdin_fd = c.in,
			       .stdout_fd = c.out_wr,
			       .stderr_fd = c.err_wr,
			       .collect_fd = c.collect_wr,
			       .report = r->rep,
			       .hostname = "box",
			       .groups = s->groups,
			       .all_cpus = &s->all_cpus,
			       .etc_late = !mnt_prepared(),
			       .ignore_sigpipe = r->is_interactor};
	if (r->cg)
		ctx.n_cg_views = job_cg_views(r->cg, ctx.cg_views, ARRAY_SIZE(ctx.cg_views));
	ctx.template_fd = root_template(s, &ctx);
	struct ns_ids ids = box_ids(s, idx);
	ctx.own_id = ids.own_init;
	if (rc >= 0)
		rc = spawn_init(r, &ctx, ids.box_uid, ids.box_gid, err);
	if (rc >= 0)
		spread(s, r);
	close_child_fds(&c);
	if (rc < 0)
		return rc;
	rc = ns_write_id_maps(r->pid, &ids, err);
	if (rc < 0)
		return rc;
	char m = 'M';
	if (write(r->ctl_fd, &m, 1) != 1)
		return jb_fail(err, errno, "start the sandbox's init");
	if (ctx.etc_late) {
		/* A process's first job: /etc is read now, while init unshares,
		 * and handed over; failing here, init reads it itself. */
		struct jb_err ignored = {0};
		r->rep->etc_len = mnt_prepare(&ignored) < 0
					  ? 0
					  : mnt_plan_export(r->rep->etc, sizeof(r->rep->etc));
		m = 'E';
		if (write(r->ctl_fd, &m, 1) != 1)
			return jb_fail(err, errno, "start the sandbox's init");
	}
	/* init unshares its namespaces and builds its root now: the process
	 * events, the cgroup and the BPF are made meanwhile, on the other
	 * CPU's time. init forks nothing before 'G'. */
	track_events(s, r->pid, idx);
	rc = cg_late ? late_cgroup(s, r, err) : 0;
	if (rc >= 0)
		rc = finish_cgroup(s->cfg.cg_root, r, err);
	if (rc >= 0)
		rc = share_policy(r, err);
	if (rc < 0)
		return rc;
	/* A placed job whose init moves itself into its cgroup (or has none)
	 * needs nothing more from us after set-up: 'G' goes now (after the
	 * filter is in place: the program loads it at 'G'), and init starts
	 * the program without waiting for our answer to its READY. */
	if (r->placed && (r->self_attached || !r->cg)) {
		(void) send_go(r);
		cg_root_sweep(s->cfg.cg_root); /* once: the program starts meanwhile */
	}
	return 0;
}

/* Out of memory, a verdict still goes out (that job's INTERNAL_ERROR, the
 * stream goes on): its strings are then these, never freed, and a verdict
 * that could not be allocated at all is oom_verdict. */
static char no_memory[] = "";
static char oom_message[] = "out of memory building the verdict";
static Judgebox__Limits oom_limits = JUDGEBOX__LIMITS__INIT;
static Judgebox__Verdict oom_verdict = JUDGEBOX__VERDICT__INIT;

static char *dup_str(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		return no_memory;
	return d;
}

static void free_str(char *s)
{
	if (s != no_memory && s != oom_message)
		free(s);
}

/* The shared verdict for a job whose own could not be allocated: only its
 * seq says which (its id would need memory). */
static Judgebox__Verdict *oom_verdict_for(uint64_t seq)
{
	Judgebox__Verdict *v = &oom_verdict;
	*v = (Judgebox__Verdict) JUDGEBOX__VERDICT__INIT;
	v->id = v->syscall = v->version = v->cpus = no_memory;
	v->message = oom_message;
	v->status = JUDGEBOX__STATUS__INTERNAL_ERROR;
	v->seq = seq;
	v->limits = &oom_limits;
	return v;
}

static Judgebox__Verdict *verdict_new(const char *id, uint64_t seq, const struct lim *limits)
{
	Judgebox__Verdict *v = calloc(1, sizeof(*v));
	Judgebox__Limits *l = calloc(1, sizeof(*l));
	if (!v || !l) {
		free(v);
		free(l);
		return oom_verdict_for(seq);
	}
	judgebox__verdict__init(v);
	judgebox__limits__init(l);
	if (limits)
		lim_to_proto(limits, l);
	v->limits = l;
	v->id = dup_str(id);
	v->seq = seq;
	v->syscall = dup_str("");
	v->message = dup_str("");
	v->version = dup_str(JB_VERSION);
	v->cpus = dup_str("");
	return v;
}

Judgebox__Verdict *sup_verdict_error(Judgebox__Status status, const char *id, uint64_t seq,
				     const char *message, const struct lim *limits)
{
	Judgebox__Verdict *v = verdict_new(id, seq, limits);
	if (v == &oom_verdict)
		return v;
	v->status = status;
	free_str(v->message);
	v->message = dup_str(message);
	return v;
}

Judgebox__Verdict *sup_verdict_invalid(const uint8_t *buf, size_t len, uint64_t seq,
				       const struct jb_err *err)
{
	/* Only the id: unpacking the whole job again would cost what its
	 * wire scan refused (nesting, amplification). */
	char *id = job_peek_id(buf, len);
	Judgebox__Verdict *v = sup_verdict_refused(id ? id : "", seq, err);
	free(id);
	return v;
}

Judgebox__Verdict *sup_verdict_refused(const char *id, uint64_t seq, const struct jb_err *err)
{
	return sup_verdict_error(err->kind == JB_ERR_INVALID ? JUDGEBOX__STATUS__INVALID_JOB
							     : JUDGEBOX__STATUS__INTERNAL_ERROR,
				 id, seq, err->msg, NULL);
}

void sup_verdict_free(Judgebox__Verdict *v)
{
	if (!v || v == &oom_verdict)
		return;
	free_str(v->id);
	free_str(v->syscall);
	free_str(v->message);
	free_str(v->version);
	free_str(v->cpus);
	free(v->stdout.data);
	free(v->stderr.data);
	free(v->limits);
	for (size_t i = 0; i < v->n_denied_syscalls; i++)
		free_str(v->denied_syscalls[i]);
	free(v->denied_syscalls);
	for (size_t i = 0; i < v->n_files; i++) {
		free_str(v->files[i]->path);
		free(v->files[i]->content.data);
		free_str(v->files[i]->error);
		free(v->files[i]);
	}
	free(v->files);
	sup_verdict_free(v->interactor);
	free(v);
}

static void deliver(struct sup *s, Judgebox__Verdict *v)
{
	s->sink(s->sink_opaque, v);
}

void sup_set_sink(struct sup *s, sup_sink_fn fn, void *opaque)
{
	s->sink = fn;
	s->sink_opaque = opaque;
}

void sup_deliver(struct sup *s, Judgebox__Verdict *v)
{
	deliver(s, v);
}

/* A free run for a new job: preferably one whose last init is dead, so that
 * its host uid is no other live process's. NULL cannot happen: NRUNS covers
 * every slot's pair and the job read ahead. */
static struct run *free_run(struct sup *s, const struct run *except)
{
	struct run *any = NULL;
	for (unsigned i = 0; i < NRUNS(s); i++) {
		struct run *r = &s->runs[i];
		if (r == except || r->state != RUN_FREE)
			continue;
		bool dying = false;
		for (size_t k = 0; k < s->n_dying && !dying; k++)
			dying = s->dying[k].pidfd >= 0 && s->dying[k].run == i;
		if (!dying)
			return r;
		any = any ? any : r;
	}
	return any;
}

/* Start the program of a placed, ready run (its 'G' may be on its way
 * already: see run_spawn). */
static void go(struct run *r)
{
	if (r->state != RUN_SETUP)
		return; /* being killed meanwhile: its pidfd ends it */
	if (!r->go_sent && !send_go(r))
		return;
	r->state = RUN_RUNNING;
	r->next_check_us = jb_now_us();
}

/* Start job (owned) in a run (slot UINT_MAX: the job read ahead); a job that
 * cannot start gets its verdict at once. */
static void run_init(struct run *r, unsigned slot, struct job *job, uint64_t seq)
{
	*r = (struct run){.state = RUN_SETUP,
			  .slot = slot,
			  .placed = slot < UINT_MAX,
			  .job = job,
			  .seq = seq,
			  .pidfd = -1,
			  .ctl_fd = -1,
			  .msg_fd = -1,
			  .out = {{.fd = -1}, {.fd = -1}},
			  .collect = {.fd = -1},
			  .t_start_us = jb_now_us()};
}

/* Spawn r; a run that cannot start gets its verdict at once. */
static void run_launch(struct sup *s, struct run *r, const struct pair_io *io)
{
	unsigned idx = (unsigned) (r - s->runs);
	struct jb_err err = {0};
	if (run_spawn(s, r, io, &err) < 0) {
		r->internal = true;
		r->err = err;
		if (r->pidfd < 0) { /* nothing runs: finish now */
			run_finish(s, r, false);
			return;
		}
		run_kill(r);
	}
	sup_watch(s, r->msg_fd, EV(idx, EV_MSG));
	sup_watch(s, r->out[0].fd, EV(idx, EV_OUT));
	sup_watch(s, r->out[1].fd, EV(idx, EV_ERR));
	sup_watch(s, r->collect.fd, EV(idx, EV_COLLECT));
	sup_watch(s, r->pidfd, EV(idx, EV_PIDFD));
	r->next_check_us = r->t_start_us + SETUP_TIMEOUT_US;
}

/* An interactive pair: program stdout -> interactor stdin (pipe a),
 * interactor stdout -> program stdin (pipe b). */
static void pair_start(struct sup *s, unsigned slot, struct job *job, uint64_t seq)
{
	struct run *r = free_run(s, NULL), *q = free_run(s, r);
	struct job *ij = TAKE_PTR(job->interactor);
	/* Each side owns its message now: either may end first and be freed. */
	ij->pb = TAKE_PTR(job->pb->interactor);
	ij->owns_pb = true;
	run_init(r, slot, job, seq);
	run_init(q, slot, ij, seq);
	r->peer = q;
	q->peer = r;
	q->is_interactor = true;
	int a[2] = {-1, -1}, b[2] = {-1, -1};
	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0) {
		jb_fail(&r->err, errno, "pipe2 for the interactive pair");
		r->internal = true;
	}
	struct pair_io rio = {b[0], a[1]}, qio = {a[0], b[1]};
	run_launch(s, r, &rio);
	if (r->state == RUN_DONE) { /* the program could not start: neither does q */
		q->internal = true;
		jb_fail(&q->err, ECANCELED, "interactive: the program could not start");
		run_finish(s, q, false);
	} else {
		run_launch(s, q, &qio);
	}
	int fds[] = {a[0], a[1], b[0], b[1]};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close_fd(&fds[i]);
}

static void run_start(struct sup *s, unsigned slot, struct job *job, uint64_t seq)
{
	if (job->interactor) {
		pair_start(s, slot, job, seq);
		return;
	}
	struct run *r = free_run(s, NULL);
	run_init(r, slot, job, seq);
	run_launch(s, r, NULL);
}

static void on_msg(struct sup *s, struct run *r)
{
	struct init_msg m;
	ssize_t n = read(r->msg_fd, &m, sizeof(m));
	if (n < 0 && errno == EAGAIN)
		return;
	if (n != (ssize_t) sizeof(m)) { /* EOF: init is gone, its pidfd will say more */
		sup_unwatch(s, r->msg_fd);
		close_fd(&r->msg_fd);
		return;
	}
	if (m.type == INIT_MSG_FAIL) {
		run_internal(r, &m.err);
		return;
	}
	if (m.type == INIT_MSG_DONE) {
		if (r->state == RUN_RUNNING || r->state == RUN_KILLING)
			run_finish(s, r, true);
		return;
	}
	if (r->state != RUN_SETUP)
		return;
	struct jb_err err = {0};
	if (r->cg && !r->self_attached && cg_attach(r->cg, r->pid, &err) < 0) {
		run_internal(r, &err);
		return;
	}
	if (!r->placed) { /* read ahead: it starts when a slot frees */
		r->parked = true;
		r->next_check_us = UINT64_MAX;
		return;
	}
	go(r);
	cg_root_sweep(s->cfg.cg_root); /* once: the program starts meanwhile */
}

/* Room for more of the job's output. Without memory for it (output_bytes
 * may be 1 GiB), that job ends with INTERNAL_ERROR and what it wrote is
 * dropped; the other jobs go on. */
static int grow_output(struct sup *s, struct run *r, struct outbuf *o, uint64_t limit)
{
	size_t cap = o->cap ? o->cap * 2 : READ_CHUNK;
	if (cap > limit)
		cap = limit;
	uint8_t *d = realloc(o->data, cap);
	if (d) {
		o->data = d;
		o->cap = cap;
		return 0;
	}
	struct jb_err err = {0};
	jb_fail(&err, ENOMEM, "keep the job's %s: %zu bytes", o == &r->out[0] ? "stdout" : "stderr",
		cap);
	free(o->data);
	o->data = NULL;
	o->len = o->cap = 0;
	o->over = true; /* read no more: the job is being ended */
	sup_unwatch(s, o->fd);
	run_internal(r, &err);
	return -ENOMEM;
}

/* Read what is there, at most budget bytes (a writer as fast as we read
 * must not keep the loop from the other jobs' limits); past output_bytes
 * keep nothing more and end the job: the pipe stays open until the tree is
 * dead, so no SIGPIPE reaches it. */
static void read_output(struct sup *s, struct run *r, struct outbuf *o, size_t budget)
{
	uint64_t limit = r->job->limits.output_bytes;
	for (size_t got = 0; !o->over && !o->eof && got < budget;) {
		if (o->len == limit) {
			char scratch[4096];
			ssize_t n = read(o->fd, scratch, sizeof(scratch));
			if (n > 0) {
				o->over = true;
				sup_unwatch(s, o->fd);
				run_kill(r);
			} else if (n == 0) {
				o->eof = true;
			}
			return;
		}
		if (o->len == o->cap && grow_output(s, r, o, limit) < 0)
			return;
		ssize_t n = read(o->fd, o->data + o->len, o->cap - o->len);
		if (n < 0)
			return; /* EAGAIN */
		if (n == 0)
			o->eof = true;
		o->len += (size_t) n;
		got += (size_t) n;
	}
	if (o->eof)
		sup_unwatch(s, o->fd);
}

/* The collected files: at most n_collect * (header + output_bytes) bytes, all
 * kept until init closes the pipe. */
static void read_collect(struct sup *s, struct run *r)
{
	struct outbuf *o = &r->collect;
	uint64_t max = r->job->pb->n_collect * sizeof(struct init_file_hdr) +
		       r->job->limits.box_bytes; /* init's cap on the files together */
	while (o->fd >= 0 && !o->eof) {
		if (o->len == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 4096;
			uint8_t *d = o->len < max ? realloc(o->data, cap) : NULL;
			if (!d) { /* more than init may send: stop listening */
				sup_unwatch(s, o->fd);
				o->eof = true;
				return;
			}
			o->data = d;
			o->cap = cap;
		}
		ssize_t n = read(o->fd, o->data + o->len, o->cap - o->len);
		if (n < 0)
			return; /* EAGAIN */
		if (n == 0) {
			o->eof = true;
			sup_unwatch(s, o->fd);
		}
		o->len += (size_t) n;
	}
}

static uint64_t cpu_used_us(const struct run *r)
{
	struct cg_cpu now;
	if (!r->cg)
		return acct_tree_cpu_us("/proc", r->pid);
	if (!__atomic_load_n(&r->rep->cpu_base_valid, __ATOMIC_ACQUIRE) ||
	    cg_read_cpu(r->cg, &now) < 0)
		return 0;
	return now.usage_us > r->rep->cpu_base.usage_us ? now.usage_us - r->rep->cpu_base.usage_us
							: 0;
}

static void check_running(struct sup *s, struct run *r, uint64_t now)
{
	const struct lim *l = &r->job->limits;
	if (r->peer_end_us && now >= r->peer_end_us + PEER_GRACE_US) {
		r->ended_by_peer = true; /* the interactor ended a second ago */
		run_kill(r);
		return;
	}
	uint64_t start = __atomic_load_n(&r->rep->exec_start_us, __ATOMIC_ACQUIRE);
	uint64_t next = now + 25000;
	if (start) {
		uint64_t deadline = start + l->wall_time_ms * 1000;
		if (now > deadline) {
			run_kill(r);
			return;
		}
		if (deadline + 1 < next)
			next = deadline + 1;
	}
	uint64_t used = cpu_used_us(r), limit = l->cpu_time_ms * 1000;
	if (used > limit) {
		run_kill(r);
		return;
	}
	/* The tree burns at most ncpu seconds of CPU per second: look again
	 * before it can cross the limit, at least every 1 ms near it. */
	uint64_t step = (limit - used) / s->ncpu;
	if (step < 1000)
		step = 1000;
	if (now + step < next)
		next = now + step;
	if (r->peer_end_us && r->peer_end_us + PEER_GRACE_US < next)
		next = r->peer_end_us + PEER_GRACE_US;
	r->next_check_us = next;
}

static void check_run(struct sup *s, struct run *r, uint64_t now)
{
	if (now < r->next_check_us)
		return;
	struct jb_err err = {0};
	switch (r->state) {
	case RUN_SETUP:
		jb_fail(&err, ETIMEDOUT, "set-up of the sandbox did not finish within 10 s");
		run_internal(r, &err);
		r->next_check_us = now + KILL_GRACE_US;
		break;
	case RUN_RUNNING:
		check_running(s, r, now);
		break;
	case RUN_KILLING:
		if (now >= r->t_kill_us + KILL_GRACE_US && !r->killed_hard) {
			/* init did not answer 'K': end the namespace by force. */
			(void) syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
			r->killed_hard = true;
		}
		r->next_check_us = now + KILL_GRACE_US;
		break;
	default:
		break;
	}
}

static void take_output(struct outbuf *o, ProtobufCBinaryData *ret, protobuf_c_boolean *trunc)
{
	ret->data = o->len ? TAKE_PTR(o->data) : NULL;
	ret->len = o->len;
	*trunc = o->over;
	free(o->data);
	o->data = NULL;
}

static void set_denied(Judgebox__Verdict *v, const struct init_report *rep)
{
	if (rep->n_denied <= 0)
		return;
	v->denied_syscalls = calloc((size_t) rep->n_denied, sizeof(char *));
	if (!v->denied_syscalls)
		return; /* out of memory: the list stays empty */
	for (int i = 0; i < rep->n_denied && i < INIT_DENIED_MAX; i++)
		v->denied_syscalls[v->n_denied_syscalls++] = dup_str(rep->denied[i]);
}

/* The figures: from the cgroup when there is one, else from init's rusage. */
static void measure(struct run *r, struct vd_facts *f, Judgebox__Verdict *v)
{
	const struct init_report *rep = r->rep;
	struct cg_stats st = {0};
	struct jb_err err = {0};
	bool have = r->cg && cg_read_stats(r->cg, &st, &err) >= 0;
	if (have) {
		/* Without a baseline (the program never reached execve) the
		 * set-up's few hundred microseconds stay in. */
		struct cg_cpu base = rep->cpu_base_valid ? rep->cpu_base : (struct cg_cpu){0};
		uint64_t total = st.cpu.usage_us - base.usage_us;
		uint64_t user = st.cpu.user_us - base.user_us;
		v->cpu_time_us = total;
		v->cpu_user_us = user < total ? user : total;
		v->cpu_system_us = total - v->cpu_user_us;
		v->memory_peak_bytes = st.memory_peak_bytes;
		f->oom_kills = st.oom_kills;
	} else if (!r->cg) {
		const struct rusage *ru = &rep->children;
		v->cpu_user_us = (uint64_t) ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec;
		v->cpu_system_us = (uint64_t) ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
		v->cpu_time_us = v->cpu_user_us + v->cpu_system_us;
		v->memory_peak_bytes = (uint64_t) ru->ru_maxrss * 1024;
	}
	if (rep->exec_started) {
		uint64_t end = rep->main_reaped ? rep->main_end_us : jb_now_us();
		v->wall_time_us = end > rep->exec_start_us ? end - rep->exec_start_us : 0;
	}
	f->cpu_us = v->cpu_time_us;
	f->wall_us = v->wall_time_us;
	f->memory_peak_bytes = v->memory_peak_bytes;
	f->cgroup = r->cg != NULL;
}

static char *collect_error(const struct init_file_hdr *h)
{
	const char *what = NULL;
	switch (h->type) {
	case S_IFDIR:
		what = "is a directory";
		break;
	case S_IFIFO:
		what = "is a FIFO";
		break;
	case S_IFSOCK:
		what = "is a socket";
		break;
	case S_IFCHR:
	case S_IFBLK:
		what = "is a device";
		break;
	}
	char buf[128];
	if (what)
		snprintf(buf, sizeof(buf), "not a regular file: %s", what);
	else if (h->error == ELOOP)
		snprintf(buf, sizeof(buf), "is a symbolic link (never followed)");
	else if (h->error == ENOENT)
		snprintf(buf, sizeof(buf), "no such file");
	else if (h->error == EXDEV)
		snprintf(buf, sizeof(buf), "crosses a mount point");
	else
		snprintf(buf, sizeof(buf), "cannot be read: %s", strerror(h->error));
	return dup_str(buf);
}

/* Verdict.files in the order asked; one entry per Job.collect path. False:
 * no memory for the entries (a file without memory for its content says
 * so in its error). */
static bool set_files(Judgebox__Verdict *v, const struct run *r)
{
	size_t n = r->job->pb->n_collect;
	if (n == 0)
		return true;
	v->files = calloc(n, sizeof(*v->files));
	if (!v->files)
		return false;
	for (size_t i = 0; i < n; i++) {
		Judgebox__File *f = calloc(1, sizeof(*f));
		if (!f)
			return false;
		judgebox__file__init(f);
		f->path = dup_str(r->job->pb->collect[i]);
		f->error = NULL;
		v->files[v->n_files++] = f;
	}
	const uint8_t *p = r->collect.data, *end = p + r->collect.len;
	struct init_file_hdr h;
	while ((size_t) (end - p) >= sizeof(h)) {
		memcpy(&h, p, sizeof(h));
		p += sizeof(h);
		if (h.index >= n || h.len > (uint64_t) (end - p))
			break; /* cut short: the rest stays "not collected" */
		Judgebox__File *f = v->files[h.index];
		if (h.error) {
			f->error = collect_error(&h);
		} else if (h.len && (f->content.data = malloc(h.len))) {
			memcpy(f->content.data, p, h.len);
			f->content.len = h.len;
		} else if (h.len) {
			f->error = dup_str("not collected: out of memory for its content");
		}
		f->truncated = h.truncated != 0;
		f->executable = h.executable != 0;
		p += h.len;
	}
	for (size_t i = 0; i < n; i++)
		if (!v->files[i]->error && !v->files[i]->content.data && !r->collect.eof)
			v->files[i]->error = dup_str("not collected: the sandbox ended first");
	for (size_t i = 0; i < n; i++)
		if (!v->files[i]->error)
			v->files[i]->error = dup_str("");
	return true;
}

static Judgebox__Verdict *build_verdict(const struct sup *s, struct run *r)
{
	Judgebox__Verdict *v = verdict_new(r->job->pb->id, r->seq, &r->job->limits);
	if (v == &oom_verdict) {
		for (int i = 0; i < 2; i++) {
			free(r->out[i].data);
			r->out[i].data = NULL;
		}
		return v;
	}
	if (s->groups && r->placed) {
		free_str(v->cpus);
		v->cpus = dup_str(s->cfg.cpu_groups[r->slot]);
	}
	struct vd_facts f = {.internal_error = r->internal,
			     .stopping = r->stopping,
			     .ended_by_peer = r->ended_by_peer};
	f.internal = r->err;
	if (r->rep) {
		const struct init_report *rep = r->rep;
		if (rep->child_failed && !f.internal_error) {
			f.internal_error = true;
			f.internal = rep->child_err;
		}
		f.violation = rep->violation;
		f.syscall = rep->violation_name;
		f.main_reaped = rep->main_reaped;
		f.main_status = rep->main_status;
		f.exec_errno = rep->exec_errno;
		f.exec_path = r->job->argv[0];
		f.sigxfsz = rep->sigxfsz || r->xfsz;
		measure(r, &f, v);
		set_denied(v, rep);
		if (rep->violation) {
			free_str(v->syscall);
			v->syscall = dup_str(rep->violation_name);
		}
	}
	f.output_over = r->out[0].over || r->out[1].over;
	take_output(&r->out[0], &v->stdout, &v->stdout_truncated);
	take_output(&r->out[1], &v->stderr, &v->stderr_truncated);
	if (!set_files(v, r) && !f.internal_error) {
		f.internal_error = true;
		jb_fail(&f.internal, ENOMEM, "build the verdict's files");
	}
	char *msg = NULL;
	v->status = vd_decide(&f, &r->job->limits, &v->exit_code, &v->signal, &msg);
	if (v->status == JUDGEBOX__STATUS__INVALID_JOB) {
		/* Found after init was cloned (a policy that does not load, files
		 * that do not fit): what the set-up used is not the job's. */
		v->cpu_time_us = v->cpu_user_us = v->cpu_system_us = 0;
		v->wall_time_us = v->memory_peak_bytes = 0;
	}
	free_str(v->message);
	v->message = msg ? msg : dup_str("");
	return v;
}

static void drain(struct sup *s, struct run *r)
{
	for (int i = 0; i < 2; i++)
		if (r->out[i].fd >= 0)
			read_output(s, r, &r->out[i], SIZE_MAX);
	read_collect(s, r);
}

static void on_xfsz(void *opaque, unsigned token)
{
	struct sup *s = opaque;
	if (token < NRUNS(s) && s->runs[token].state != RUN_FREE)
		s->runs[token].xfsz = true;
}

/* One side of an interactive pair ended: the interactor's end starts the
 * program's grace; a side that could not run ends the other; the pair's
 * verdict (the program's, with the interactor's inside) leaves when both
 * have ended. */
static void pair_finished(struct sup *s, struct run *r, struct run *peer, bool interactor,
			  bool internal, Judgebox__Verdict *v)
{
	if (peer->state != RUN_DONE) {
		r->state = RUN_DONE;
		r->peer = peer;
		r->is_interactor = interactor;
		r->finished = v;
		r->next_check_us = UINT64_MAX;
		if (internal && peer->state != RUN_FREE) {
			struct jb_err err = {0};
			jb_fail(&err, ECANCELED, "interactive: the other side could not run");
			run_internal(peer, &err);
		} else if (interactor && peer->state != RUN_FREE && !peer->peer_end_us) {
			peer->peer_end_us = jb_now_us();
			if (peer->next_check_us > peer->peer_end_us + PEER_GRACE_US)
				peer->next_check_us = peer->peer_end_us + PEER_GRACE_US;
		}
		return;
	}
	Judgebox__Verdict *main = interactor ? peer->finished : v;
	Judgebox__Verdict *other = interactor ? v : peer->finished;
	if (main == &oom_verdict) /* no memory: it goes alone */
		sup_verdict_free(other);
	else
		main->interactor = other == &oom_verdict ? NULL : other;
	*peer = (struct run){.state = RUN_FREE, .pidfd = -1};
	deliver(s, main);
}

/* Keep cg for the run's next job, or remove it when the run has one. */
static void keep_spare(struct sup *s, unsigned run, struct cg *cg)
{
	if (cg && !s->spare[run])
		s->spare[run] = TAKE_PTR(cg); /* cg_reuse checks it is empty */
	cg_destroy(cg);
}

/* A busy worker's spare cgroups keep their descriptors (CPU counters, tasks
 * files) for the run's next job: seven opens and closes less per job. An
 * idle one parks them, so that its open files are what they were before the
 * jobs came, however many spares it holds. */
static void park_when_idle(struct sup *s)
{
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE)
			return;
	for (size_t i = 0; i < s->n_dying; i++)
		if (s->dying[i].pidfd >= 0)
			return;
	for (unsigned i = 0; s->spare && i < NRUNS(s); i++)
		if (s->spare[i])
			cg_park(s->spare[i]);
}

/* The dying init is dead (or, block: wait until it is): reap it, and its
 * cgroup, empty now, becomes a spare of its run. */
static void bury(struct sup *s, struct dying *d, bool block)
{
	if (d->pidfd < 0)
		return;
	siginfo_t si = {0};
	int flags = WEXITED | __WALL | (block ? 0 : WNOHANG);
	if (block) /* it is in _exit already; this only makes sure */
		(void) syscall(SYS_pidfd_send_signal, d->pidfd, SIGKILL, NULL, 0);
	if (waitid((idtype_t) P_PIDFD, (id_t) d->pidfd, &si, flags) < 0 && errno == EINTR)
		return;
	if (!block && si.si_pid == 0)
		return; /* not yet */
	sup_unwatch(s, d->pidfd);
	close_fd(&d->pidfd);
	keep_spare(s, d->run, TAKE_PTR(d->cg));
}

/* Hand the done init's pidfd and cgroup over to the dying list. */
static void let_die(struct sup *s, struct run *r)
{
	/* Kept with the dying init even when it left the cgroup: the pages it
	 * charged there are uncharged only by its exit, and a reuse before
	 * that would count them in the next job's peak. */
	struct dying d = {.pidfd = r->pidfd,
			  .cg = r->cg,
			  .run = (unsigned) (r - s->runs),
			  .left = r->rep && r->rep->left_cgroup};
	r->pidfd = -1;
	r->cg = NULL;
	size_t i = 0;
	while (i < s->n_dying && s->dying[i].pidfd >= 0)
		i++;
	if (i == s->n_dying) {
		struct dying *grown = realloc(s->dying, (s->n_dying + 1) * sizeof(*grown));
		if (!grown) { /* no room to wait later: wait now */
			bury(s, &d, true);
			return;
		}
		s->dying = grown;
		s->n_dying++;
	}
	s->dying[i] = d;
	sup_unwatch(s, d.pidfd);
	sup_watch(s, d.pidfd, EV(i, EV_DYING));
}

static void run_finish(struct sup *s, struct run *r, bool early)
{
	if (early) {
		drain(s, r); /* the box's processes are all dead: nothing more comes */
	} else if (r->pidfd >= 0) {
		siginfo_t si;
		(void) waitid((idtype_t) P_PIDFD, (id_t) r->pidfd, &si, WEXITED | __WALL);
		/* Every writer of the output pipes is dead now: read to EOF. */
		drain(s, r);
	}
	if (s->procev) { /* the tree's exits are queued by now: read them first */
		(void) procev_read(s->procev, on_xfsz, s);
		procev_untrack(s->procev, (unsigned) (r - s->runs));
	}
	if (r->cg && !r->cg_made)
		cg_destroy(TAKE_PTR(r->cg)); /* only planned: the job failed first */
	Judgebox__Verdict *v = build_verdict(s, r);
	if (early)
		let_die(s, r);
	else
		keep_spare(s, (unsigned) (r - s->runs), TAKE_PTR(r->cg));
	free(r->collect.data);
	int fds[] = {r->pidfd, r->ctl_fd, r->msg_fd, r->out[0].fd, r->out[1].fd, r->collect.fd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		sup_unwatch(s, fds[i]);
		close_fd(&fds[i]);
	}
	job_free(r->job); /* r->rep stays: the run's next job reuses it */
	struct run *peer = r->peer;
	bool interactor = r->is_interactor, internal = r->internal;
	*r = (struct run){.state = RUN_FREE, .pidfd = -1};
	if (!peer)
		deliver(s, v);
	else
		pair_finished(s, r, peer, interactor, internal, v);
	promote(s);
}

/* A batch of events can hold one for a run that has ended meanwhile and
 * whose index a new job took (a slot freed in the same batch): only the
 * pidfd itself says whether this run's init is gone. */
static bool init_exited(const struct run *r)
{
	siginfo_t si = {0};
	return r->pidfd >= 0 &&
	       waitid((idtype_t) P_PIDFD, (id_t) r->pidfd, &si,
		      WEXITED | __WALL | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid != 0;
}

static void on_event(struct sup *s, uint64_t ev)
{
	unsigned slot = (unsigned) (ev >> 8);
	struct run *r = &s->runs[slot];
	if (r->state == RUN_FREE || r->state == RUN_DONE)
		return;
	switch (ev & 0xff) {
	case EV_MSG:
		on_msg(s, r);
		break;
	case EV_OUT:
		read_output(s, r, &r->out[0], READ_BUDGET);
		break;
	case EV_ERR:
		read_output(s, r, &r->out[1], READ_BUDGET);
		break;
	case EV_COLLECT:
		read_collect(s, r);
		break;
	case EV_PIDFD:
		if (init_exited(r))
			run_finish(s, r, false);
		break;
	}
}

static int next_timeout_ms(const struct sup *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE && s->runs[i].next_check_us < next)
			next = s->runs[i].next_check_us;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + 999) / 1000;
	return ms > 60000 ? 60000 : (int) ms;
}

int sup_watch_fd_events(struct sup *s, int fd, unsigned token, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.u64 = EV(token, EV_CALLER)};
	if (!events)
		return epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &e) == 0)
		return 0;
	return errno == ENOENT && epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) == 0 ? 0 : -errno;
}

int sup_watch_fd(struct sup *s, int fd, unsigned token, bool on)
{
	return sup_watch_fd_events(s, fd, token, on ? EPOLLIN : 0);
}

uint32_t sup_wait(struct sup *s, int timeout_ms)
{
	struct epoll_event evs[32];
	int t = next_timeout_ms(s, jb_now_us());
	if (timeout_ms >= 0 && (t < 0 || timeout_ms < t))
		t = timeout_ms;
	s->ready = 0;
	park_when_idle(s);
	int n = epoll_wait(s->epfd, evs, ARRAY_SIZE(evs), t);
	for (int i = 0; i < n; i++) {
		uint64_t ev = evs[i].data.u64;
		if ((ev & 0xff) == EV_CALLER)
			s->ready |= 1u << ((ev >> 8) & 31);
		else if ((ev & 0xff) == EV_PROCEV)
			(void) procev_read(s->procev, on_xfsz, s); /* lost: what init reaps */
		else if ((ev & 0xff) == EV_DYING && (ev >> 8) < s->n_dying)
			bury(s, &s->dying[ev >> 8], false);
		else
			on_event(s, ev);
	}
	uint64_t now = jb_now_us();
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE)
			check_run(s, &s->runs[i], now);
	return s->ready;
}

static bool slot_busy(const struct sup *s, unsigned slot)
{
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE && s->runs[i].placed && s->runs[i].slot == slot)
			return true;
	return false;
}

static unsigned busy_slots(const struct sup *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->cfg.parallel; i++)
		n += slot_busy(s, i);
	return n;
}

/* The job read ahead: a run without a slot. */
static struct run *prepared(const struct sup *s)
{
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE && !s->runs[i].placed)
			return &s->runs[i];
	return NULL;
}

/* A job read ahead: set up in a run, or a held interactive job. */
static bool has_prepared(const struct sup *s)
{
	return s->held || prepared(s);
}

/* Is there room for one job more than the slots can run? */
static bool ahead_room(const struct sup *s)
{
	return s->cfg.read_ahead && !has_prepared(s);
}

unsigned sup_running(const struct sup *s)
{
	return busy_slots(s) + has_prepared(s);
}

unsigned sup_free_slots(const struct sup *s)
{
	return s->cfg.parallel - busy_slots(s) + ahead_room(s);
}

/* Free slots take the job read ahead first. */
static void promote(struct sup *s)
{
	for (unsigned slot = 0; slot < s->cfg.parallel; slot++) {
		if (slot_busy(s, slot))
			continue;
		if (s->held) {
			run_start(s, slot, TAKE_PTR(s->held), s->held_seq);
			continue;
		}
		struct run *r = prepared(s);
		if (!r)
			return;
		r->placed = true;
		r->slot = slot;
		if (r->parked) {
			r->parked = false;
			go(r);
		}
	}
}

bool sup_start(struct sup *s, struct job *job, uint64_t seq)
{
	for (unsigned i = 0; i < s->cfg.parallel; i++)
		if (!slot_busy(s, i)) {
			run_start(s, i, job, seq);
			return true;
		}
	if (!ahead_room(s))
		return false;
	if (job->interactor) { /* two sandboxes: started when a slot frees */
		s->held = job;
		s->held_seq = seq;
		return true;
	}
	struct run *r = free_run(s, NULL);
	run_init(r, UINT_MAX, job, seq);
	run_launch(s, r, NULL);
	return true;
}

void sup_stop_all(struct sup *s, bool stopping)
{
	if (s->held && stopping) { /* never started: it ends here */
		struct job *j = TAKE_PTR(s->held);
		deliver(s, sup_verdict_error(JUDGEBOX__STATUS__INTERNAL_ERROR, j->pb->id,
					     s->held_seq, "worker stopping", &j->limits));
		job_free(j);
	}
	for (unsigned i = 0; i < NRUNS(s); i++)
		if (s->runs[i].state != RUN_FREE && s->runs[i].state != RUN_DONE) {
			s->runs[i].stopping = s->runs[i].stopping || stopping;
			run_kill(&s->runs[i]);
		}
}

static void single_sink(void *opaque, Judgebox__Verdict *v)
{
	((struct sup *) opaque)->single = v;
}

Judgebox__Verdict *sup_run(struct sup *s, struct job *job)
{
	sup_sink_fn saved = s->sink;
	void *saved_opaque = s->sink_opaque;
	sup_set_sink(s, single_sink, s);
	s->single = NULL;
	if (!sup_start(s, job, 0)) {
		job_free(job);
		s->single = sup_verdict_error(JUDGEBOX__STATUS__INTERNAL_ERROR, "", 0,
					      "no free slot", NULL);
	}
	while (!s->single)
		(void) sup_wait(s, -1);
	sup_set_sink(s, saved, saved_opaque);
	return TAKE_PTR(s->single);
}
