#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lim.h"
#include "opflags.h"
#include "redis.h"

static int usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "judgebox: %s: %s\n(see judgebox %s --help)\n", cmd, msg, cmd);
	return -EINVAL;
}

static void print_help(const char *cmd, const struct redis_flag *t, size_t n, bool op)
{
	printf("usage: judgebox %s FLAGS\n\nflags of '%s':\n", cmd, cmd);
	for (size_t k = 0; k < n; k++)
		printf("  %s %s\n", t[k].name, t[k].help);
	const struct opflag *f;
	if (op)
		printf("\nthe operator flags of 'exec':\n");
	for (size_t k = 0; op && (f = opflags_at(k)); k++)
		printf("  %s %s\n", f->name, f->help);
	printf("\nURL: redis://[[user]:password@]host[:port][/db] or "
	       "unix://[[user]:password@]/path/to.sock\n"
	       "    (the password may also come from $JB_REDIS_PASSWORD)\n");
}

static const struct redis_flag *find(const struct redis_flag *t, size_t n, const char *name,
				     size_t len)
{
	for (size_t k = 0; k < n; k++)
		if (strlen(t[k].name) == len && !strncmp(t[k].name, name, len))
			return &t[k];
	return NULL;
}

int redis_flags_parse(const char *cmd, int argc, char **argv, int i, const struct redis_flag *t,
		      size_t n)
{
	return redis_flags_parse_op(cmd, argc, argv, i, t, n, NULL);
}

/* A flag found by name: the command's own (f) or an operator flag (op). */
struct found {
	const struct redis_flag *f;
	const struct opflag *op;
};

static struct found lookup(const struct redis_flag *t, size_t n, bool op, const char *a, size_t len)
{
	const struct redis_flag *f = strncmp(a, "--", 2) ? NULL : find(t, n, a, len);
	return (struct found){f, !f && op ? opflags_find(a, len) : NULL};
}

static int apply(struct found x, struct opflags *op, const char *val)
{
	struct jb_err err = {0};
	return x.f ? x.f->fn(val, x.f->target) : opflags_set(op, x.op, val, &err);
}

int redis_flags_parse_op(const char *cmd, int argc, char **argv, int i, const struct redis_flag *t,
			 size_t n, struct opflags *op)
{
	char msg[512];
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return print_help(cmd, t, n, op), 1;
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t) (eq - a) : strlen(a);
		struct found x = lookup(t, n, op, a, len);
		if (!x.f && !x.op) {
			snprintf(msg, sizeof(msg), "unknown flag or argument '%s'", a);
			return usage(cmd, msg);
		}
		bool has_arg = x.f ? x.f->has_arg : x.op->has_arg;
		const char *val = eq ? eq + 1 : NULL;
		if (has_arg && !val) {
			if (i + 1 >= argc) {
				snprintf(msg, sizeof(msg), "flag '%s' needs a value", a);
				return usage(cmd, msg);
			}
			val = argv[++i];
		} else if (!has_arg && val) {
			snprintf(msg, sizeof(msg), "flag '%.*s' takes no value", (int) len, a);
			return usage(cmd, msg);
		}
		if (apply(x, op, val) < 0) {
			const char *name = x.f ? x.f->name : x.op->name;
			snprintf(msg, sizeof(msg), "%s: bad value '%s'", name, val ? val : "");
			return usage(cmd, msg);
		}
	}
	return 0;
}

int redis_flag_string(const char *value, void *target)
{
	if (!value[0])
		return -EINVAL;
	*(const char **) target = value;
	return 0;
}

int redis_flag_uint(const char *value, void *target)
{
	struct jb_err err = {0};
	uint64_t v;
	int r = lim_parse_uint(value, UINT32_MAX, &v, &err);
	if (r >= 0)
		*(uint32_t *) target = (uint32_t) v;
	return r;
}

int redis_flag_positive(const char *value, void *target)
{
	uint32_t v = 0;
	int r = redis_flag_uint(value, &v);
	if (r >= 0 && v == 0)
		r = -EINVAL;
	if (r >= 0)
		*(uint32_t *) target = v;
	return r;
}

int redis_flag_size(const char *value, void *target)
{
	struct jb_err err = {0};
	uint64_t v = 0;
	int r = lim_parse_size(value, &v, &err);
	if (r >= 0 && v == 0)
		r = -EINVAL;
	if (r >= 0)
		*(uint64_t *) target = v;
	return r;
}

int redis_flag_seconds(const char *value, void *target)
{
	struct jb_err err = {0};
	return lim_parse_seconds(value, target, &err);
}
