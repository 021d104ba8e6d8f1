#pragma once
/* Job input and verdict output: protobuf decode + validation, encoding,
 * varint-delimited framing, and the JSON form of a verdict. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "judgebox.pb-c.h"
#include "lim.h"

/* What the operator allows; borrowed by job_decode, not copied. */
struct job_config {
	struct lim ceilings;
	const char *const *allowed_rootfs; /* canonical absolute paths */
	size_t n_allowed_rootfs;
};

/* A decoded, validated job. All paths are normalised. */
struct job {
	Judgebox__Job *pb;    /* owned; free with job_free */
	struct lim limits;    /* defaults filled in */
	const char *policy;   /* "default" when pb->policy is empty; points into pb or static */
	char **file_paths;    /* pb->n_files entries: path relative to /box ("a/b.c") */
	char **collect_paths; /* pb->n_collect entries: path relative to /box */
	char *rootfs;	      /* canonical path of the allowed rootfs, or NULL */
	char *stdin_path;     /* pb->stdin_file relative to /box, or NULL */
	const char *const
		*argv; /* NULL-terminated; argv[0] is "/box/program" when executable set */
	const char *const *envp; /* NULL-terminated; the default env when pb->n_env == 0 */
	struct job *interactor;	 /* pb->interactor validated, or NULL; its pb is ours */
	bool owns_pb;		 /* false for an interactor: the outer job's pb owns it */
};

/* Decode and validate one Job. On failure *ret_job is NULL and err says why;
 * err->kind is JB_ERR_INVALID for a malformed job (message names the field,
 * e.g. "files[2].path: '../x' is outside /box"). Decoding never reads past len. */
int job_decode(const uint8_t *buf, size_t len, const struct job_config *cfg, struct job **ret_job,
	       struct jb_err *err);

/* Check untrusted bytes as a Job on the wire before anything unpacks them
 * (wire.h): nesting, unknown fields, the list caps, the fields in all.
 * Returns 0, -EBADMSG (not a Job: err "job: cannot decode the protobuf
 * message") or -EINVAL (err names the field); allocates nothing. */
int job_scan(const uint8_t *buf, size_t len, struct jb_err *err);

/* job_scan, then protobuf-c: *ret_pb is the caller's (free_unpacked), NULL
 * on failure with job_scan's codes. */
int job_unpack(const uint8_t *buf, size_t len, Judgebox__Job **ret_pb, struct jb_err *err);

/* The same for a Verdict (show, submit): unknown fields are kept, an
 * interactor's verdict may not hold another. */
int job_verdict_unpack(const uint8_t *buf, size_t len, Judgebox__Verdict **ret_v,
		       struct jb_err *err);

/* The id of a job that did not decode, for its verdict, read without
 * unpacking: malloc'ed, or NULL when there is none to be found. */
char *job_peek_id(const uint8_t *buf, size_t len);

/* Validate a job already in memory (as built by the CLI); takes ownership of pb
 * on success and on failure. */
int job_from_proto(Judgebox__Job *pb, const struct job_config *cfg, struct job **ret_job,
		   struct jb_err *err);

void job_free(struct job *j);
static inline void job_freep(struct job **j)
{
	if (*j)
		job_free(*j);
}

/* Normalise a box path ("sol.c", "/box/a/b", "a//b/./c") to a relative path
 * under /box in ret (size n). ".." anywhere, an empty path, a path that is
 * /box itself or lands outside /box is rejected; field names the proto field
 * for the message. */
int job_box_path(const char *path, const char *field, char *ret, size_t n, struct jb_err *err);

/* Serialise a verdict; *ret is malloc'ed, caller frees. */
int job_verdict_pack(const Judgebox__Verdict *v, uint8_t **ret, size_t *ret_len,
		     struct jb_err *err);

/* Print the verdict as one JSON object and a newline (contract layout: every
 * field, snake_case, enum names, stdout_base64 when not UTF-8). */
int job_verdict_json(const Judgebox__Verdict *v, FILE *out);

/* The protobuf varint of v in out (10 bytes at most); returns its length. */
size_t job_varint(uint64_t v, uint8_t out[10]);

/* Append the varint-delimited frame of buf (len) to out (fd), one write. */
int job_frame_write(int fd, const uint8_t *buf, size_t len, struct jb_err *err);

/* Incremental reader for varint-delimited frames from a byte stream. */
struct job_frames;
int job_frames_new(size_t max_frame_bytes, struct job_frames **ret, struct jb_err *err);
/* The same reader for JSON lines: a frame is a line, without its '\n' (and
 * a '\r' before it); a line over max_line_bytes loses the stream. */
int job_frames_new_lines(size_t max_line_bytes, struct job_frames **ret, struct jb_err *err);
void job_frames_free(struct job_frames *f);
/* Feed bytes read from the stream. */
int job_frames_feed(struct job_frames *f, const uint8_t *buf, size_t len, struct jb_err *err);
/* Next complete frame: returns 1 and sets *ret_buf and *ret_len (valid until the
 * next call), 0 when more input is needed, or -EBADMSG when the framing is lost
 * (bad varint, frame over the cap): nothing after that point can be trusted. */
int job_frames_next(struct job_frames *f, const uint8_t **ret_buf, size_t *ret_len,
		    struct jb_err *err);
/* Bytes held that do not form a whole frame (non-zero at EOF = cut frame). */
size_t job_frames_pending(const struct job_frames *f);

/* Name of a status ("OK", "TIME_LIMIT", ...). */
const char *job_status_name(Judgebox__Status s);
