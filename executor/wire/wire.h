#pragma once
/* A pre-scan of protobuf wire data, run before protobuf-c unpacks a message
 * from an untrusted source. protobuf-c recurses once per nested message and
 * spends about 32 bytes of bookkeeping per field (more per repeated entry)
 * before any cap can answer: a 34 KB Job nested 10,000 deep overflows the
 * stack, and 10 MB of empty `files` entries cost 600 MB. The scan walks the
 * bytes once, allocates nothing, recurses only as deep as the rules allow,
 * and refuses what would break them, so that unpacking afterwards costs
 * memory in proportion to the caps, not to the input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"

/* Messages nested deeper than this are refused whatever the rules say. */
#define WIRE_MAX_DEPTH 8

/* A cap on the entries of one repeated field, in each message of a type. */
struct wire_cap {
	const ProtobufCMessageDescriptor *msg;
	const char *field; /* the field's name in the proto */
	size_t max;
};

struct wire_rules {
	const char *root;	  /* the top message in errors ("job") */
	bool reject_unknown;	  /* an unknown field is refused (else skipped) */
	unsigned max_nesting;	  /* times a message may sit inside one of its own type */
	const char *nesting_what; /* in "interactor.interactor: %s do not nest" */
	size_t max_fields;	  /* fields at every level in all; 0 = no cap */
	const struct wire_cap *caps;
	size_t n_caps;
};

/* Check buf (len bytes) as a message of type d under rules. Returns 0 when
 * protobuf-c can unpack it within them; -EBADMSG when it is not well-formed
 * wire data that protobuf-c would take (err: "<root>: cannot decode the
 * protobuf message"); -EINVAL when it is well-formed as far as read but a
 * rule is broken (err names the field: "interactor.interactor: ...",
 * "files: 5000000 entries is over the cap of 10000"). A broken rule does
 * not stop the walk: malformed data anywhere after it still wins. */
int wire_scan(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
	      const struct wire_rules *rules, struct jb_err *err);

/* The last value of string field num at the top level of buf, as protobuf-c
 * would decode it (cut at a NUL byte); malloc'ed, or NULL when there is
 * none, the top level is not well-formed, or memory is short. */
char *wire_peek_string(const uint8_t *buf, size_t len, uint32_t num);
