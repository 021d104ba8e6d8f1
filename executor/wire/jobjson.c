#include "jobjson.h"

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "judgebox.pb-c.h"
#include "util.h"

/* Job > interactor Job > its limits or files: deeper is refused before any
 * recursion (a Job nests one interactor; validation says so by name). */
#define JJ_MAX_DEPTH 4
#define JJ_SUFFIX    "_base64"
/* A Job within every cap (argv, env, collect 4096-10000 each, 10000 files of
 * a few values, an interactor as big) has far fewer values; the parser
 * spends about 80 bytes on each, so more are refused before it runs. */
#define JJ_MAX_VALUES 200000

/* A field's place for messages: "files[2].content". */
struct where {
	char s[256];
};

static struct where at_key(const struct where *parent, const char *key)
{
	struct where w;
	snprintf(w.s, sizeof(w.s), "%s%s%s", parent->s, parent->s[0] ? "." : "", key);
	return w;
}

static struct where at_index(const struct where *parent, size_t i)
{
	struct where w;
	snprintf(w.s, sizeof(w.s), "%s[%zu]", parent->s, i);
	return w;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict RFC 4648 base64 with padding: anything else is refused, so one
 * text has one meaning. */
static int b64_decode(const char *s, size_t n, ProtobufCBinaryData *out)
{
	if (n % 4)
		return -1;
	size_t pad = n && s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	uint8_t *buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -2;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++) {
			bool padded = i + 4 == n && k >= 4 - (int) pad;
			v[k] = padded ? 0 : b64_value((unsigned char) s[i + k]);
			if (v[k] < 0 || (!padded && s[i + k] == '=')) {
				free(buf);
				return -1;
			}
		}
		uint32_t w = (uint32_t) (v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
		uint8_t b[3] = {(uint8_t) (w >> 16), (uint8_t) (w >> 8), (uint8_t) w};
		size_t keep = i + 4 == n ? 3 - pad : 3;
		memcpy(buf + o, b, keep);
		o += keep;
	}
	out->data = buf;
	out->len = o;
	return 0;
}

static int to_string(json_t *v, const struct where *w, char **ret, struct jb_err *err)
{
	if (!json_is_string(v))
		return jb_invalid(err, "%s: expected a string", w->s);
	size_t n = json_string_length(v);
	/* jansson refuses \u0000 without JSON_ALLOW_NUL; C strings end there */
	if (memchr(json_string_value(v), '\0', n))
		return jb_invalid(err, "%s: a string may not hold a NUL character", w->s);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : jb_fail(err, ENOMEM, "%s: copy", w->s);
}

/* NAME: the UTF-8 text's bytes; NAME_base64: the decoded bytes. */
static int to_bytes(json_t *v, bool base64, const struct where *w, ProtobufCBinaryData *ret,
		    struct jb_err *err)
{
	if (!json_is_string(v))
		return jb_invalid(err, "%s: expected a string", w->s);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (base64) {
		int r = b64_decode(s, n, ret);
		if (r == -2)
			return jb_fail(err, ENOMEM, "%s: decode", w->s);
		return r < 0 ? jb_invalid(err, "%s: not base64 (RFC 4648, padded)", w->s) : 0;
	}
	ret->data = malloc(n ? n : 1);
	if (!ret->data)
		return jb_fail(err, ENOMEM, "%s: copy", w->s);
	memcpy(ret->data, s, n);
	ret->len = n;
	return 0;
}

/* A non-negative integer up to max, as a JSON number or a decimal string
 * (protobuf's JSON mapping writes 64-bit numbers as strings). */
static int to_uint(json_t *v, uint64_t max, const struct where *w, uint64_t *ret,
		   struct jb_err *err)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t) json_integer_value(v) <= max) {
		*ret = (uint64_t) json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end = NULL;
		errno = 0;
		unsigned long long x = strtoull(s, &end, 10);
		if (s[0] >= '0' && s[0] <= '9' && !*end && !errno && x <= max) {
			*ret = x;
			return 0;
		}
	}
	return jb_invalid(err, "%s: expected an integer from 0 to %llu", w->s,
			  (unsigned long long) max);
}

static int to_message(json_t *obj, const ProtobufCMessageDescriptor *d, int depth,
		      const struct where *w, ProtobufCMessage **ret, struct jb_err *err);

/* One value of field fd into dst (the field itself, or one array slot). */
static int to_value(json_t *v, const ProtobufCFieldDescriptor *fd, bool base64, int depth,
		    const struct where *w, void *dst, struct jb_err *err)
{
	uint64_t x = 0;
	int r;
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return to_string(v, w, (char **) dst, err);
	case PROTOBUF_C_TYPE_BYTES:
		return to_bytes(v, base64, w, (ProtobufCBinaryData *) dst, err);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return jb_invalid(err, "%s: expected true or false", w->s);
		*(protobuf_c_boolean *) dst = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
		if ((r = to_uint(v, UINT32_MAX, w, &x, err)) == 0)
			*(uint32_t *) dst = (uint32_t) x;
		return r;
	case PROTOBUF_C_TYPE_UINT64:
		if ((r = to_uint(v, UINT64_MAX, w, &x, err)) == 0)
			*(uint64_t *) dst = x;
		return r;
	case PROTOBUF_C_TYPE_MESSAGE:
		return to_message(v, fd->descriptor, depth + 1, w, (ProtobufCMessage **) dst, err);
	default:
		return jb_invalid(err, "%s: a field of this type is not read from JSON", w->s);
	}
}

static size_t slot_size(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	case PROTOBUF_C_TYPE_UINT64:
		return sizeof(uint64_t);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return sizeof(uint32_t);
	}
}

/* A repeated field: the array's slots are counted as they are filled, so
 * free_unpacked frees what was made when one fails (calloc'ed slots are
 * NULL or empty until filled). */
static int to_repeated(json_t *arr, const ProtobufCFieldDescriptor *fd, int depth,
		       const struct where *w, ProtobufCMessage *m, struct jb_err *err)
{
	if (!json_is_array(arr))
		return jb_invalid(err, "%s: expected an array", w->s);
	size_t n = json_array_size(arr);
	if (n == 0)
		return 0;
	void *slots = calloc(n, slot_size(fd));
	if (!slots)
		return jb_fail(err, ENOMEM, "%s: %zu entries", w->s, n);
	*(void **) ((char *) m + fd->offset) = slots;
	size_t *count = (size_t *) ((char *) m + fd->quantifier_offset);
	for (size_t i = 0; i < n; i++) {
		struct where wi = at_index(w, i);
		*count = i + 1; /* a slot that fails half-made is freed too */
		int r = to_value(json_array_get(arr, i), fd, false, depth, &wi,
				 (char *) slots + i * slot_size(fd), err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* key names fd directly, or as NAME_base64 for a bytes field. */
/* NAME of a key NAME_base64 in base; false for any other key. */
static bool base64_key(const char *key, char base[static 128])
{
	size_t n = strlen(key), sn = strlen(JJ_SUFFIX);
	if (n <= sn || n - sn >= 128 || strcmp(key + n - sn, JJ_SUFFIX))
		return false;
	memcpy(base, key, n - sn);
	base[n - sn] = '\0';
	return true;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
						  const char *key, bool *ret_base64)
{
	*ret_base64 = false;
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field_by_name(d, key);
	char base[128];
	if (fd || !base64_key(key, base))
		return fd;
	fd = protobuf_c_message_descriptor_get_field_by_name(d, base);
	if (!fd || fd->type != PROTOBUF_C_TYPE_BYTES || fd->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	*ret_base64 = true;
	return fd;
}

static int to_field(json_t *v, const char *key, const ProtobufCMessageDescriptor *d, int depth,
		    const struct where *w, ProtobufCMessage *m, struct jb_err *err)
{
	bool base64;
	const ProtobufCFieldDescriptor *fd = find_field(d, key, &base64);
	struct where wk = at_key(w, key);
	if (!fd)
		return jb_invalid(err, "%s: unknown field", wk.s);
	if (fd->label == PROTOBUF_C_LABEL_REPEATED)
		return to_repeated(v, fd, depth, &wk, m, err);
	return to_value(v, fd, base64, depth, &wk, (char *) m + fd->offset, err);
}

/* NAME and NAME_base64 both given: two answers to one question. */
static int check_pairs(json_t *obj, const struct where *w, struct jb_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		char base[128];
		if (base64_key(key, base) && json_object_get(obj, base)) {
			struct where wk = at_key(w, base);
			return jb_invalid(err, "%s: give %s or %s, not both", wk.s, base, key);
		}
	}
	return 0;
}

static int to_message(json_t *obj, const ProtobufCMessageDescriptor *d, int depth,
		      const struct where *w, ProtobufCMessage **ret, struct jb_err *err)
{
	if (depth > JJ_MAX_DEPTH)
		return jb_invalid(err, "%s: nested too deep", w->s);
	if (!json_is_object(obj))
		return jb_invalid(err, "%s: expected an object", w->s[0] ? w->s : "job");
	int r = check_pairs(obj, w, err);
	if (r < 0)
		return r;
	ProtobufCMessage *m = calloc(1, d->sizeof_message);
	if (!m)
		return jb_fail(err, ENOMEM, "%s: allocate", w->s);
	protobuf_c_message_init(d, m);
	*ret = m; /* the caller frees it, complete or not */
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if ((r = to_field(v, key, d, depth, w, m, err)) < 0)
			return r;
	}
	return 0;
}

/* An upper bound on the JSON values in text: one more than the separators
 * and openings outside strings. No allocation, one pass. */
static size_t count_values(const char *text, size_t len)
{
	size_t n = 1;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == ',' || c == '[' || c == '{' || c == ':') {
			n++;
		}
	}
	return n;
}

/* A refused job's "id", when the text parsed and holds a string one. */
static void copy_id(json_t *root, char *ret_id, size_t id_size)
{
	json_t *id = json_is_object(root) ? json_object_get(root, "id") : NULL;
	if (ret_id && json_is_string(id))
		snprintf(ret_id, id_size, "%s", json_string_value(id));
}

int jobjson_to_pb(const char *text, size_t len, uint8_t **ret_pb, size_t *ret_len, char *ret_id,
		  size_t id_size, struct jb_err *err)
{
	if (ret_id && id_size)
		ret_id[0] = '\0';
	size_t values = count_values(text, len);
	if (values > JJ_MAX_VALUES)
		return jb_invalid(err,
				  "job: about %zu JSON values, over the cap of %d (the caps "
				  "on argv, env, files and collect allow far fewer)",
				  values, JJ_MAX_VALUES);
	json_error_t je;
	json_auto_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return jb_invalid(err, "job: not JSON (line %d, column %d): %s", je.line, je.column,
				  je.text);
	ProtobufCMessage *m = NULL;
	struct where top = {""};
	int r = to_message(root, &judgebox__job__descriptor, 1, &top, &m, err);
	if (r == 0) {
		size_t n = protobuf_c_message_get_packed_size(m);
		*ret_pb = malloc(n ? n : 1);
		if (!*ret_pb)
			r = jb_fail(err, ENOMEM, "job: pack %zu bytes", n);
		else
			*ret_len = protobuf_c_message_pack(m, *ret_pb);
	}
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	if (r < 0)
		copy_id(root, ret_id, id_size);
	return r;
}
