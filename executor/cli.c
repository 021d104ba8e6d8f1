#include "cli.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "job.h"
#include "jobjson.h"
#include "lim.h"
#include "opflags.h"
#include "outfiles.h"
#include "seccomp.h"
#include "stream.h"
#include "supervisor.h"
#include "util.h"

#define MAX_LIST 4096

/* Everything the flags can say. Globals: the command line is process-wide. */
static struct {
	Judgebox__Job job;
	Judgebox__Limits limits;
	char *argv[MAX_LIST], *env[MAX_LIST], *collect[MAX_LIST];
	Judgebox__File *files[MAX_LIST];
	size_t n_argv, n_env, n_collect, n_files;
	bool copy, json, stream, delimited;
	char *files_to;
	struct opflags op; /* exec, run, worker share them (opflags.c) */
} arg_;

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "judgebox: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n(see judgebox --help)\n");
	return -EINVAL;
}

static int read_host_file(const char *path, ProtobufCBinaryData *ret, bool *ret_exec)
{
	_cleanup_close_ int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "judgebox: cannot read '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	size_t cap = S_ISREG(st.st_mode) ? (size_t) st.st_size + 1 : 65536, len = 0;
	uint8_t *buf = malloc(cap);
	for (ssize_t n; buf; len += (size_t) n) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0) {
			if (n < 0)
				fprintf(stderr, "judgebox: read '%s': %s\n", path, strerror(errno));
			break;
		}
	}
	if (!buf)
		return -ENOMEM;
	ret->data = buf;
	ret->len = len;
	if (ret_exec)
		*ret_exec = (st.st_mode & 0111) != 0;
	return 0;
}

/* Flag handlers: each gets the flag's argument (NULL for switches). */
typedef int (*flag_fn)(const char *a, void *target);

static int set_string(const char *a, void *t)
{
	*(char **) t = (char *) a;
	return 0;
}

static int set_size(const char *a, void *t)
{
	struct jb_err err = {0};
	if (lim_parse_size(a, t, &err) < 0)
		return usage_error("%s", err.msg);
	return 0;
}

static int set_seconds(const char *a, void *t)
{
	struct jb_err err = {0};
	if (lim_parse_seconds(a, t, &err) < 0)
		return usage_error("%s", err.msg);
	return 0;
}

static int set_u32(const char *a, void *t)
{
	struct jb_err err = {0};
	uint64_t v;
	if (lim_parse_uint(a, UINT32_MAX, &v, &err) < 0)
		return usage_error("%s", err.msg);
	*(uint32_t *) t = (uint32_t) v;
	return 0;
}

static int set_true(const char *a, void *t)
{
	*(bool *) t = true;
	return 0;
}

static int push(char **list, size_t *n, const char *a)
{
	if (*n >= MAX_LIST)
		return usage_error("too many list entries at '%s'", a);
	list[(*n)++] = (char *) a;
	return 0;
}

static int add_env(const char *a, void *t)
{
	return push(arg_.env, &arg_.n_env, a);
}

static int add_collect(const char *a, void *t)
{
	return push(arg_.collect, &arg_.n_collect, a);
}

static int add_file(const char *a, void *t)
{
	const char *colon = strrchr(a, ':');
	if (!colon || colon == a || !colon[1])
		return usage_error("--file wants HOSTPATH:BOXPATH, not '%s'", a);
	if (arg_.n_files >= MAX_LIST)
		return usage_error("too many --file at '%s'", a);
	Judgebox__File *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	judgebox__file__init(f);
	char *host = strndup(a, (size_t) (colon - a));
	bool exec = false;
	int r = host ? read_host_file(host, &f->content, &exec) : -ENOMEM;
	free(host);
	if (r < 0) {
		free(f);
		return r;
	}
	f->path = (char *) colon + 1;
	f->executable = exec;
	arg_.files[arg_.n_files++] = f;
	return 0;
}

/* --interactor FILE: a Job protobuf (from `judgebox job`) run as this job's
 * interactor. */
static int set_interactor(const char *a, void *t)
{
	ProtobufCBinaryData bytes = {0};
	int r = read_host_file(a, &bytes, NULL);
	if (r < 0)
		return r;
	struct jb_err err = {0};
	r = job_unpack(bytes.data, bytes.len, &arg_.job.interactor, &err);
	free(bytes.data);
	if (r == -EBADMSG)
		return usage_error("--interactor: '%s' is not a Job protobuf", a);
	if (r < 0)
		return usage_error("--interactor: %s", err.msg);
	return 0;
}

static int set_stdin(const char *a, void *t)
{
	return read_host_file(a, &arg_.job.stdin, NULL);
}

struct flag {
	const char *name;
	bool has_arg;
	flag_fn fn;
	void *target;
	const char *help;
};

#define L(field) (&arg_.limits.field)
static const struct flag job_flags[] = {
	{"--id", 1, set_string, &arg_.job.id, "ID      echoed in the verdict"},
	{"--time", 1, set_seconds, L(cpu_time_ms), "S     CPU time of the whole tree (10)"},
	{"--wall-time", 1, set_seconds, L(wall_time_ms), "S wall-clock time (2 x cpu + 1)"},
	{"--memory", 1, set_size, L(memory_bytes), "SIZE memory of the whole tree (256M)"},
	{"--processes", 1, set_u32, L(processes), "N tasks alive at once (64)"},
	{"--output-limit", 1, set_size, L(output_bytes), "SIZE stdout and stderr cap, each (16M)"},
	{"--file-size", 1, set_size, L(file_size_bytes), "SIZE largest file written (= box)"},
	{"--stack", 1, set_size, L(stack_bytes), "SIZE stack (= memory)"},
	{"--open-files", 1, set_u32, L(open_files), "N open descriptors (256)"},
	{"--box-size", 1, set_size, L(box_bytes), "SIZE writable /box and /tmp (64M)"},
	{"--policy", 1, set_string, &arg_.job.policy, "NAME seccomp policy (default)"},
	{"--stdin", 1, set_stdin, NULL, "FILE the program's stdin ('-' = ours)"},
	{"--stdin-file", 1, set_string, &arg_.job.stdin_file,
	 "BOXPATH open this --file as stdin (no copy)"},
	{"--env", 1, add_env, NULL, "K=V   environment entry (repeatable)"},
	{"--file", 1, add_file, NULL, "HOST:BOX place a host file in /box (repeatable)"},
	{"--rootfs", 1, set_string, &arg_.job.rootfs, "DIR read-only root filesystem"},
	{"--collect", 1, add_collect, NULL, "BOXPATH return this file (repeatable)"},
	{"--interactor", 1, set_interactor, NULL, "JOBFILE run that Job as the interactor"},
	{"--copy", 0, set_true, &arg_.copy, "       PROG is a host file copied in"},
	{"--json", 0, set_true, &arg_.json, "       (run) print the verdict as JSON"},
};

/* job's own: a frame for exec --stream, so a shell loop needs no framer. */
static const struct flag job_own_flags[] = {
	{"--delimited", 0, set_true, &arg_.delimited,
	 "    one varint-delimited frame (exec --stream)"},
};

/* exec's alone (run has --json of its own). */
static const struct flag exec_own_flags[] = {
	{"--json", 0, set_true, &arg_.json, "           a Job as JSON in, the Verdict as JSON out"},
};

/* exec's own; the operator flags come after it (opflags.c). */
static const struct flag exec_flags[] = {
	{"--stream", 0, set_true, &arg_.stream, "         delimited Jobs in, Verdicts out"},
};

static const struct flag *find_flag(const struct flag *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* What one command accepts: up to two tables of its own and, for the
 * commands that run jobs, the operator flags. */
struct flagset {
	const struct flag *t1, *t2;
	size_t n1, n2;
	bool op;
};

/* A flag found by name: the command's own (f) or an operator flag (op). */
struct found {
	const struct flag *f;
	const struct opflag *op;
};

static struct found lookup(const struct flagset *s, const char *name)
{
	const struct flag *f = find_flag(s->t1, s->n1, name);
	if (!f)
		f = find_flag(s->t2, s->n2, name);
	return (struct found){f, !f && s->op ? opflags_find(name, strlen(name)) : NULL};
}

static int apply_flag(struct found x, const char *val)
{
	if (x.f)
		return x.f->fn(val, x.f->target);
	struct jb_err err = {0};
	return opflags_set(&arg_.op, x.op, val, &err) < 0 ? usage_error("%s", err.msg) : 0;
}

/* Parse argv[*i..] against the command's flags, stopping at "--" or the
 * first non-flag. Accepts "--flag value" and "--flag=value". */
static int parse_flags(int argc, char **argv, int *i, const struct flagset *s)
{
	for (; *i < argc; (*i)++) {
		char *a = argv[*i];
		if (!strcmp(a, "--")) {
			(*i)++;
			return 0;
		}
		if (strncmp(a, "--", 2))
			return 0;
		char name[64];
		const char *eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int) (eq ? eq - a : (long) strlen(a)), a);
		struct found x = lookup(s, name);
		if (!x.f && !x.op)
			return usage_error("unknown flag '%s'", a);
		bool has_arg = x.f ? x.f->has_arg : x.op->has_arg;
		const char *val = eq ? eq + 1 : NULL;
		if (has_arg && !val) {
			if (*i + 1 >= argc)
				return usage_error("flag '%s' needs a value", a);
			val = argv[++*i];
		} else if (!has_arg && val) {
			return usage_error("flag '%s' takes no value", name);
		}
		int r = apply_flag(x, val);
		if (r < 0)
			return r;
	}
	return 0;
}

static void print_flags(const struct flagset *s)
{
	for (size_t i = 0; i < s->n1; i++)
		fprintf(stdout, "  %s %s\n", s->t1[i].name, s->t1[i].help);
	for (size_t i = 0; i < s->n2; i++)
		fprintf(stdout, "  %s %s\n", s->t2[i].name, s->t2[i].help);
	const struct opflag *f;
	for (size_t i = 0; s->op && (f = opflags_at(i)); i++)
		fprintf(stdout, "  %s %s\n", f->name, f->help);
}

/* The Job the flags describe, packed (run and job). PROG and ARGS start at
 * argv[i]. */
static int pack_job(int argc, char **argv, int i, uint8_t **ret, size_t *ret_len)
{
	if (i >= argc)
		return usage_error("%s", "a program is needed after the flags ('-- PROG ARGS')");
	for (int k = i; k < argc; k++)
		if (push(arg_.argv, &arg_.n_argv, argv[k]) < 0)
			return -EINVAL;
	Judgebox__Job *j = &arg_.job;
	if (arg_.copy) {
		int r = read_host_file(argv[i], &j->executable, NULL);
		if (r < 0)
			return r;
	}
	j->argv = arg_.argv;
	j->n_argv = arg_.n_argv;
	j->env = arg_.env;
	j->n_env = arg_.n_env;
	j->collect = arg_.collect;
	j->n_collect = arg_.n_collect;
	j->files = arg_.files;
	j->n_files = arg_.n_files;
	j->limits = &arg_.limits;
	size_t len = judgebox__job__get_packed_size(j);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	judgebox__job__pack(j, buf);
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void free_job_args(void)
{
	if (arg_.job.interactor)
		judgebox__job__free_unpacked(arg_.job.interactor, NULL);
	free(arg_.job.executable.data);
	free(arg_.job.stdin.data);
	for (size_t i = 0; i < arg_.n_files; i++) {
		free(arg_.files[i]->content.data);
		free(arg_.files[i]);
	}
}

static void init_args(void)
{
	judgebox__job__init(&arg_.job);
	judgebox__limits__init(&arg_.limits);
	opflags_init(&arg_.op);
}

static int open_cgroups(struct cg_root **ret, bool lazy)
{
	struct cg_options o = opflags_cg_options(&arg_.op);
	o.flat = lazy; /* one job (and maybe its interactor) */
	struct jb_err err = {0};
	int r = lazy ? cg_root_open_lazy(&o, ret, &err) : cg_root_open(&o, ret, &err);
	if (r < 0) {
		fprintf(stderr, "judgebox: cgroups: %s\n", err.msg);
		return -EINVAL;
	}
	return 0;
}

static int make_sup(struct cg_root *cg, struct sup **ret)
{
	struct sup_config c = opflags_sup_config(&arg_.op, cg);
	c.read_ahead = arg_.stream && c.parallel > 1; /* supervisor.h: not with 1 */
	struct jb_err err = {0};
	if (sup_new(&c, ret, &err) < 0) {
		fprintf(stderr, "judgebox: %s\n", err.msg);
		return -EINVAL;
	}
	return 0;
}

/* The cgroup backend and a supervisor over it; nothing is left on failure. */
static int open_runtime(struct cg_root **ret_cg, struct sup **ret_sup)
{
	/* One job: probed after init's clone (cg_root_open_lazy). */
	int r = open_cgroups(ret_cg, !arg_.stream);
	if (r >= 0 && (r = make_sup(*ret_cg, ret_sup)) < 0) {
		cg_root_free(*ret_cg);
		*ret_cg = NULL;
	}
	return r;
}

/* Decode and run one packed Job; an undecodable one gets its verdict. */
static Judgebox__Verdict *run_packed(struct sup *s, const uint8_t *buf, size_t len,
				     const struct job_config *cfg)
{
	struct job *job = NULL;
	struct jb_err err = {0};
	if (job_decode(buf, len, cfg, &job, &err) < 0)
		return sup_verdict_invalid(buf, len, 0, &err);
	return sup_run(s, job);
}

static int write_verdict_pb(const Judgebox__Verdict *v)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct jb_err err = {0};
	int r = job_verdict_pack(v, &buf, &len, &err);
	if (r >= 0)
		r = jb_write_all(1, buf, len);
	free(buf);
	if (r < 0)
		fprintf(stderr, "judgebox: write the verdict: %s\n", strerror(-r));
	return r;
}

static void print_summary(const Judgebox__Verdict *v)
{
	fprintf(stderr,
		"judgebox: %s exit=%d signal=%d cpu=%.3fs wall=%.3fs memory=%.1fMiB%s%s%s\n",
		job_status_name(v->status), v->exit_code, v->signal, v->cpu_time_us / 1e6,
		v->wall_time_us / 1e6, v->memory_peak_bytes / 1048576.0,
		v->syscall[0] ? " syscall=" : "", v->syscall, "");
	if (v->message[0])
		fprintf(stderr, "judgebox: %s\n", v->message);
}

/* `run --rootfs DIR` is the operator's own choice: allowed. */
static int allow_own_rootfs(void)
{
	struct jb_err err = {0};
	const char *dir = arg_.job.rootfs;
	if (dir && dir[0] && opflags_allow_rootfs(&arg_.op, dir, &err) < 0)
		return usage_error("%s", err.msg);
	return 0;
}

static const struct flagset run_set = {job_flags, exec_flags, ARRAY_SIZE(job_flags),
				       ARRAY_SIZE(exec_flags), true};
static const struct flagset exec_set = {exec_flags, exec_own_flags, ARRAY_SIZE(exec_flags),
					ARRAY_SIZE(exec_own_flags), true};
/* job makes a Job, it runs none: no operator flags. Its help leaves out
 * --json, which it accepts and ignores. */
static const struct flagset job_set = {job_flags, job_own_flags, ARRAY_SIZE(job_flags),
				       ARRAY_SIZE(job_own_flags), false};
static const struct flagset job_help = {job_flags, NULL, ARRAY_SIZE(job_flags) - 1, 0, false};

static int cmd_run(int argc, char **argv, int i)
{
	int r = parse_flags(argc, argv, &i, &run_set);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (r >= 0)
		r = pack_job(argc, argv, i, &buf, &len);
	if (r >= 0)
		r = allow_own_rootfs();
	struct cg_root *cg = NULL;
	struct sup *s = NULL;
	if (r >= 0)
		r = open_runtime(&cg, &s);
	if (r < 0) {
		free(buf);
		free_job_args();
		return 2;
	}
	struct job_config cfg = opflags_job_config(&arg_.op);
	Judgebox__Verdict *v = run_packed(s, buf, len, &cfg);
	free(buf);
	free_job_args();
	int rc = 0;
	if (arg_.json) {
		rc = job_verdict_json(v, stdout) < 0 || fflush(stdout) ? 1 : 0;
	} else {
		(void) jb_write_all(1, v->stdout.data, v->stdout.len);
		(void) jb_write_all(2, v->stderr.data, v->stderr.len);
		print_summary(v);
		rc = v->status == JUDGEBOX__STATUS__OK ? 0 : 1;
	}
	sup_verdict_free(v);
	sup_free(s);
	sc_cache_clear();
	cg_root_free(cg);
	return rc;
}

static int cmd_job(int argc, char **argv, int i)
{
	int r = parse_flags(argc, argv, &i, &job_set);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (r >= 0)
		r = pack_job(argc, argv, i, &buf, &len);
	struct jb_err err = {0};
	if (r >= 0 && arg_.delimited)
		r = job_frame_write(1, buf, len, &err);
	else if (r >= 0)
		r = jb_write_all(1, buf, len);
	free(buf);
	free_job_args();
	return r < 0 ? 2 : 0;
}

/* Read all of fd (single-Job exec, show). */
static int slurp(int fd, uint8_t **ret, size_t *ret_len)
{
	size_t cap = 65536, len = 0;
	uint8_t *buf = malloc(cap);
	for (ssize_t n; buf; len += (size_t) n) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			if (n < 0)
				break;
			*ret = buf;
			*ret_len = len;
			return 0;
		}
	}
	free(buf);
	return -errno;
}

/* exec's single job from stdin: protobuf, or JSON with --json (turned into
 * the same protobuf first, so both meet one decoder and one validation). */
static Judgebox__Verdict *exec_one(struct sup *s)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ uint8_t *pb = NULL;
	size_t len = 0, pb_len = 0;
	struct job_config cfg = opflags_job_config(&arg_.op);
	struct jb_err err = {0};
	if (slurp(0, &buf, &len) < 0)
		return sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", 0,
					 "job: cannot read the job from stdin", NULL);
	if (!arg_.json)
		return run_packed(s, buf, len, &cfg);
	char id[256];
	if (jobjson_to_pb((const char *) buf, len, &pb, &pb_len, id, sizeof(id), &err) < 0)
		return sup_verdict_refused(id, 0, &err);
	return run_packed(s, pb, pb_len, &cfg);
}

static int cmd_exec(int argc, char **argv, int i)
{
	int r = parse_flags(argc, argv, &i, &exec_set);
	if (r >= 0 && i < argc)
		r = usage_error("unexpected argument '%s'", argv[i]);
	struct cg_root *cg = NULL;
	struct sup *s = NULL;
	if (r >= 0)
		r = open_runtime(&cg, &s);
	if (r < 0)
		return 2;
	int rc = 0;
	if (arg_.stream) {
		struct jb_err err = {0};
		if (stream_run(s, 0, 1, arg_.json, &err) < 0) {
			fprintf(stderr, "judgebox: %s\n", err.msg);
			rc = 1;
		}
	} else {
		Judgebox__Verdict *v = exec_one(s);
		rc = (arg_.json ? job_verdict_json(v, stdout) < 0 || fflush(stdout)
				: write_verdict_pb(v) < 0)
			     ? 1
			     : 0;
		sup_verdict_free(v);
	}
	sup_free(s);
	sc_cache_clear();
	cg_root_free(cg);
	return rc;
}

/* show --files-to DIR: the verdict's bytes as files, in DIR itself for one
 * verdict, in DIR/SEQ for each of a stream. */
static int show_files(const Judgebox__Verdict *v)
{
	if (!arg_.files_to)
		return 0;
	struct jb_err err = {0};
	_cleanup_close_ int top = out_open_dir(AT_FDCWD, arg_.files_to, &err);
	_cleanup_close_ int dir = -1;
	if (top >= 0 && arg_.stream) {
		char seq[24];
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long) v->seq);
		dir = out_open_dir(top, seq, &err);
	}
	int r = top < 0 ? top : out_write_verdict(arg_.stream ? dir : top, v, &err);
	if (r < 0 || (arg_.stream && dir < 0)) {
		fprintf(stderr, "judgebox: show: --files-to '%s': %s\n", arg_.files_to, err.msg);
		return 1;
	}
	return 0;
}

static int show_verdict(const Judgebox__Verdict *v)
{
	return job_verdict_json(v, stdout) < 0 ? 1 : show_files(v);
}

static int show_one(const uint8_t *buf, size_t len)
{
	Judgebox__Verdict *v = NULL;
	struct jb_err err = {0};
	int r = job_verdict_unpack(buf, len, &v, &err);
	if (r < 0) {
		fprintf(stderr, "judgebox: show: %s\n",
			r == -EBADMSG ? "cannot decode a Verdict" : err.msg);
		return 1;
	}
	r = show_verdict(v);
	judgebox__verdict__free_unpacked(v, NULL);
	return r;
}

static int show_stream(const uint8_t *buf, size_t len)
{
	struct job_frames *f = NULL;
	struct jb_err err = {0};
	int rc = job_frames_new(1ULL << 31, &f, &err) < 0 || job_frames_feed(f, buf, len, &err) < 0;
	const uint8_t *fb;
	size_t fl;
	int r;
	while (!rc && (r = job_frames_next(f, &fb, &fl, &err)) > 0)
		rc = show_one(fb, fl);
	if (!rc && (r < 0 || job_frames_pending(f))) {
		fprintf(stderr, "judgebox: show: %s\n", r < 0 ? err.msg : "cut frame at the end");
		rc = 1;
	}
	job_frames_free(f);
	return rc;
}

static int cmd_show(int argc, char **argv, int i)
{
	static const struct flag t[] = {
		{"--stream", 0, set_true, &arg_.stream, "delimited Verdicts on stdin"},
		{"--files-to", 1, set_string, &arg_.files_to,
		 "DIR write stdout, stderr and files/PATH there (DIR/SEQ with --stream)"}};
	static const struct flagset show_set = {t, NULL, ARRAY_SIZE(t), 0, false};
	if (parse_flags(argc, argv, &i, &show_set) < 0)
		return 2;
	uint8_t *buf = NULL;
	size_t len = 0;
	if (slurp(0, &buf, &len) < 0) {
		fprintf(stderr, "judgebox: show: read stdin: %s\n", strerror(errno));
		return 1;
	}
	/* Without --stream, input that is no single Verdict but a whole
	 * stream of them (exec --stream's output) is shown as that. */
	Judgebox__Verdict *single = NULL;
	struct jb_err err = {0};
	int r = arg_.stream || len == 0 ? -EBADMSG : job_verdict_unpack(buf, len, &single, &err);
	int rc;
	if (single) {
		rc = show_verdict(single);
		judgebox__verdict__free_unpacked(single, NULL);
	} else if (r != -EBADMSG) { /* a Verdict, but one show refuses */
		fprintf(stderr, "judgebox: show: %s\n", err.msg);
		rc = 1;
	} else if (len == 0 && !arg_.stream) {
		fprintf(stderr, "judgebox: show: no Verdict on stdin\n");
		rc = 1;
	} else {
		arg_.stream = true; /* a stream: --files-to writes DIR/SEQ */
		rc = show_stream(buf, len);
	}
	free(buf);
	return fflush(stdout) ? 1 : rc;
}

static int cmd_policy(int argc, char **argv, int i)
{
	if (i + 2 != argc || (strcmp(argv[i], "check") && strcmp(argv[i], "show")))
		return usage_error("%s", "usage: judgebox policy check FILE | policy show NAME"), 2;
	char *text = NULL;
	struct jb_err err = {0};
	int r;
	if (!strcmp(argv[i], "check")) {
		r = sc_policy_check_file(argv[i + 1], &text, &err);
		if (r == -EINVAL && text)
			fputs(text, stderr);
		else if (r < 0)
			fprintf(stderr, "judgebox: %s\n", err.msg);
		else
			printf("%s: ok\n", argv[i + 1]);
	} else {
		r = sc_policy_show(argv[i + 1], &text, &err);
		if (r < 0)
			fprintf(stderr, "judgebox: %s\n", err.msg);
		else
			fputs(text, stdout);
	}
	free(text);
	sc_cache_clear();
	return r < 0 ? 1 : 0;
}

static const struct flag info_flags[] = {
	{"--cgroup-parent", 1, set_string, &arg_.op.cgroup_parent, "P job cgroups go under P"},
	{"--cgroup", 1, set_string, &arg_.op.cgroup_force, "v2|v1|none force a backend"},
};
static const struct flagset info_set = {info_flags, NULL, ARRAY_SIZE(info_flags), 0, false};

static int cmd_info(int argc, char **argv, int i)
{
	if (parse_flags(argc, argv, &i, &info_set) < 0)
		return 2;
	struct cg_root *cg = NULL;
	if (open_cgroups(&cg, false) < 0)
		return 1;
	char buf[4096];
	cg_root_describe(cg, buf, sizeof(buf));
	printf("judgebox %s\n%s", JB_VERSION, buf);
	printf("user: %s (uid %u)\n", geteuid() == 0 ? "root" : "unprivileged", geteuid());
	const char *pp = getenv("JB_POLICY_PATH");
	printf("policies: %s\n", pp ? pp : JB_POLICY_DIRS);
	cg_root_free(cg);
	return 0;
}

static const char usage_text[] =
	"judgebox: run untrusted programs in a sandbox and judge them\n\n"
	"usage:\n"
	"  judgebox exec [--stream [--parallel N]] [--allow-rootfs DIR]...\n"
	"                                 Job protobuf on stdin -> Verdict protobuf on stdout\n"
	"  judgebox run [FLAGS] [--json] -- PROG [ARGS...]\n"
	"                                 run PROG; print its output and a summary, or JSON\n"
	"  judgebox job [FLAGS] -- PROG [ARGS...]   write the Job protobuf to stdout\n"
	"  judgebox show [--stream]       Verdict protobuf(s) on stdin -> JSON lines\n"
	"  judgebox policy check FILE | policy show NAME\n"
	"  judgebox info                  the resource backend in use and why\n"
	"  judgebox --version | --help | COMMAND --help\n";

#ifdef JB_HAVE_REDIS
#include "redis.h"
#else
static int no_redis(int argc, char **argv, int i)
{
	fprintf(stderr,
		"judgebox: %s: this judgebox was built without hiredis "
		"(install libhiredis-dev and rebuild)\n",
		argv[1]);
	return 2;
}
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, int i);
	const struct flagset *flags; /* for --help; NULL: none or its own */
};

static const struct command commands[] = {
	{"exec", cmd_exec, &exec_set},	     {"run", cmd_run, &run_set},
	{"job", cmd_job, &job_help},	     {"show", cmd_show, NULL},
	{"policy", cmd_policy, NULL},	     {"info", cmd_info, &info_set},
#ifdef JB_HAVE_REDIS
	{"worker", redis_worker_main, NULL}, {"submit", redis_submit_main, NULL},
#else
	{"worker", no_redis, NULL},    {"submit", no_redis, NULL},
#endif
};

static int command_help(const struct command *c)
{
	fputs(usage_text, stdout);
	printf("\nflags of '%s':\n", c->name);
	if (c->flags)
		print_flags(c->flags);
	if (!strcmp(c->name, "show"))
		printf("  --stream  delimited Verdicts on stdin\n");
	printf("\nSIZE: bytes, or with K, M, G, T (powers of 1024); S: seconds (0.5, 250ms)\n");
	return 0;
}

int cli_main(int argc, char **argv)
{
	init_args();
	if (argc < 2)
		return fputs(usage_text, stderr), 2;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))
		return printf("judgebox %s\n", JB_VERSION), 0;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return fputs(usage_text, stdout), 0;
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		const struct command *c = &commands[k];
		if (strcmp(argv[1], c->name))
			continue;
		/* worker and submit print their own flags (redis.c). */
		bool own_help = !strcmp(c->name, "worker") || !strcmp(c->name, "submit");
		if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) && !own_help)
			return command_help(c);
		int rc = c->fn(argc, argv, 2);
		opflags_free(&arg_.op);
		return rc;
	}
	fprintf(stderr, "judgebox: unknown command '%s'\n%s", argv[1], usage_text);
	return 2;
}
