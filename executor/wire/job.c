#include "job.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "wire.h"

/* Caps on list sizes: far above any honest job, low enough that the O(n log n)
 * checks and the argv/env arrays stay cheap. */
#define JOB_MAX_ARGV	4096
#define JOB_MAX_ENV	4096
#define JOB_MAX_FILES	10000
#define JOB_MAX_COLLECT 10000
/* Fields of a Job on the wire, every level: the lists above at their caps
 * (a File is its entry and its 5 fields), singular fields with room for
 * repeats, twice (the job and its interactor). Decoding costs about 100
 * bytes per field: a Job within the caps unpacks in some 16 MB plus copies
 * of its strings, however long the input. */
#define JOB_MAX_FIELDS	(2 * (JOB_MAX_ARGV + JOB_MAX_ENV + 6 * JOB_MAX_FILES + JOB_MAX_COLLECT + 64))
#define POLICY_NAME_MAX 64
/* Box paths: init creates every parent of a file with one mkdir per
 * component, each a lookup from /box, so placing files costs about the sum
 * of their depths squared. 200 files under a 2,000-deep chain took 10 s of
 * init's (uncharged) set-up; within these caps the worst job places its
 * files in under a second. */
#define JOB_MAX_PATH_DEPTH	64
#define JOB_MAX_PATH_COMPONENTS 100000 /* over all of Job.files */

static const char *const default_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box", NULL};

static const char *str(const char *s)
{
	return s ? s : "";
}

/* A user string for a message, cut at 80 bytes (on a UTF-8 boundary) with
 * "..." so that the rest of the message survives the fixed-size record. */
struct quoted {
	char s[88];
};

static const char *quote(const char *s, size_t len, struct quoted *q)
{
	size_t n = len;

	if (n > 80) {
		n = 80;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(q->s, s, n);
	strcpy(q->s + n, n < len ? "..." : "");
	return q->s;
}
#define Q(s)	 quote((s), strlen(s), &(struct quoted){{0}})
#define QN(s, n) quote((s), (n), &(struct quoted){{0}})

/* ---- box paths ---- */

static bool is_dotdot(const char *p, size_t c)
{
	return c == 2 && p[0] == '.' && p[1] == '.';
}

/* The normalised path being built: ret (n bytes) holds len of them. */
struct box_out {
	char *ret;
	size_t n, len, depth;
};

/* Append component comp (c bytes) of path to out. */
static int append_comp(struct box_out *out, const char *comp, size_t c, const char *path,
		       const char *field, struct jb_err *err)
{
	if (c > NAME_MAX)
		return jb_invalid(err, "%s: a component of '%s' is longer than NAME_MAX (%d)",
				  field, Q(path), NAME_MAX);
	if (out->len + (out->len > 0) + c >= out->n)
		return jb_invalid(err, "%s: '%s' is too long", field, Q(path));
	if (++out->depth > JOB_MAX_PATH_DEPTH)
		return jb_invalid(err, "%s: '%s' is deeper than %d components", field, Q(path),
				  JOB_MAX_PATH_DEPTH);
	if (out->len > 0)
		out->ret[out->len++] = '/';
	memcpy(out->ret + out->len, comp, c);
	out->len += c;
	return 0;
}

int job_box_path(const char *path, const char *field, char *ret, size_t n, struct jb_err *err)
{
	const char *p = path;
	bool want_box = path[0] == '/'; /* absolute: the first component must be "box" */
	struct box_out out = {.ret = ret, .n = n};

	if (path[0] == '\0')
		return jb_invalid(err, "%s: the path is empty", field);
	if (strlen(path) >= PATH_MAX)
		return jb_invalid(err, "%s: the path is longer than PATH_MAX (%d)", field,
				  PATH_MAX);
	while (*p) {
		size_t c = strcspn(p, "/");
		const char *comp = p;

		p += c + (p[c] == '/');
		if (c == 0 || (c == 1 && comp[0] == '.'))
			continue;
		if (is_dotdot(comp, c) && (out.len == 0 || want_box))
			return jb_invalid(err, "%s: '%s' is outside /box", field, Q(path));
		if (is_dotdot(comp, c))
			return jb_invalid(err, "%s: '%s' has a '..' component", field, Q(path));
		if (want_box && (c != 3 || memcmp(comp, "box", 3) != 0))
			return jb_invalid(err, "%s: '%s' is outside /box", field, Q(path));
		int r = want_box ? 0 : append_comp(&out, comp, c, path, field, err);
		if (r < 0)
			return r;
		want_box = false;
	}
	if (want_box)
		return jb_invalid(err, "%s: '%s' is outside /box", field, Q(path));
	if (out.len == 0)
		return jb_invalid(err, "%s: '%s' is /box itself, not a file under it", field,
				  Q(path));
	ret[out.len] = '\0';
	return 0;
}

/* ---- duplicates and nesting, by sorting ---- */

struct ref {
	const char *s;
	size_t len; /* bytes that take part in the comparison */
	size_t idx; /* index in the job's list */
};

/* Byte order with '/' below every other byte: then a path is followed by
 * its duplicates and descendants ("a", "a/b", "a-b"), so a path that clashes
 * with any other clashes with its next neighbour. */
static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;

	for (size_t i = 0; i < n; i++) {
		int cx = x->s[i] == '/' ? 0 : (unsigned char) x->s[i] + 1;
		int cy = y->s[i] == '/' ? 0 : (unsigned char) y->s[i] + 1;
		if (cx != cy)
			return cx - cy;
	}
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

enum clash_kind { CLASH_NONE, CLASH_DUP, CLASH_NESTED };

struct clash {
	enum clash_kind kind;
	size_t late, early; /* the later index is the offender */
	bool late_is_parent;
};

/* Sort refs; of the clashes between neighbours, the one with the smallest
 * later index. nested: also report a path below another one. */
static struct clash find_clash(struct ref *refs, size_t n, bool nested)
{
	struct clash c = {.kind = CLASH_NONE, .late = SIZE_MAX};

	if (n > 1)
		qsort(refs, n, sizeof(*refs), ref_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct ref *a = &refs[i - 1], *b = &refs[i];
		enum clash_kind k = CLASH_NONE;
		if (a->len <= b->len && memcmp(a->s, b->s, a->len) == 0) {
			if (a->len == b->len)
				k = CLASH_DUP;
			else if (nested && b->s[a->len] == '/')
				k = CLASH_NESTED;
		}
		size_t late = a->idx > b->idx ? a->idx : b->idx;
		if (k == CLASH_NONE || late >= c.late)
			continue;
		c = (struct clash){k, late, a->idx + b->idx - late, late == a->idx};
	}
	return c;
}

/* paths[i] of a list named what ("files", "collect") with field suffix. */
static int check_clashes(char *const *paths, size_t n, const char *what, const char *suffix,
			 bool nested, struct jb_err *err)
{
	_cleanup_free_ struct ref *refs = calloc(n ? n : 1, sizeof(*refs));

	if (!refs)
		return jb_fail(err, ENOMEM, "%s: allocate %zu entries", what, n);
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct ref){paths[i], strlen(paths[i]), i};
	struct clash c = find_clash(refs, n, nested);
	if (c.kind == CLASH_NONE)
		return 0;
	if (c.kind == CLASH_DUP)
		return jb_invalid(err, "%s[%zu]%s: duplicate of %s[%zu]", what, c.late, suffix,
				  what, c.early);
	const char *late = paths[c.late], *early = paths[c.early];
	if (c.late_is_parent)
		return jb_invalid(err, "%s[%zu]%s: '%s' is a parent directory of %s[%zu] '%s'",
				  what, c.late, suffix, Q(late), what, c.early, Q(early));
	return jb_invalid(err, "%s[%zu]%s: '%s' is under %s[%zu] '%s', a file", what, c.late,
			  suffix, Q(late), what, c.early, Q(early));
}

/* ---- validation, one proto field at a time ---- */

static int check_unknown(const ProtobufCMessage *m, const char *what, struct jb_err *err)
{
	/* An old judgebox must never run a job whose new fields it would ignore. */
	if (m->n_unknown_fields == 0)
		return 0;
	return jb_invalid(err, "%s: unknown field %" PRIu32 " (this judgebox is version %s)", what,
			  m->unknown_fields[0].tag, JB_VERSION);
}

static int check_all_unknown(const Judgebox__Job *pb, struct jb_err *err)
{
	int r = check_unknown(&pb->base, "job", err);

	if (r < 0)
		return r;
	if (pb->limits && (r = check_unknown(&pb->limits->base, "limits", err)) < 0)
		return r;
	for (size_t i = 0; i < pb->n_files; i++) {
		char what[32];
		snprintf(what, sizeof(what), "files[%zu]", i);
		if ((r = check_unknown(&pb->files[i]->base, what, err)) < 0)
			return r;
	}
	return 0;
}

static int check_argv(const Judgebox__Job *pb, struct jb_err *err)
{
	if (pb->n_argv > JOB_MAX_ARGV)
		return jb_invalid(err, "argv: %zu entries is over the cap of %d", pb->n_argv,
				  JOB_MAX_ARGV);
	if (pb->executable.len > 0)
		return 0;
	if (pb->n_argv == 0)
		return jb_invalid(err, "argv: a job needs an executable or argv[0]");
	if (pb->argv[0][0] == '\0')
		return jb_invalid(err, "argv[0]: the program path is empty (and no executable)");
	return 0;
}

static int check_env(const Judgebox__Job *pb, struct jb_err *err)
{
	if (pb->n_env > JOB_MAX_ENV)
		return jb_invalid(err, "env: %zu entries is over the cap of %d", pb->n_env,
				  JOB_MAX_ENV);
	_cleanup_free_ struct ref *refs = calloc(pb->n_env ? pb->n_env : 1, sizeof(*refs));
	if (!refs)
		return jb_fail(err, ENOMEM, "env: allocate %zu entries", pb->n_env);
	for (size_t i = 0; i < pb->n_env; i++) {
		const char *e = pb->env[i], *eq = strchr(e, '=');
		if (!eq)
			return jb_invalid(err, "env[%zu]: '%s' is not KEY=VALUE", i, Q(e));
		if (eq == e)
			return jb_invalid(err, "env[%zu]: '%s' has an empty key", i, Q(e));
		refs[i] = (struct ref){e, (size_t) (eq - e), i};
	}
	struct clash c = find_clash(refs, pb->n_env, false);
	if (c.kind != CLASH_NONE) {
		const char *e = pb->env[c.late];
		return jb_invalid(err, "env[%zu]: duplicate key '%s'", c.late,
				  QN(e, (size_t) (strchr(e, '=') - e)));
	}
	return 0;
}

static int check_policy(struct job *j, struct jb_err *err)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
	const char *p = str(j->pb->policy);
	size_t n = strspn(p, ok);

	/* The name becomes a file name under policies/: no '/', no "..". */
	if (p[0] == '\0') {
		j->policy = "default";
		return 0;
	}
	if (p[n] != '\0' || n > POLICY_NAME_MAX)
		return jb_invalid(err,
				  "policy: '%s' is not a policy name (1 to %d of A-Z a-z 0-9 _ -)",
				  Q(p), POLICY_NAME_MAX);
	j->policy = p;
	return 0;
}

/* A path that the executable owns: /box/program itself or below it. */
static bool under_program(const char *path)
{
	return strncmp(path, "program", 7) == 0 && (path[7] == '\0' || path[7] == '/');
}

/* Components of a normalised path: the directories init creates for it,
 * and the file. */
static size_t path_depth(const char *path)
{
	size_t n = 1;

	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		n++;
	return n;
}

/* Normalise path into a fresh copy in *ret. */
static int normalise_path(const char *path, const char *field, char **ret, struct jb_err *err)
{
	char buf[PATH_MAX];
	int r = job_box_path(str(path), field, buf, sizeof(buf), err);

	if (r < 0)
		return r;
	*ret = strdup(buf);
	if (!*ret)
		return jb_fail(err, ENOMEM, "%s: copy the path", field);
	return 0;
}

static int check_files(struct job *j, struct jb_err *err)
{
	const Judgebox__Job *pb = j->pb;

	if (pb->n_files > JOB_MAX_FILES)
		return jb_invalid(err, "files: %zu entries is over the cap of %d", pb->n_files,
				  JOB_MAX_FILES);
	j->file_paths = calloc(pb->n_files ? pb->n_files : 1, sizeof(char *));
	if (!j->file_paths)
		return jb_fail(err, ENOMEM, "files: allocate %zu paths", pb->n_files);
	size_t components = 0;
	for (size_t i = 0; i < pb->n_files; i++) {
		char field[48];
		snprintf(field, sizeof(field), "files[%zu].path", i);
		int r = normalise_path(pb->files[i]->path, field, &j->file_paths[i], err);
		if (r < 0)
			return r;
		components += path_depth(j->file_paths[i]);
		if (components > JOB_MAX_PATH_COMPONENTS)
			return jb_invalid(err,
					  "%s: the files' paths have more than %d components in "
					  "all",
					  field, JOB_MAX_PATH_COMPONENTS);
		if (pb->executable.len > 0 && under_program(j->file_paths[i]))
			return jb_invalid(err,
					  "%s: '%s' clashes with /box/program, where the "
					  "executable goes",
					  field, Q(j->file_paths[i]));
	}
	return check_clashes(j->file_paths, pb->n_files, "files", ".path", true, err);
}

static int check_collect(struct job *j, struct jb_err *err)
{
	const Judgebox__Job *pb = j->pb;

	if (pb->n_collect > JOB_MAX_COLLECT)
		return jb_invalid(err, "collect: %zu entries is over the cap of %d", pb->n_collect,
				  JOB_MAX_COLLECT);
	j->collect_paths = calloc(pb->n_collect ? pb->n_collect : 1, sizeof(char *));
	if (!j->collect_paths)
		return jb_fail(err, ENOMEM, "collect: allocate %zu paths", pb->n_collect);
	for (size_t i = 0; i < pb->n_collect; i++) {
		char field[48];
		snprintf(field, sizeof(field), "collect[%zu]", i);
		int r = normalise_path(pb->collect[i], field, &j->collect_paths[i], err);
		if (r < 0)
			return r;
	}
	return check_clashes(j->collect_paths, pb->n_collect, "collect", "", false, err);
}

/* stdin_file names one of the job's own files: nothing else exists in /box
 * before the program starts. */
static int check_stdin_file(struct job *j, struct jb_err *err)
{
	const Judgebox__Job *pb = j->pb;
	if (!pb->stdin_file || !pb->stdin_file[0])
		return 0;
	if (pb->stdin.len > 0)
		return jb_invalid(err, "stdin_file: give either stdin or stdin_file, not both");
	int r = normalise_path(pb->stdin_file, "stdin_file", &j->stdin_path, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < pb->n_files; i++)
		if (!strcmp(j->file_paths[i], j->stdin_path))
			return 0;
	return jb_invalid(err, "stdin_file: '%s' is not one of files[].path", Q(pb->stdin_file));
}

static int check_rootfs(struct job *j, const struct job_config *cfg, struct jb_err *err)
{
	const char *want = str(j->pb->rootfs);
	struct stat st;

	if (want[0] == '\0')
		return 0;
	/* The job's author is not trusted: only a directory the operator named,
	 * compared after resolving symlinks, and one answer for every refusal so
	 * that a job cannot probe the host's file system. */
	_cleanup_free_ char *canon = want[0] == '/' ? realpath(want, NULL) : NULL;
	bool allowed = false;
	for (size_t i = 0; canon && cfg && i < cfg->n_allowed_rootfs; i++)
		allowed = allowed || strcmp(canon, cfg->allowed_rootfs[i]) == 0;
	if (!allowed || stat(canon, &st) < 0 || !S_ISDIR(st.st_mode))
		return jb_invalid(err, "rootfs: '%s' is not allowed (see --allow-rootfs)", Q(want));
	j->rootfs = TAKE_PTR(canon);
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int check_box_size(const struct job *j, struct jb_err *err)
{
	const Judgebox__Job *pb = j->pb;
	unsigned long long box = j->limits.box_bytes;
	uint64_t total = pb->executable.len;

	if (total > box)
		return jb_invalid(err,
				  "executable: %zu bytes is larger than limits.box_bytes (%llu "
				  "bytes)",
				  pb->executable.len, box);
	for (size_t i = 0; i < pb->n_files; i++)
		total = sat_add(total, pb->files[i]->content.len);
	if (total > box)
		return jb_invalid(err,
				  "files: a total of %llu bytes (with the executable) is larger "
				  "than limits.box_bytes (%llu bytes)",
				  (unsigned long long) total, box);
	return 0;
}

static int build_argv_envp(struct job *j, struct jb_err *err)
{
	const Judgebox__Job *pb = j->pb;
	bool exe = pb->executable.len > 0;
	size_t n = exe && pb->n_argv == 0 ? 1 : pb->n_argv;
	const char **argv = calloc(n + 1, sizeof(*argv));

	if (!argv)
		return jb_fail(err, ENOMEM, "argv: allocate %zu entries", n);
	for (size_t i = 0; i < pb->n_argv; i++)
		argv[i] = pb->argv[i];
	if (exe)
		argv[0] = "/box/program";
	j->argv = argv;
	if (pb->n_env == 0) {
		j->envp = default_env;
		return 0;
	}
	const char **envp = calloc(pb->n_env + 1, sizeof(*envp));
	if (!envp)
		return jb_fail(err, ENOMEM, "env: allocate %zu entries", pb->n_env);
	memcpy(envp, pb->env, pb->n_env * sizeof(*envp));
	j->envp = envp;
	return 0;
}

/* Every check, in proto field order, then the checks across fields. */
static int validate(struct job *j, const struct job_config *cfg, struct jb_err *err);

/* An interactive job: both sides' stdin come from the other side. */
static int check_interactor(struct job *j, const struct job_config *cfg, struct jb_err *err)
{
	Judgebox__Job *ipb = j->pb->interactor;
	if (!ipb)
		return 0;
	if (j->pb->stdin.len || j->stdin_path)
		return jb_invalid(err,
				  "stdin: an interactive job's stdin comes from its interactor");
	if (ipb->interactor)
		return jb_invalid(err, "interactor.interactor: interactors do not nest");
	if (ipb->stdin.len || (ipb->stdin_file && ipb->stdin_file[0]))
		return jb_invalid(err, "interactor.stdin: the interactor's stdin is the program's "
				       "stdout");
	j->interactor = calloc(1, sizeof(*j->interactor));
	if (!j->interactor)
		return jb_fail(err, ENOMEM, "interactor: allocate");
	j->interactor->pb = ipb;
	int r = validate(j->interactor, cfg, err);
	if (r < 0 && err) {
		char msg[JB_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "interactor.%s", err->msg);
		memcpy(err->msg, msg, sizeof(msg));
	}
	return r;
}

static int validate(struct job *j, const struct job_config *cfg, struct jb_err *err)
{
	struct lim defceil;
	const struct lim *ceil = cfg ? &cfg->ceilings : NULL;
	int r;

	if (!ceil) {
		lim_ceilings_default(&defceil);
		ceil = &defceil;
	}
	if ((r = check_all_unknown(j->pb, err)) < 0 || (r = check_argv(j->pb, err)) < 0 ||
	    (r = check_env(j->pb, err)) < 0 ||
	    (r = lim_resolve(j->pb->limits, ceil, &j->limits, err)) < 0 ||
	    (r = check_policy(j, err)) < 0 || (r = check_files(j, err)) < 0 ||
	    (r = check_rootfs(j, cfg, err)) < 0 || (r = check_collect(j, err)) < 0 ||
	    (r = check_stdin_file(j, err)) < 0 || (r = check_box_size(j, err)) < 0 ||
	    (r = check_interactor(j, cfg, err)) < 0)
		return r;
	return build_argv_envp(j, err);
}

int job_from_proto(Judgebox__Job *pb, const struct job_config *cfg, struct job **ret_job,
		   struct jb_err *err)
{
	*ret_job = NULL;
	if (!pb)
		return jb_invalid(err, "job: no job");
	_cleanup_(job_freep) struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		judgebox__job__free_unpacked(pb, NULL);
		return jb_fail(err, ENOMEM, "job: allocate");
	}
	j->pb = pb;
	j->owns_pb = true;
	int r = validate(j, cfg, err);
	if (r < 0)
		return r;
	*ret_job = TAKE_PTR(j);
	return 0;
}

/* ---- unpacking untrusted bytes: wire scan first ---- */

static const struct wire_cap job_caps[] = {
	{&judgebox__job__descriptor, "argv", JOB_MAX_ARGV},
	{&judgebox__job__descriptor, "env", JOB_MAX_ENV},
	{&judgebox__job__descriptor, "files", JOB_MAX_FILES},
	{&judgebox__job__descriptor, "collect", JOB_MAX_COLLECT},
};

/* A Job holds at most one interactor, which holds none. */
static const struct wire_rules job_rules = {
	.root = "job",
	.reject_unknown = true, /* an old judgebox must not ignore a new limit */
	.max_nesting = 1,
	.nesting_what = "interactors",
	.max_fields = JOB_MAX_FIELDS,
	.caps = job_caps,
	.n_caps = ARRAY_SIZE(job_caps),
};

/* Verdicts come from a judgebox, maybe a newer one: unknown fields are
 * kept; the nesting is bounded all the same (show prints it recursively). */
static const struct wire_rules verdict_rules = {
	.root = "verdict",
	.max_nesting = 1,
	.nesting_what = "interactors",
};

int job_scan(const uint8_t *buf, size_t len, struct jb_err *err)
{
	return wire_scan(&judgebox__job__descriptor, buf, len, &job_rules, err);
}

int job_unpack(const uint8_t *buf, size_t len, Judgebox__Job **ret_pb, struct jb_err *err)
{
	int r = job_scan(buf, len, err);

	*ret_pb = NULL;
	if (r < 0)
		return r;
	/* protobuf-c reads only [buf, buf + len) and allocates with malloc, so
	 * job_free can release the message with free_unpacked. */
	*ret_pb = judgebox__job__unpack(NULL, len, buf);
	if (!*ret_pb) {
		jb_invalid(err, "job: cannot decode the protobuf message");
		return -EBADMSG;
	}
	return 0;
}

int job_verdict_unpack(const uint8_t *buf, size_t len, Judgebox__Verdict **ret_v,
		       struct jb_err *err)
{
	int r = wire_scan(&judgebox__verdict__descriptor, buf, len, &verdict_rules, err);

	*ret_v = NULL;
	if (r < 0)
		return r;
	*ret_v = judgebox__verdict__unpack(NULL, len, buf);
	if (!*ret_v) {
		jb_invalid(err, "verdict: cannot decode the protobuf message");
		return -EBADMSG;
	}
	return 0;
}

char *job_peek_id(const uint8_t *buf, size_t len)
{
	return wire_peek_string(buf, len, 1); /* Job.id */
}

int job_decode(const uint8_t *buf, size_t len, const struct job_config *cfg, struct job **ret_job,
	       struct jb_err *err)
{
	Judgebox__Job *pb = NULL;

	*ret_job = NULL;
	if (job_unpack(buf, len, &pb, err) < 0)
		return -EINVAL; /* err says why: INVALID_JOB */
	return job_from_proto(pb, cfg, ret_job, err);
}

static void free_paths(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

void job_free(struct job *j)
{
	if (!j)
		return;
	free_paths(j->file_paths, j->pb ? j->pb->n_files : 0);
	free_paths(j->collect_paths, j->pb ? j->pb->n_collect : 0);
	free(j->stdin_path);
	free(j->rootfs);
	free((void *) j->argv);
	if (j->envp != default_env)
		free((void *) j->envp);
	job_free(j->interactor);
	if (j->owns_pb)
		judgebox__job__free_unpacked(j->pb, NULL);
	free(j);
}

/* ---- verdict: protobuf ---- */

int job_verdict_pack(const Judgebox__Verdict *v, uint8_t **ret, size_t *ret_len, struct jb_err *err)
{
	size_t n = judgebox__verdict__get_packed_size(v);
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return jb_fail(err, ENOMEM, "verdict: allocate %zu bytes", n);
	*ret_len = judgebox__verdict__pack(v, buf);
	*ret = buf;
	return 0;
}

/* ---- verdict: JSON ---- */

/* Length of the UTF-8 sequence at p (n > 0 bytes left). *ret_valid false:
 * the length of the maximal subpart to replace with one U+FFFD (Unicode
 * ch. 3, "U+FFFD Substitution of Maximal Subparts"): no overlongs, no
 * surrogates, nothing above U+10FFFF. */
static size_t utf8_next(const uint8_t *p, size_t n, bool *ret_valid)
{
	uint8_t b = p[0], lo = 0x80, hi = 0xBF;
	size_t need;

	*ret_valid = false;
	if (b < 0x80) {
		*ret_valid = true;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		lo = b == 0xE0 ? 0xA0 : 0x80; /* overlong */
		hi = b == 0xED ? 0x9F : 0xBF; /* surrogates */
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		lo = b == 0xF0 ? 0x90 : 0x80; /* overlong */
		hi = b == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
	} else {
		return 1;
	}
	for (size_t i = 1; i <= need; i++, lo = 0x80, hi = 0xBF)
		if (i >= n || p[i] < lo || p[i] > hi)
			return i;
	*ret_valid = true;
	return need + 1;
}

static bool utf8_valid(const uint8_t *p, size_t n)
{
	bool valid = true;

	for (size_t i = 0; valid && i < n;)
		i += utf8_next(p + i, n - i, &valid);
	return valid;
}

/* The JSON escape of an ASCII byte, or NULL when it stands for itself. */
static const char *json_escape(uint8_t c, char buf[static 8])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	if (c >= 0x20 && c != 0x7f)
		return NULL;
	snprintf(buf, 8, "\\u%04x", c);
	return buf;
}

/* A JSON string of the bytes: runs that need no escape go out in one fwrite. */
static void json_str(FILE *out, const uint8_t *p, size_t n)
{
	size_t i = 0, start = 0;

	putc('"', out);
	while (i < n) {
		char buf[8];
		bool valid;
		size_t k = utf8_next(p + i, n - i, &valid);
		const char *esc = !valid ? "\xEF\xBF\xBD" : k == 1 ? json_escape(p[i], buf) : NULL;
		if (esc) {
			fwrite(p + start, 1, i - start, out);
			fputs(esc, out);
			start = i + k;
		}
		i += k;
	}
	if (n > start)
		fwrite(p + start, 1, n - start, out);
	putc('"', out);
}

static void json_cstr(FILE *out, const char *s)
{
	s = str(s);
	json_str(out, (const uint8_t *) s, strlen(s));
}

/* RFC 4648 base64 with padding, as protobuf's JSON mapping writes bytes. */
static void json_base64(FILE *out, const uint8_t *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char buf[4096]; /* a multiple of 4 */
	size_t o = 0;

	putc('"', out);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t) p[i] << 16 | (i + 1 < n ? (uint32_t) p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		buf[o++] = tab[v >> 18 & 63];
		buf[o++] = tab[v >> 12 & 63];
		buf[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		buf[o++] = i + 2 < n ? tab[v & 63] : '=';
		if (o == sizeof(buf)) {
			fwrite(buf, 1, o, out);
			o = 0;
		}
	}
	fwrite(buf, 1, o, out);
	putc('"', out);
}

/* stdout/stderr: text, plus the exact bytes when the text had to be mended. */
static void json_output(FILE *out, const char *name, ProtobufCBinaryData b)
{
	fprintf(out, ",\"%s\":", name);
	json_str(out, b.data, b.len);
	if (!utf8_valid(b.data, b.len)) {
		fprintf(out, ",\"%s_base64\":", name);
		json_base64(out, b.data, b.len);
	}
}

static const char *json_bool(protobuf_c_boolean b)
{
	return b ? "true" : "false";
}

static void json_files(FILE *out, Judgebox__File *const *files, size_t n)
{
	fputs(",\"files\":[", out);
	for (size_t i = 0; i < n; i++) {
		const Judgebox__File *f = files[i];
		fputs(i ? ",{\"path\":" : "{\"path\":", out);
		json_cstr(out, f->path);
		fputs(",\"content\":", out);
		json_base64(out, f->content.data, f->content.len);
		fprintf(out,
			",\"executable\":%s,\"truncated\":%s,\"error\":", json_bool(f->executable),
			json_bool(f->truncated));
		json_cstr(out, f->error);
		putc('}', out);
	}
	putc(']', out);
}

static void json_limits(FILE *out, const Judgebox__Limits *l)
{
	static const Judgebox__Limits zero = JUDGEBOX__LIMITS__INIT;

	if (!l)
		l = &zero;
	fprintf(out,
		",\"limits\":{\"cpu_time_ms\":%" PRIu64 ",\"wall_time_ms\":%" PRIu64
		",\"memory_bytes\":%" PRIu64 ",\"processes\":%" PRIu32 ",\"output_bytes\":%" PRIu64
		",\"file_size_bytes\":%" PRIu64 ",\"stack_bytes\":%" PRIu64
		",\"open_files\":%" PRIu32 ",\"box_bytes\":%" PRIu64 "}",
		l->cpu_time_ms, l->wall_time_ms, l->memory_bytes, l->processes, l->output_bytes,
		l->file_size_bytes, l->stack_bytes, l->open_files, l->box_bytes);
}

static const char *status_name(int s)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&judgebox__status__descriptor, s);
	return v ? v->name : NULL;
}

const char *job_status_name(Judgebox__Status s)
{
	const char *name = status_name(s);
	return name ? name : "UNKNOWN";
}

static void json_head(FILE *out, const Judgebox__Verdict *v)
{
	const char *status = status_name(v->status);

	fputs("{\"id\":", out);
	json_cstr(out, v->id);
	/* A status from a newer judgebox: its number, as protobuf's JSON does. */
	if (status)
		fprintf(out, ",\"status\":\"%s\"", status);
	else
		fprintf(out, ",\"status\":%d", (int) v->status);
	fprintf(out,
		",\"exit_code\":%" PRId32 ",\"signal\":%" PRId32 ",\"cpu_time_us\":%" PRIu64
		",\"wall_time_us\":%" PRIu64 ",\"memory_peak_bytes\":%" PRIu64,
		v->exit_code, v->signal, v->cpu_time_us, v->wall_time_us, v->memory_peak_bytes);
}

static void json_verdict(const Judgebox__Verdict *v, FILE *out)
{
	json_head(out, v);
	json_output(out, "stdout", v->stdout);
	json_output(out, "stderr", v->stderr);
	fprintf(out, ",\"stdout_truncated\":%s,\"stderr_truncated\":%s,\"syscall\":",
		json_bool(v->stdout_truncated), json_bool(v->stderr_truncated));
	json_cstr(out, v->syscall);
	fputs(",\"message\":", out);
	json_cstr(out, v->message);
	json_files(out, v->files, v->n_files);
	fprintf(out, ",\"seq\":%" PRIu64 ",\"cpu_user_us\":%" PRIu64 ",\"cpu_system_us\":%" PRIu64,
		v->seq, v->cpu_user_us, v->cpu_system_us);
	json_limits(out, v->limits);
	fputs(",\"denied_syscalls\":[", out);
	for (size_t i = 0; i < v->n_denied_syscalls; i++) {
		if (i)
			putc(',', out);
		json_cstr(out, v->denied_syscalls[i]);
	}
	fputs("],\"version\":", out);
	json_cstr(out, v->version);
	fputs(",\"cpus\":", out);
	json_cstr(out, v->cpus);
	fputs(",\"interactor\":", out);
	if (v->interactor)
		json_verdict(v->interactor, out); /* interactors do not nest: depth 1 */
	else
		fputs("null", out);
	putc('}', out);
}

int job_verdict_json(const Judgebox__Verdict *v, FILE *out)
{
	errno = 0; /* so that a failed write anywhere below leaves its errno */
	json_verdict(v, out);
	putc('\n', out);
	/* One verdict is one line a reader waits for: flush it, and see the
	 * write errors of any part of it. */
	if (fflush(out) == EOF || ferror(out))
		return -(errno ? errno : EIO);
	return 0;
}

/* ---- varint-delimited framing ---- */

size_t job_varint(uint64_t v, uint8_t out[10])
{
	size_t h = 0;
	for (;; v >>= 7) {
		out[h++] = (uint8_t) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			return h;
	}
}

int job_frame_write(int fd, const uint8_t *buf, size_t len, struct jb_err *err)
{
	uint8_t hdr[10];
	size_t h = job_varint(len, hdr);
	if (len > SIZE_MAX - h)
		return jb_fail(err, EOVERFLOW, "stream: frame of %zu bytes", len);
	/* One buffer, so that concurrent writers never interleave a header and
	 * someone else's body. */
	_cleanup_free_ uint8_t *out = malloc(h + len);
	if (!out)
		return jb_fail(err, ENOMEM, "stream: allocate a frame of %zu bytes", len);
	memcpy(out, hdr, h);
	if (len)
		memcpy(out + h, buf, len);
	int r = jb_write_all(fd, out, h + len);
	if (r < 0)
		return jb_fail(err, -r, "stream: write a frame of %zu bytes", len);
	return 0;
}

struct job_frames {
	size_t max_frame_bytes;
	uint8_t *buf;
	size_t cap;
	size_t off, len; /* the bytes held are buf[off, len) */
	bool lost;	 /* framing lost: every later call fails */
	bool lines;	 /* JSON lines: a frame ends at '\n', not after a varint */
	struct jb_err lost_err;
};

/* Above this, an empty buffer is released rather than kept for the next frame. */
#define FRAMES_KEEP_BYTES (1u << 20)

int job_frames_new(size_t max_frame_bytes, struct job_frames **ret, struct jb_err *err)
{
	struct job_frames *f = calloc(1, sizeof(*f));

	if (!f)
		return jb_fail(err, ENOMEM, "stream: allocate the frame reader");
	f->max_frame_bytes = max_frame_bytes;
	*ret = f;
	return 0;
}

int job_frames_new_lines(size_t max_line_bytes, struct job_frames **ret, struct jb_err *err)
{
	int r = job_frames_new(max_line_bytes, ret, err);
	if (r >= 0)
		(*ret)->lines = true;
	return r;
}

void job_frames_free(struct job_frames *f)
{
	if (!f)
		return;
	free(f->buf);
	free(f);
}

static int frames_lost(struct job_frames *f, struct jb_err *err)
{
	if (err)
		*err = f->lost_err;
	return -EBADMSG;
}

static int frames_grow(struct job_frames *f, size_t more, struct jb_err *err)
{
	if (more <= f->cap - f->len)
		return 0;
	if (more > SIZE_MAX / 2 - f->len)
		return jb_fail(err, ENOMEM, "stream: buffer of %zu bytes", f->len);
	size_t cap = f->cap * 2 > f->len + more ? f->cap * 2 : f->len + more;
	if (cap < 4096)
		cap = 4096;
	uint8_t *p = realloc(f->buf, cap);
	if (!p)
		return jb_fail(err, ENOMEM, "stream: grow the buffer to %zu bytes", cap);
	f->buf = p;
	f->cap = cap;
	return 0;
}

int job_frames_feed(struct job_frames *f, const uint8_t *buf, size_t len, struct jb_err *err)
{
	if (f->lost)
		return frames_lost(f, err);
	if (len == 0)
		return 0;
	/* Frames handed out by job_frames_next are consumed: drop them. */
	size_t held = f->len - f->off;
	if (held > 0 && f->off > 0)
		memmove(f->buf, f->buf + f->off, held);
	f->off = 0;
	f->len = held;
	if (held == 0 && f->cap > FRAMES_KEEP_BYTES) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
	int r = frames_grow(f, len, err);
	if (r < 0)
		return r;
	memcpy(f->buf + f->len, buf, len);
	f->len += len;
	return 0;
}

/* The frame length at p: 1 with *ret_v and *ret_hdr (bytes of the varint),
 * 0 when it is not all there yet, -EBADMSG for more than 10 bytes or 64 bits. */
static int parse_varint(const uint8_t *p, size_t n, uint64_t *ret_v, size_t *ret_hdr)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 10; i++) {
		if (i >= n)
			return 0;
		if (i == 9 && p[i] > 1)
			return -EBADMSG;
		v |= (uint64_t) (p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*ret_v = v;
			*ret_hdr = i + 1;
			return 1;
		}
	}
	return -EBADMSG;
}

/* The next line (without its '\n' and a '\r' before it), or 0 until its
 * end has come; a line longer than the cap loses the stream. */
static int next_line(struct job_frames *f, const uint8_t **ret_buf, size_t *ret_len,
		     struct jb_err *err)
{
	size_t held = f->len - f->off;
	const uint8_t *p = f->buf + f->off, *nl = memchr(p, '\n', held);
	size_t n = nl ? (size_t) (nl - p) : held;
	if (n > f->max_frame_bytes) {
		f->lost = true;
		jb_invalid(&f->lost_err, "stream: a line of more than %zu bytes",
			   f->max_frame_bytes);
		f->lost_err.code = EBADMSG;
		return frames_lost(f, err);
	}
	if (!nl)
		return 0;
	f->off += n + 1;
	*ret_buf = p;
	*ret_len = n && p[n - 1] == '\r' ? n - 1 : n;
	return 1;
}

int job_frames_next(struct job_frames *f, const uint8_t **ret_buf, size_t *ret_len,
		    struct jb_err *err)
{
	size_t held = f->len - f->off, hdr;
	uint64_t v;

	if (f->lost)
		return frames_lost(f, err);
	if (held == 0)
		return 0;
	if (f->lines)
		return next_line(f, ret_buf, ret_len, err);
	int r = parse_varint(f->buf + f->off, held, &v, &hdr);
	if (r == 0)
		return 0;
	if (r < 0 || v > f->max_frame_bytes) {
		f->lost = true;
		if (r < 0)
			jb_invalid(&f->lost_err,
				   "stream: bad frame length (a varint over 10 bytes)");
		else
			jb_invalid(&f->lost_err,
				   "stream: frame of %llu bytes is over the cap of %zu",
				   (unsigned long long) v, f->max_frame_bytes);
		f->lost_err.code = EBADMSG;
		return frames_lost(f, err);
	}
	if (held - hdr < v)
		return 0;
	*ret_buf = f->buf + f->off + hdr;
	*ret_len = (size_t) v;
	f->off += hdr + (size_t) v;
	return 1;
}

size_t job_frames_pending(const struct job_frames *f)
{
	return f->len - f->off;
}
