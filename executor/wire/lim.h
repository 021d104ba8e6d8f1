#pragma once
/* Resource limits (file named lim.h, not limits.h, so that it can never
 * shadow the system <limits.h> that gcc reaches through #include_next): defaults for 0, operator ceilings, parsing of sizes and
 * times, and the rlimits applied in the program's process before exec. */
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "judgebox.pb-c.h"

/* Resolved limits, every field non-zero. Units are in the names. */
struct lim {
	uint64_t cpu_time_ms;
	uint64_t wall_time_ms;
	uint64_t memory_bytes;
	uint32_t processes;
	uint64_t output_bytes;
	uint64_t file_size_bytes;
	uint64_t stack_bytes;
	uint32_t open_files;
	uint64_t box_bytes;
};

/* The out-of-the-box ceilings (contract): cpu 3600 s, wall 7200 s, memory and
 * box half the host's RAM, processes 1024, output 1 GiB, file size 4 GiB,
 * stack = memory, open files 65536. */
void lim_ceilings_default(struct lim *ret);

/* Fill ret from the job's Limits (NULL = all 0): 0 takes the documented
 * default (derived defaults are capped at the ceiling); a value above its
 * ceiling is INVALID_JOB naming the field ("limits.memory_bytes: ..."). */
int lim_resolve(const Judgebox__Limits *in, const struct lim *ceil, struct lim *ret,
		struct jb_err *err);

/* Copy resolved limits into a protobuf Limits (for Verdict.limits). */
void lim_to_proto(const struct lim *l, Judgebox__Limits *ret);

/* "256M", "1G", "4096", "1.5G": K, M, G, T are powers of 1024, an optional
 * trailing "B" or "iB" is accepted. Rejects negatives, junk and overflow. */
int lim_parse_size(const char *s, uint64_t *ret_bytes, struct jb_err *err);

/* "1", "0.5", "2.25" seconds (optional trailing "s", or "ms" for milliseconds)
 * to milliseconds, rounded up. */
int lim_parse_seconds(const char *s, uint64_t *ret_ms, struct jb_err *err);

/* A CPU group of --cpus: "3" or "2-5" (inclusive), into *ret. */
int lim_parse_cpu_group(const char *s, cpu_set_t *ret, struct jb_err *err);

/* Decimal unsigned integer (no sign, no junk, no overflow). */
int lim_parse_uint(const char *s, uint64_t max, uint64_t *ret, struct jb_err *err);

/* Set the program's rlimits: FSIZE, STACK, CORE=0, a CPU backstop, and with
 * fallback (no cgroup) DATA for memory and NPROC for processes (one more
 * when init_shares_uid: init is counted with them). Called in the child
 * between fork and exec: no allocation. */
int lim_apply_rlimits(const struct lim *l, bool fallback, bool init_shares_uid, struct jb_err *err);

/* RLIMIT_NOFILE, apart: the child sets it after the seccomp listener exists
 * (a descriptor the limit would refuse), through prlimit64 on itself. */
int lim_apply_nofile(const struct lim *l, struct jb_err *err);
