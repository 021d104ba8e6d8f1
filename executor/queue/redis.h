#pragma once
/* `judgebox worker` and `judgebox submit`: scale-out through Redis Streams
 * with consumer groups (built only with hiredis, JB_HAVE_REDIS). Entries of
 * the jobs stream hold `job` (a Job protobuf) and `reply` (the stream for its
 * verdict, default "STREAM:verdicts"); verdict entries hold `verdict` (a
 * Verdict protobuf), `id` (the job id) and `entry` (the job's entry id). */
#include <stdbool.h>
#include <stddef.h>

/* The commands, called by cli.c with argv[i] the first flag. Return the
 * exit status: 0 done, 1 failure (submit: the timeout hit), 2 usage. */
int redis_worker_main(int argc, char **argv, int i);
int redis_submit_main(int argc, char **argv, int i);

/* Table-driven flags shared by both commands. */
typedef int (*redis_flag_fn)(const char *value, void *target);
struct redis_flag {
	const char *name;
	bool has_arg;
	redis_flag_fn fn;
	void *target;
	const char *help;
};

/* Parse argv[*i..] ("--flag value" or "--flag=value") against the table;
 * anything left over is an error. Prints usage errors on stderr and returns
 * -EINVAL; --help prints the table and returns 1. */
int redis_flags_parse(const char *cmd, int argc, char **argv, int i, const struct redis_flag *t,
		      size_t n);

/* The same, with the operator flags of exec (opflags.h) after the table's
 * own, applied to op; NULL: none. */
struct opflags;
int redis_flags_parse_op(const char *cmd, int argc, char **argv, int i, const struct redis_flag *t,
			 size_t n, struct opflags *op);

/* Flag handlers: a string, an unsigned (uint32_t, > 0), a count as unsigned
 * (uint32_t, 0 allowed), seconds (uint64_t ms), a size ("64M", uint64_t
 * bytes, > 0). */
int redis_flag_string(const char *value, void *target);
int redis_flag_positive(const char *value, void *target);
int redis_flag_uint(const char *value, void *target);
int redis_flag_seconds(const char *value, void *target);
int redis_flag_size(const char *value, void *target);
