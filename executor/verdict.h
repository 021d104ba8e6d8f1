#pragma once
/* The contract's verdict rules as a pure function of what was measured, so
 * precedence and the strict inequalities are unit-tested without a sandbox. */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "judgebox.pb-c.h"
#include "lim.h"

/* Everything the supervisor learnt about one run. */
struct vd_facts {
	bool internal_error; /* set-up failed: msg holds why */
	struct jb_err internal;
	bool violation; /* a forbidden call; syscall names it */
	const char *syscall;
	bool main_reaped; /* main_status is known */
	int main_status;  /* wait status of the program's main process */
	int exec_errno;	  /* execve failed (RUNTIME_ERROR 126/127) */
	const char *exec_path;
	uint64_t cpu_us, wall_us; /* the job's figures */
	uint64_t memory_peak_bytes;
	bool cgroup;	    /* figures come from a cgroup (else rlimits) */
	uint64_t oom_kills; /* OOM killer acts in the job's cgroup */
	bool output_over;   /* stdout or stderr got more than output_bytes */
	bool sigxfsz;	    /* a task died of SIGXFSZ */
	bool stopping;	    /* the worker is stopping: INTERNAL_ERROR */
};

/* Fill status, exit_code, signal and message of v (message malloc'ed into
 * *ret_message, caller frees) following the contract's precedence. */
Judgebox__Status vd_decide(const struct vd_facts *f, const struct lim *l, int *ret_exit_code,
			   int *ret_signal, char **ret_message);
