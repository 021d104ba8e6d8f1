#pragma once
/* `judgebox exec --stream`: varint-delimited Jobs in, Verdicts out, on top of
 * the supervisor's slots. */
#include <stdbool.h>

#include "err.h"
#include "supervisor.h"

/* Read Jobs from in_fd until EOF and write one Verdict per frame to out_fd
 * (with json, one JSON Job a line in and one JSON Verdict a line out; blank
 * lines are skipped, a last line needs no '\n'),
 * in completion order, each with its seq. Memory stays bounded: input is read
 * only while a slot is free. A frame that does not decode is INVALID_JOB; a
 * lost framing stops reading after a verdict for it. Returns 0 at EOF, on
 * SIGTERM/SIGINT (after a verdict for every started job: INTERNAL_ERROR
 * "worker stopping") and when out_fd is closed (EPIPE). */
int stream_run(struct sup *s, int in_fd, int out_fd, bool json, struct jb_err *err);
