#include "wire.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields per message type that the scan counts (Verdict has 22). */
#define WIRE_MAX_MSG_FIELDS 64
#define WIRE_PATH_MAX	    160
#define WIRE_MAX_CAPS	    16

enum {
	WT_VARINT = 0,
	WT_64BIT = 1,
	WT_LEN = 2,
	WT_32BIT = 5,
};

/* The bytes left to read. */
struct wire_in {
	const uint8_t *p;
	size_t n;
};

struct scan {
	const struct wire_rules *rules;
	const ProtobufCFieldDescriptor **cap_field; /* rules->caps resolved */
	size_t fields;				    /* fields read, every level */
	bool broken;				    /* a rule is broken: rule_err says which */
	struct jb_err rule_err;
	const ProtobufCMessageDescriptor *stack[WIRE_MAX_DEPTH];
	unsigned depth;
};

/* ---- the wire format, read as protobuf-c 1.4 reads it ---- */

static void advance(struct wire_in *in, size_t n)
{
	in->p += n;
	in->n -= n;
}

/* A tag of at most 5 bytes whose first byte has a non-zero field number. */
static bool read_tag(struct wire_in *in, uint32_t *ret_num, unsigned *ret_wt)
{
	size_t max = in->n < 5 ? in->n : 5;
	uint64_t num = (in->p[0] & 0x7f) >> 3;

	if ((in->p[0] & 0xf8) == 0)
		return false;
	*ret_wt = in->p[0] & 7;
	for (size_t i = 0; i < max; i++) {
		if (i > 0)
			num |= (uint64_t) (in->p[i] & 0x7f) << (4 + 7 * (i - 1));
		if (!(in->p[i] & 0x80)) {
			*ret_num = (uint32_t) num;
			advance(in, i + 1);
			return true;
		}
	}
	return false;
}

/* The bytes of a varint of at most max bytes, 0 when it does not end there. */
static size_t varint_len(const struct wire_in *in, size_t max, uint64_t *ret_v)
{
	uint64_t v = 0;

	if (max > in->n)
		max = in->n;
	for (size_t i = 0; i < max; i++) {
		v |= (uint64_t) (in->p[i] & 0x7f) << (7 * i);
		if (!(in->p[i] & 0x80)) {
			*ret_v = v;
			return i + 1;
		}
	}
	return 0;
}

/* A length-delimited value: a prefix of at most 5 bytes, at most INT_MAX. */
static bool read_len(struct wire_in *in, struct wire_in *ret_val)
{
	uint64_t v;
	size_t h = varint_len(in, 5, &v);

	if (h == 0 || v > INT_MAX || v > in->n - h)
		return false;
	*ret_val = (struct wire_in){in->p + h, (size_t) v};
	advance(in, h + (size_t) v);
	return true;
}

/* Step over one value of wire type wt; *ret_val is the payload of a
 * length-delimited one. */
static bool read_value(struct wire_in *in, unsigned wt, struct wire_in *ret_val)
{
	uint64_t v;
	size_t h;

	*ret_val = (struct wire_in){in->p, 0};
	switch (wt) {
	case WT_VARINT:
		h = varint_len(in, 10, &v);
		break;
	case WT_64BIT:
		h = in->n >= 8 ? 8 : 0;
		break;
	case WT_32BIT:
		h = in->n >= 4 ? 4 : 0;
		break;
	case WT_LEN:
		return read_len(in, ret_val);
	default: /* groups (3, 4) and 6, 7: protobuf-c takes none */
		return false;
	}
	if (h == 0)
		return false;
	advance(in, h);
	return true;
}

static bool packable(ProtobufCType t)
{
	return t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
	       t != PROTOBUF_C_TYPE_MESSAGE;
}

/* protobuf-c refuses a known field that arrives with another wire type,
 * except a bool (any) and a packed repeated scalar (length-delimited). */
static bool wire_type_ok(const ProtobufCFieldDescriptor *f, unsigned wt)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED && wt == WT_LEN && packable(f->type))
		return true;
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return true;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return wt == WT_32BIT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return wt == WT_64BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return wt == WT_LEN;
	default: /* the varint types */
		return wt == WT_VARINT;
	}
}

/* ---- the rules ---- */

/* Keep the first broken rule; the walk goes on to find malformed data. */
static void broken(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct scan *s, const char *fmt, ...)
{
	char msg[JB_ERR_MSG_MAX];
	va_list ap;

	if (s->broken)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->broken = true;
	jb_invalid(&s->rule_err, "%s", msg);
}

/* Where a message or field sits: made a string only for an error. */
struct wire_path {
	const struct wire_path *up; /* NULL: a field of the top message */
	const ProtobufCFieldDescriptor *f;
	size_t idx; /* the entry of a repeated f, or SIZE_MAX for the field itself */
};

/* "interactor.files[2]" in ret (n bytes); "" for the top message. */
static size_t path_str(const struct wire_path *p, char *ret, size_t n)
{
	size_t len = p && p->up ? path_str(p->up, ret, n) : 0;
	const char *dot = len ? "." : "";
	int k;

	ret[len] = '\0';
	if (!p || len + 1 >= n)
		return len;
	if (p->idx != SIZE_MAX)
		k = snprintf(ret + len, n - len, "%s%s[%zu]", dot, p->f->name, p->idx);
	else
		k = snprintf(ret + len, n - len, "%s%s", dot, p->f->name);
	if (k < 0)
		return len;
	return len + (size_t) k < n ? len + (size_t) k : n - 1;
}

static void check_caps(struct scan *s, const ProtobufCMessageDescriptor *d, const size_t *seen,
		       const struct wire_path *path)
{
	for (size_t i = 0; i < s->rules->n_caps; i++) {
		const struct wire_cap *cap = &s->rules->caps[i];
		const ProtobufCFieldDescriptor *f = s->cap_field[i];
		if (cap->msg != d || !f || seen[f - d->fields] <= cap->max)
			continue;
		char name[WIRE_PATH_MAX];
		path_str(&(struct wire_path){path, f, SIZE_MAX}, name, sizeof(name));
		broken(s, "%s: %zu entries is over the cap of %zu", name, seen[f - d->fields],
		       cap->max);
	}
}

/* ---- the walk ---- */

static int scan_msg(struct scan *s, const ProtobufCMessageDescriptor *d, struct wire_in in,
		    const struct wire_path *path);

/* The message at path: walk it if the rules allow. */
static int scan_sub(struct scan *s, struct wire_in val, const struct wire_path *path)
{
	const ProtobufCMessageDescriptor *d = path->f->descriptor;
	char name[WIRE_PATH_MAX];
	unsigned same = 0;

	for (unsigned i = 0; i < s->depth; i++)
		same += s->stack[i] == d;
	/* Not walked: protobuf-c will not be asked to unpack it. */
	if (same > s->rules->max_nesting) {
		path_str(path, name, sizeof(name));
		broken(s, "%s: %s do not nest", name, s->rules->nesting_what);
		return 0;
	}
	if (s->depth == WIRE_MAX_DEPTH) {
		path_str(path, name, sizeof(name));
		broken(s, "%s: messages nested deeper than %d", name, WIRE_MAX_DEPTH);
		return 0;
	}
	s->stack[s->depth++] = d;
	int r = scan_msg(s, d, val, path);
	s->depth--;
	return r;
}

static void unknown_field(struct scan *s, uint32_t num, const struct wire_path *path)
{
	char name[WIRE_PATH_MAX];

	if (!s->rules->reject_unknown)
		return;
	path_str(path, name, sizeof(name));
	broken(s, "%s: unknown field %" PRIu32 " (this judgebox is version %s)",
	       name[0] ? name : s->rules->root, num, JB_VERSION);
}

static int scan_msg(struct scan *s, const ProtobufCMessageDescriptor *d, struct wire_in in,
		    const struct wire_path *path)
{
	size_t seen[WIRE_MAX_MSG_FIELDS];

	assert(d->n_fields <= WIRE_MAX_MSG_FIELDS);
	memset(seen, 0, d->n_fields * sizeof(*seen));
	while (in.n > 0) {
		uint32_t num;
		unsigned wt;
		struct wire_in val;
		if (!read_tag(&in, &num, &wt) || !read_value(&in, wt, &val))
			return -EBADMSG;
		s->fields++;
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, num);
		if (!f) {
			unknown_field(s, num, path);
			continue;
		}
		if (!wire_type_ok(f, wt))
			return -EBADMSG;
		size_t idx = seen[f - d->fields]++;
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		bool rep = f->label == PROTOBUF_C_LABEL_REPEATED;
		int r = scan_sub(s, val, &(struct wire_path){path, f, rep ? idx : SIZE_MAX});
		if (r < 0)
			return r;
	}
	check_caps(s, d, seen, path);
	return 0;
}

int wire_scan(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
	      const struct wire_rules *rules, struct jb_err *err)
{
	const ProtobufCFieldDescriptor *cap_field[WIRE_MAX_CAPS];
	struct scan s = {.rules = rules, .cap_field = cap_field, .depth = 1, .stack = {d}};

	assert(rules->n_caps <= WIRE_MAX_CAPS);
	for (size_t i = 0; i < rules->n_caps; i++)
		cap_field[i] = protobuf_c_message_descriptor_get_field_by_name(
			rules->caps[i].msg, rules->caps[i].field);
	int r = scan_msg(&s, d, (struct wire_in){buf, buf ? len : 0}, NULL);
	if (r < 0) {
		jb_invalid(err, "%s: cannot decode the protobuf message", rules->root);
		return -EBADMSG;
	}
	if (rules->max_fields && s.fields > rules->max_fields)
		broken(&s, "%s: %zu fields in all is over the cap of %zu", rules->root, s.fields,
		       rules->max_fields);
	if (!s.broken)
		return 0;
	if (err)
		*err = s.rule_err;
	return -EINVAL;
}

char *wire_peek_string(const uint8_t *buf, size_t len, uint32_t num)
{
	struct wire_in in = {buf, buf ? len : 0}, last = {NULL, 0};
	bool found = false;

	while (in.n > 0) {
		uint32_t n;
		unsigned wt;
		struct wire_in val;
		if (!read_tag(&in, &n, &wt) || !read_value(&in, wt, &val))
			return NULL;
		if (n == num && wt == WT_LEN) {
			last = val;
			found = true;
		}
	}
	return found ? strndup((const char *) last.p, last.n) : NULL;
}
