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
	bool internal_error; /* set-up failed: internal says why; an error of
				kind JB_ERR_INVALID (found after init was
				cloned) makes the job INVALID_JOB */
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
	bool ended_by_peer; /* killed after its interactor ended (message) */
};

/* The status, following the contract's precedence, with exit code, signal
 * and message (malloc'ed into *ret_message, caller frees; NULL when out of
 * memory). Every status judgebox gives a run is decided here, and
 * tests/unit/test_verdict.c checks each rule. */
Judgebox__Status vd_decide(const struct vd_facts *f, const struct lim *l, int *ret_exit_code,
			   int *ret_signal, char **ret_message);
