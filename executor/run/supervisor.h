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
	/* --cpus: one CPU group per slot (n_cpu_groups >= parallel), or none. */
	const char *const *cpu_groups; /* "1", "2-3": as given, for Verdict.cpus */
	size_t n_cpu_groups;
	/* Set up the sandbox of one more job while every slot is busy, started
	 * when a slot frees (exec --stream with --parallel 2 or more; never with
	 * 1, whose verdicts keep input order, nor for Redis, whose waiting
	 * entries belong to whichever worker is free first). */
	bool read_ahead;
};

struct sup;

int sup_new(const struct sup_config *cfg, struct sup **ret, struct jb_err *err);
void sup_free(struct sup *s);

/* What jobs may ask for (for decoding them). */
const struct job_config *sup_job_config(const struct sup *s);

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

/* The same for a job refused before it was protobuf (a JSON job): its id
 * as the caller found it. */
Judgebox__Verdict *sup_verdict_refused(const char *id, uint64_t seq, const struct jb_err *err);

/* Where finished verdicts go (ownership passes to fn). sup_run uses its own. */
typedef void (*sup_sink_fn)(void *opaque, Judgebox__Verdict *v);
void sup_set_sink(struct sup *s, sup_sink_fn fn, void *opaque);
/* Hand a verdict made outside the supervisor (a frame that did not decode)
 * to the sink, so every verdict leaves through one place. */
void sup_deliver(struct sup *s, Judgebox__Verdict *v);

/* Start job (ownership taken) in a free slot, or with read_ahead as the job
 * set up ahead when every slot is busy; false when there is no room. Its
 * verdict, carrying seq, reaches the sink later (or at once when it cannot
 * start). sup_free_slots counts that room too; sup_running counts the busy
 * slots and the job read ahead. */
bool sup_start(struct sup *s, struct job *job, uint64_t seq);
unsigned sup_running(const struct sup *s);
unsigned sup_free_slots(const struct sup *s);

/* Let sup_wait also wake for fd (a caller's input), reported as bit token
 * (0..31) of sup_wait's result. */
int sup_watch_fd(struct sup *s, int fd, unsigned token, bool on);
/* The same for any epoll events (EPOLLOUT for a writer); 0 stops watching. */
int sup_watch_fd_events(struct sup *s, int fd, unsigned token, uint32_t events);

/* Handle what is ready and the running jobs' deadlines, waiting at most
 * timeout_ms (-1: until something happens). Returns the tokens of the
 * caller's descriptors that are readable. */
uint32_t sup_wait(struct sup *s, int timeout_ms);

/* End every running job; stopping: their verdicts say "worker stopping". */
void sup_stop_all(struct sup *s, bool stopping);
