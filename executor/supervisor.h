#pragma once
/* The parent side: spawn each job's init, feed it, watch its limits, collect
 * its output and figures, and build its verdict. One single-threaded event
 * loop (epoll over pidfds and pipes) serves one job or a parallel stream. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"
#include "job.h"

struct sup_config {
	struct job_config job;	 /* what jobs may ask for */
	struct cg_root *cg_root; /* borrowed; backend NONE = rlimits */
	unsigned parallel;	 /* slots, >= 1 */
	uid_t host_uid_base;	 /* host uid of slot 0's box user (root only) */
};

struct sup;

int sup_new(const struct sup_config *cfg, struct sup **ret, struct jb_err *err);
void sup_free(struct sup *s);

/* Run one validated job (ownership taken) and return its verdict, which the
 * caller frees with sup_verdict_free. Failures of the sandbox become an
 * INTERNAL_ERROR verdict, not an error return. */
Judgebox__Verdict *sup_run(struct sup *s, struct job *job);

/* A verdict for a job that never ran (INVALID_JOB, ...); message copied. */
Judgebox__Verdict *sup_verdict_error(Judgebox__Status status, const char *id, uint64_t seq,
				     const char *message, const struct lim *limits);
void sup_verdict_free(Judgebox__Verdict *v);

/* The verdict of a Job that job_decode refused: INVALID_JOB (or
 * INTERNAL_ERROR) with err's message, echoing the id when the bytes decode. */
Judgebox__Verdict *sup_verdict_invalid(const uint8_t *buf, size_t len, uint64_t seq,
				       const struct jb_err *err);

/* `exec --stream`: read delimited Jobs from in_fd until EOF, write delimited
 * Verdicts to out_fd in completion order. Returns 0 at EOF, on SIGTERM/SIGINT
 * (after a verdict for every started job) and on a closed out_fd. */
int sup_stream(struct sup *s, int in_fd, int out_fd, struct jb_err *err);
