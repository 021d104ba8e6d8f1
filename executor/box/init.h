#pragma once
/* PID 1 in the box: set up the view, start the program, answer the seccomp
 * listener, reap every process, report, exit (which kills whatever is left).
 *
 * Conversation with the supervisor (a stream socket to init, a pipe back,
 * fixed-size records):
 *   supervisor -> init: 'M' id maps written; 'E' the /etc plan is in the
 *                       report (only when init_ctx.etc_late); 'C' + cpu-slot mask + counts,
 *                       with the job cgroup's descriptors (SCM_RIGHTS): the
 *                       cgroup exists (made while init unshared and built
 *                       its root); 'G' + slot byte: go (init is in its
 *                       cgroup; the slot picks the program's CPUs);
 *                       'K' kill everything and report. EOF = supervisor gone.
 *   init -> supervisor: INIT_MSG_READY after set-up, INIT_MSG_FAIL + jb_err,
 *                       INIT_MSG_DONE when the figures are final and every
 *                       other process of the box is dead (init only exits
 *                       after it: the verdict need not wait for that).
 * Figures go through a shared anonymous mapping (struct init_report) that
 * only init and the program's process before exec can write. */
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/resource.h>

#include "cgroup.h"
#include "err.h"
#include "job.h"
#include "seccomp.h"

#define INIT_DENIED_MAX 16
#define INIT_NAME_MAX	48

struct init_report {
	uint64_t exec_start_us; /* CLOCK_MONOTONIC just before execve */
	uint64_t main_end_us;	/* when init reaped the program's main process */
	int main_status;	/* its wait status, valid when main_reaped */
	bool main_reaped;
	bool exec_started; /* the program's process reached execve */
	int exec_errno;	   /* execve failed with this (0 = it did not fail) */
	bool cpu_base_valid;
	struct cg_cpu cpu_base; /* the cgroup's CPU usage just before execve */
	bool sigxfsz;		/* a task of the job died of SIGXFSZ */
	bool violation;		/* a forbidden call: the job was ended */
	char violation_name[INIT_NAME_MAX];
	int n_denied;
	char denied[INIT_DENIED_MAX][INIT_NAME_MAX]; /* distinct calls failed with an errno */
	struct rusage children; /* init's children after everything was reaped */
	bool child_failed;	/* the program's process failed before exec */
	/* The program's process is still judgebox's code, after its filter is
	 * loaded (RLIMIT_NOFILE): init lets its notified calls through. Only
	 * that process writes it, and only before execve. */
	bool own_calls;
	struct jb_err child_err;
	bool done;	  /* init finished and the figures are final */
	bool left_cgroup; /* init is out of the job's cgroups (before done) */
	/* Set before 'C'. The backend reads the CPU counters; fallback: no
	 * cgroup, rlimits stand in. With init_ctx.cg_late, the views too:
	 * n_cg_views "name\0path\0" pairs in cg_views. */
	enum cg_backend cg_backend;
	bool cg_fallback;
	size_t n_cg_views;
	char cg_views[8192];
	/* The seccomp filter and the table of decisions init answers its
	 * notifications by, copied here by the supervisor before 'G': the
	 * policy is loaded while init sets up, after init was cloned. */
	unsigned short bpf_len;
	struct sock_filter bpf[BPF_MAXINSNS];
	_Alignas(16) unsigned char table[SC_TABLE_BYTES]; /* a struct sc_table */
	/* With 'E': the supervisor's /etc plan (mnt_plan_export), when init
	 * was cloned before it was read. 0: init reads /etc itself. */
	size_t etc_len;
	_Alignas(8) unsigned char etc[512 * 1024];
};

enum { INIT_MSG_READY = 1, INIT_MSG_FAIL = 2, INIT_MSG_DONE = 3 };

/* One collected file on the collect pipe: this header, then len bytes.
 * error != 0: the file could not be returned (errno; EFTYPE-like cases use
 * EINVAL with type holding the S_IFMT bits of what was found). */
struct init_file_hdr {
	uint32_t index; /* into Job.collect */
	int32_t error;
	uint32_t type;
	uint32_t truncated;
	uint32_t executable; /* any x bit set */
	uint64_t len;
};
struct init_msg {
	int type;
	struct jb_err err;
};

/* Everything init needs, prepared by the supervisor before clone; the
 * cgroup's descriptors come later with 'C'. */
struct init_ctx {
	const struct job *job;
	struct cg_view cg_views[8]; /* planned: the dirs exist at 'C' */
	size_t n_cg_views;
	bool cg_late; /* cgroups not probed yet: the views come with 'C' */
	int ctl_fd;   /* init's end of the supervisor -> init socket */
	int msg_fd;   /* write end of init -> supervisor */
	int stdin_fd, stdout_fd, stderr_fd;
	int collect_fd;		    /* write end: collected files after the run */
	struct init_report *report; /* shared mapping */
	const char *hostname;
	const cpu_set_t *groups;   /* --cpus: per slot; 'G' names the program's slot */
	const cpu_set_t *all_cpus; /* no --cpus: the supervisor's CPUs, for the program */
	int template_fd;	   /* mnt_template_build's root, or -1 */
	bool etc_late;		   /* the supervisor had no /etc plan yet: 'E' brings it */
	bool own_id;	     /* NS_INIT_UID is mapped: init runs under it, not the box user's */
	bool ignore_sigpipe; /* an interactor: starts with SIGPIPE ignored */
};

/* 'C': the descriptors after the header are the CPU counters present (bit
 * i of mask: cg_cpu_fd_slots()[i]), then n_self "tasks" files
 * (cg_self_attach_fds: init moves itself, v1), then n_leave (cg_leave_fds:
 * init moves itself out again once the job is over). */
#define INIT_CG_FDS_MAX (CG_CPU_FDS + 16)
struct init_cg_msg {
	char type; /* 'C' */
	unsigned char cpu_mask;
	unsigned char n_self;
	unsigned char n_leave;
};

/* Remember where the kernel put this process's argument and environment
 * strings (main's argv, and environ before anything changed it): every
 * init overwrites them in its copy of the memory (init_main). */
void init_note_args(int argc, char **argv);

/* Run as the first process of the new namespaces; never returns. */
__attribute__((noreturn)) void init_main(const struct init_ctx *ctx);
