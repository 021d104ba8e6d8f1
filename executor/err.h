#pragma once
/* The error record: filled once by jb_fail() on the failure path, never allocates.
 * Fixed size below PIPE_BUF so a child can send it to its parent in one write. */
#include <stddef.h>

#define JB_ERR_MSG_MAX 400

struct jb_err {
	int code;		  /* positive errno of the failure, 0 = no error */
	int kind;		  /* JB_ERR_* : what kind of verdict the failure becomes */
	char msg[JB_ERR_MSG_MAX]; /* lower-case, human-readable, strerror appended */
};

enum {
	JB_ERR_INTERNAL = 0, /* the sandbox failed: INTERNAL_ERROR */
	JB_ERR_INVALID = 1,  /* the job or the command line is malformed: INVALID_JOB */
};

/* Fill err with the formatted message and ": strerror(code)"; returns -code
 * (or -EINVAL when code is 0, which appends nothing). err may be NULL. */
int jb_fail(struct jb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like jb_fail() but marks the failure as the job's fault (INVALID_JOB) and
 * appends no strerror: the message alone names the field. */
int jb_invalid(struct jb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Put "prefix: " in front of an already filled message. */
void jb_err_prefix(struct jb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset err to "no error". */
void jb_err_clear(struct jb_err *err);
