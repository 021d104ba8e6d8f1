#pragma once
/* A Job given as JSON, turned into the protobuf Job every other path decodes
 * (exec --json, and the service's JSON requests), so a JSON job meets the same
 * decoder, caps and validation as a binary one.
 *
 * The mapping is the one `show` prints, in the other direction: field names
 * as in the proto; bytes as UTF-8 text in NAME or base64 (RFC 4648, padded)
 * in NAME_base64; 64-bit numbers as JSON numbers or decimal strings; repeated
 * fields as arrays; nested messages as objects. It is read from protobuf-c's
 * descriptors, so a field added to judgebox.proto is understood at once. */
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Parse text (len bytes, one JSON object) into a packed Job in *ret_pb
 * (malloc'ed, caller frees) of *ret_len bytes. Bad JSON, an unknown field, a
 * wrong type, a number out of range, bad base64 or a NUL in a string is an
 * INVALID_JOB error naming the field (`limits.cpu_time_ms: ...`); ret_id
 * (id_size bytes, or NULL) then holds the job's "id" for its verdict, ""
 * when the text was not parsed or has no string id. */
int jobjson_to_pb(const char *text, size_t len, uint8_t **ret_pb, size_t *ret_len, char *ret_id,
		  size_t id_size, struct jb_err *err);
