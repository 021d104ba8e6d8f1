/* Unit tests for job.c: decode and validation, box paths, verdict encoding
 * and JSON, varint framing. TAP on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "job.h"

static bool is_str(const char *got, const char *want, const char *name)
{
	bool pass = got && strcmp(got, want) == 0;
	if (!ok(pass, "%s", name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want);
	return pass;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- building jobs ---- */

static struct job_config cfg;
static char rootfs_dir[64] = "/tmp/test_job.XXXXXX";
static char rootfs_canon[PATH_MAX];

/* pb packed into a malloc'ed buffer. */
static uint8_t *pack_job(const Judgebox__Job *pb, size_t *ret_len)
{
	size_t n = judgebox__job__get_packed_size(pb);
	uint8_t *buf = malloc(n + 64); /* room for appended raw fields */
	*ret_len = judgebox__job__pack(pb, buf);
	return buf;
}

/* Pack pb, decode it with cfg; returns the job or NULL with *err filled. */
static struct job *roundtrip(const Judgebox__Job *pb, struct jb_err *err)
{
	size_t len;
	uint8_t *buf = pack_job(pb, &len);
	struct job *j = (struct job *) 1;
	int r = job_decode(buf, len, &cfg, &j, err);
	free(buf);
	if ((r < 0) != (j == NULL))
		ok(false, "job_decode: the result and *ret_job agree (r=%d)", r);
	return j;
}

static char *argv_true[] = {"/bin/true"};

static Judgebox__Job base_job(void)
{
	Judgebox__Job pb = JUDGEBOX__JOB__INIT;
	pb.n_argv = 1;
	pb.argv = argv_true;
	return pb;
}

/* pb must be refused as INVALID with a message that begins with want
 * (exact when exact is set). */
static void expect_invalid(const Judgebox__Job *pb, const char *want, bool exact, const char *name)
{
	struct jb_err err = {0};
	struct job *j = roundtrip(pb, &err);
	bool pass = !j && err.kind == JB_ERR_INVALID && err.code == EINVAL &&
		    (exact ? strcmp(err.msg, want) == 0 : has_prefix(err.msg, want));
	if (!ok(pass, "%s", name))
		printf("#   got:  '%s' (kind %d)\n#   want: '%s'%s\n", err.msg, err.kind, want,
		       exact ? "" : "...");
	job_free(j);
}

static void expect_valid(const Judgebox__Job *pb, const char *name)
{
	struct jb_err err = {0};
	struct job *j = roundtrip(pb, &err);
	if (!ok(j != NULL, "%s", name))
		printf("#   got: '%s'\n", err.msg);
	job_free(j);
}

/* ---- decode ---- */

static void test_roundtrip(void)
{
	char *argv[] = {"/usr/bin/python3", "-c", "print(1)"};
	char *env[] = {"A=1", "B=x=y"};
	char *collect[] = {"out.txt", "/box/res//a"};
	Judgebox__File f0 = JUDGEBOX__FILE__INIT, f1 = JUDGEBOX__FILE__INIT;
	Judgebox__File *files[] = {&f0, &f1};
	Judgebox__Limits lim = JUDGEBOX__LIMITS__INIT;
	Judgebox__Job pb = JUDGEBOX__JOB__INIT;
	struct jb_err err = {0};

	f0.path = "sol.c";
	f0.content = (ProtobufCBinaryData){8, (uint8_t *) "int main"};
	f1.path = "/box/dir//./x.txt";
	f1.executable = 1;
	lim.cpu_time_ms = 2000;
	pb.id = "t1";
	pb.n_argv = 3;
	pb.argv = argv;
	pb.n_env = 2;
	pb.env = env;
	pb.stdin = (ProtobufCBinaryData){2, (uint8_t *) "in"};
	pb.limits = &lim;
	pb.policy = "python";
	pb.n_files = 2;
	pb.files = files;
	pb.n_collect = 2;
	pb.collect = collect;
	struct job *j = roundtrip(&pb, &err);
	if (!ok(j != NULL, "a full job decodes")) {
		printf("#   %s\n", err.msg);
		return;
	}
	is_str(j->pb->id, "t1", "id survives");
	ok(j->argv[0] && !strcmp(j->argv[0], "/usr/bin/python3") &&
		   !strcmp(j->argv[2], "print(1)") && j->argv[3] == NULL,
	   "argv is pb->argv plus NULL");
	ok(!strcmp(j->envp[0], "A=1") && !strcmp(j->envp[1], "B=x=y") && j->envp[2] == NULL,
	   "envp is pb->env plus NULL");
	ok(j->limits.cpu_time_ms == 2000 && j->limits.wall_time_ms == 5000 &&
		   j->limits.memory_bytes == 256 << 20,
	   "limits resolved with defaults");
	is_str(j->policy, "python", "policy kept");
	is_str(j->file_paths[0], "sol.c", "files[0] normalised");
	is_str(j->file_paths[1], "dir/x.txt", "files[1] normalised");
	is_str(j->collect_paths[0], "out.txt", "collect[0] normalised");
	is_str(j->collect_paths[1], "res/a", "collect[1] normalised");
	ok(j->rootfs == NULL, "no rootfs asked, none set");
	ok(j->pb->stdin.len == 2 && !memcmp(j->pb->stdin.data, "in", 2), "stdin survives");
	ok(j->pb->files[1]->executable, "files[1].executable survives");
	job_free(j);
}

static void test_argv_env_defaults(void)
{
	char *argv[] = {"ignored", "a1"};
	Judgebox__Job pb = JUDGEBOX__JOB__INIT;
	struct jb_err err = {0};

	pb.executable = (ProtobufCBinaryData){4, (uint8_t *) "\x7f"
							     "ELF"};
	struct job *j = roundtrip(&pb, &err);
	ok(j && !strcmp(j->argv[0], "/box/program") && j->argv[1] == NULL,
	   "executable without argv: argv = {/box/program}");
	ok(j && !strcmp(j->envp[0], "PATH=/usr/local/bin:/usr/bin:/bin") &&
		   !strcmp(j->envp[1], "HOME=/box") && j->envp[2] == NULL,
	   "empty env: the default env");
	ok(j && !strcmp(j->policy, "default"), "empty policy: 'default'");
	job_free(j);

	pb.n_argv = 2;
	pb.argv = argv;
	j = roundtrip(&pb, &err);
	ok(j && !strcmp(j->argv[0], "/box/program") && !strcmp(j->argv[1], "a1") &&
		   j->argv[2] == NULL,
	   "executable with argv: argv[0] becomes /box/program, the rest is kept");
	job_free(j);

	char *empty_args[] = {"/bin/echo", "", ""};
	pb = base_job();
	pb.n_argv = 3;
	pb.argv = empty_args;
	j = roundtrip(&pb, &err);
	ok(j && j->argv[1][0] == '\0' && j->argv[2][0] == '\0' && j->argv[3] == NULL,
	   "empty arguments after argv[0] are kept");
	job_free(j);
}

static void test_decode_errors(void)
{
	struct jb_err err = {0};
	struct job *j = NULL;
	static const uint8_t garbage[] = {0xff, 0xff, 0xff};

	int r = job_decode((const uint8_t *) "", 0, &cfg, &j, &err);
	ok(r == -EINVAL && !j && err.kind == JB_ERR_INVALID, "a zero-length job is an empty Job");
	is_str(err.msg, "argv: a job needs an executable or argv[0]",
	       "... which fails validation on argv");
	r = job_decode(NULL, 0, &cfg, &j, &err);
	ok(r == -EINVAL && !j, "NULL, 0 is an empty Job too");
	r = job_decode(garbage, sizeof(garbage), &cfg, &j, &err);
	ok(r == -EINVAL && !j && err.kind == JB_ERR_INVALID, "garbage is INVALID");
	is_str(err.msg, "job: cannot decode the protobuf message", "... with the decode message");

	/* A job cut in the middle of its id never reads past len. */
	Judgebox__Job pb = base_job();
	pb.id = "0123456789";
	size_t len;
	uint8_t *buf = pack_job(&pb, &len);
	uint8_t *cut = malloc(5);
	memcpy(cut, buf, 5);
	r = job_decode(cut, 5, &cfg, &j, &err);
	is_str(err.msg, "job: cannot decode the protobuf message", "a cut message does not decode");
	free(cut);
	free(buf);

	/* A known field number with the wrong wire type. */
	static const uint8_t wrong_type[] = {0x08, 0x01}; /* field 1 (string) as varint */
	r = job_decode(wrong_type, sizeof(wrong_type), &cfg, &j, &err);
	is_str(err.msg, "job: cannot decode the protobuf message", "a wrong wire type is refused");
}

/* Field 99, wire type varint, value 1. */
static const uint8_t field99[] = {0x98, 0x06, 0x01};

static void test_unknown_fields(void)
{
	Judgebox__Job pb = base_job();
	struct jb_err err = {0};
	struct job *j = NULL;
	size_t len;

	uint8_t *buf = pack_job(&pb, &len);
	memcpy(buf + len, field99, sizeof(field99));
	job_decode(buf, len + sizeof(field99), &cfg, &j, &err);
	ok(!j && err.kind == JB_ERR_INVALID, "a Job with field 99 is INVALID");
	is_str(err.msg, "job: unknown field 99 (this judgebox is version " JB_VERSION ")",
	       "... naming the field and the version");
	free(buf);

	/* Limits { cpu_time_ms: 1, 99: 1 } as field 6 of the Job. */
	buf = pack_job(&pb, &len);
	static const uint8_t limits[] = {0x32, 5, 0x08, 0x01, 0x98, 0x06, 0x01};
	memcpy(buf + len, limits, sizeof(limits));
	job_decode(buf, len + sizeof(limits), &cfg, &j, &err);
	is_str(err.msg, "limits: unknown field 99 (this judgebox is version " JB_VERSION ")",
	       "an unknown field inside Limits names limits");
	free(buf);

	/* files[0] fine, files[1] = File { path: "b", 99: 1 }. */
	buf = pack_job(&pb, &len);
	static const uint8_t files[] = {0x42, 3, 0x0a, 1,    'a',  0x42, 6,
					0x0a, 1, 'b',  0x98, 0x06, 0x01};
	memcpy(buf + len, files, sizeof(files));
	job_decode(buf, len + sizeof(files), &cfg, &j, &err);
	is_str(err.msg, "files[1]: unknown field 99 (this judgebox is version " JB_VERSION ")",
	       "an unknown field inside a File names its index");
	job_decode(buf, len + 5, &cfg, &j, &err);
	ok(j != NULL, "the same job without the unknown field decodes");
	job_free(j);
	free(buf);
}

/* ---- the wire scan: hostile shapes refused before protobuf-c ---- */

/* A growing byte buffer to build wire data by hand. */
struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

/* Field num, wire type 2, holding data (n bytes). */
static void put_len(struct bytes *b, uint32_t num, const void *data, size_t n)
{
	uint8_t hdr[20];
	size_t h = job_varint((uint64_t) num << 3 | 2, hdr);
	h += job_varint(n, hdr + h);
	put(b, hdr, h);
	put(b, data, n);
}

static void put_str(struct bytes *b, uint32_t num, const char *s)
{
	put_len(b, num, s, strlen(s));
}

/* A Job { argv: "/bin/true", interactor: { ... } } nested depth deep. */
static struct bytes deep_job(size_t depth)
{
	struct bytes in = {0};
	put_str(&in, 3, "/bin/true");
	for (size_t i = 0; i < depth; i++) {
		struct bytes out = {0};
		put_str(&out, 3, "/bin/true");
		put_len(&out, 12, in.p, in.n);
		free(in.p);
		in = out;
	}
	return in;
}

/* decode buf and expect INVALID with exactly want. */
static void expect_decode_invalid(const struct bytes *b, const char *want, const char *name)
{
	struct jb_err err = {0};
	struct job *j = NULL;
	int r = job_decode(b->p, b->n, &cfg, &j, &err);
	bool pass = r == -EINVAL && !j && err.kind == JB_ERR_INVALID && strcmp(err.msg, want) == 0;
	if (!ok(pass, "%s", name))
		printf("#   r=%d got: '%s'\n#   want: '%s'\n", r, err.msg, want);
	job_free(j);
}

static void test_wire_nesting(void)
{
	struct jb_err err = {0};
	struct job *j = NULL;
	struct bytes b = deep_job(1);

	ok(job_decode(b.p, b.n, &cfg, &j, &err) == 0 && j && j->interactor &&
		   !j->interactor->interactor,
	   "a job with one interactor decodes");
	job_free(j);
	free(b.p);
	b = deep_job(2);
	expect_decode_invalid(&b, "interactor.interactor: interactors do not nest",
			      "an interactor's interactor is refused, naming the field");
	free(b.p);
	/* 10,000 deep: protobuf-c alone recurses until the stack overflows. */
	b = deep_job(10000);
	ok(b.n < 200000, "the 10,000-deep job is %zu bytes", b.n);
	ok(job_scan(b.p, b.n, &err) == -EINVAL, "job_scan refuses it without unpacking");
	expect_decode_invalid(&b, "interactor.interactor: interactors do not nest",
			      "a job nested 10,000 deep is INVALID, not a crash");
	char *id = job_peek_id(b.p, b.n);
	ok(id == NULL, "no id to echo in it");
	free(id);
	/* Cut in the middle: malformed wins over the broken rule. */
	expect_decode_invalid(&(struct bytes){b.p, b.n - 1, 0},
			      "job: cannot decode the protobuf message",
			      "the same job cut short does not decode");
	free(b.p);
}

/* Over-cap lists: refused on the wire, whatever their size. */
static void test_wire_caps(void)
{
	struct bytes b = {0};
	static const uint8_t empty_file[] = {0x42, 0x00}; /* files: {} */

	put_str(&b, 1, "caps");
	put_str(&b, 3, "/bin/true");
	for (size_t i = 0; i < 20001; i++)
		put(&b, empty_file, sizeof(empty_file));
	expect_decode_invalid(&b, "files: 20001 entries is over the cap of 10000",
			      "20001 empty files entries on the wire");
	char *id = job_peek_id(b.p, b.n);
	ok(id && strcmp(id, "caps") == 0, "job_peek_id finds the id without unpacking");
	free(id);
	free(b.p);

	static const struct {
		uint32_t num;
		size_t n;
		const char *entry, *want;
	} lists[] = {
		{3, 4096, "x", "argv: 4097 entries is over the cap of 4096"},
		{4, 4097, "A=1", "env: 4097 entries is over the cap of 4096"},
		{10, 10001, "c", "collect: 10001 entries is over the cap of 10000"},
	};
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		b = (struct bytes){0};
		put_str(&b, 3, "/bin/true");
		for (size_t i = 0; i < lists[k].n; i++)
			put_str(&b, lists[k].num, lists[k].entry);
		expect_decode_invalid(&b, lists[k].want, lists[k].want);
		free(b.p);
	}

	/* The interactor's lists count on their own, and are named so. */
	struct bytes inner = {0};
	for (size_t i = 0; i < 4097; i++)
		put_str(&inner, 3, "x");
	b = (struct bytes){0};
	put_str(&b, 3, "/bin/true");
	put_len(&b, 12, inner.p, inner.n);
	expect_decode_invalid(&b, "interactor.argv: 4097 entries is over the cap of 4096",
			      "an interactor's argv over the cap names interactor.argv");
	free(b.p);
	free(inner.p);
}

/* Repeats of a singular field are legal protobuf (the last one counts),
 * but protobuf-c spends memory on each: all fields together are capped. */
static void test_wire_fields_cap(void)
{
	struct bytes b = {0};
	static const uint8_t empty_limits[] = {0x32, 0x00}; /* limits: {} */

	put_str(&b, 3, "/bin/true");
	for (size_t i = 0; i < 16; i++)
		put(&b, empty_limits, sizeof(empty_limits));
	struct jb_err err = {0};
	struct job *j = NULL;
	ok(job_decode(b.p, b.n, &cfg, &j, &err) == 0, "16 repeats of limits decode (merged)");
	job_free(j);
	for (size_t i = 16; i < 200000; i++)
		put(&b, empty_limits, sizeof(empty_limits));
	expect_decode_invalid(&b, "job: 200001 fields in all is over the cap of 156512",
			      "200000 repeats of limits: the fields in all are capped");
	free(b.p);

	/* An unknown field inside the interactor is named by its path. */
	b = (struct bytes){0};
	struct bytes inner = {0};
	put_str(&inner, 3, "/bin/true");
	put(&inner, field99, sizeof(field99));
	put_str(&b, 3, "/bin/true");
	put_len(&b, 12, inner.p, inner.n);
	expect_decode_invalid(
		&b, "interactor: unknown field 99 (this judgebox is version " JB_VERSION ")",
		"an unknown field in the interactor names it");
	free(b.p);
	free(inner.p);
}

/* The peak RSS of this process, in bytes. */
static size_t peak_rss(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (size_t) ru.ru_maxrss * 1024;
}

/* 10 MB of empty files entries took 600 MB to refuse (protobuf-c unpacks
 * them all before validation counts them); the scan refuses them first. */
static void test_wire_memory(void)
{
	size_t len = 10 << 20;
	uint8_t *buf = malloc(len);
	static const uint8_t argv[] = {0x1a, 0x01, 'x'}; /* argv: "x" */
	memcpy(buf, argv, sizeof(argv));
	for (size_t i = sizeof(argv); i + 1 < len; i += 2) {
		buf[i] = 0x42; /* files: {} */
		buf[i + 1] = 0x00;
	}
	len -= 1; /* 3 bytes of argv, then whole files entries */
	size_t before = peak_rss();
	struct jb_err err = {0};
	struct job *j = NULL;
	int r = job_decode(buf, len, &cfg, &j, &err);
	size_t grew = peak_rss() - before;
	ok(r == -EINVAL && !j &&
		   !strcmp(err.msg, "files: 5242878 entries is over the cap of 10000"),
	   "a 10 MB files bomb is INVALID naming files");
	if (!ok(grew < (32u << 20), "... and refusing it costs under 32 MB"))
		printf("#   peak RSS grew by %zu MB\n", grew >> 20);
	free(buf);
}

static void test_wire_verdict(void)
{
	struct jb_err err = {0};
	Judgebox__Verdict *v = NULL;
	struct bytes b = {0}, inner = {0};

	put_str(&inner, 1, "int");
	put(&inner, field99, sizeof(field99)); /* from a newer judgebox: kept */
	put_str(&b, 1, "v");
	put_len(&b, 22, inner.p, inner.n);
	ok(job_verdict_unpack(b.p, b.n, &v, &err) == 0 && v && v->interactor &&
		   !strcmp(v->interactor->id, "int") && v->interactor->base.n_unknown_fields == 1,
	   "a verdict with its interactor's, and an unknown field, decodes");
	judgebox__verdict__free_unpacked(v, NULL);
	free(inner.p);

	/* Verdicts nested 10,000 deep: show printed them recursively. */
	for (size_t i = 0; i < 10000; i++) {
		struct bytes out = {0};
		put_str(&out, 1, "v");
		put_len(&out, 22, b.p, b.n);
		free(b.p);
		b = out;
	}
	int r = job_verdict_unpack(b.p, b.n, &v, &err);
	ok(r == -EINVAL && !v, "a verdict nested 10,000 deep is refused");
	is_str(err.msg, "interactor.interactor: interactors do not nest", "... naming the field");
	r = job_verdict_unpack(b.p, b.n - 1, &v, &err);
	ok(r == -EBADMSG && !v, "cut short, it is not a verdict at all");
	is_str(err.msg, "verdict: cannot decode the protobuf message", "... so says the message");
	free(b.p);
}

/* ---- validation, field by field ---- */

static void test_validate_argv_env(void)
{
	Judgebox__Job pb = base_job();
	char *empty0[] = {"", "x"};
	pb.argv = empty0;
	pb.n_argv = 2;
	expect_invalid(&pb, "argv[0]: ", false, "argv[0] empty without executable");
	pb.executable = (ProtobufCBinaryData){1, (uint8_t *) "x"};
	expect_valid(&pb, "argv[0] empty is fine with an executable");

	char **many = calloc(4097, sizeof(char *));
	for (size_t i = 0; i < 4097; i++)
		many[i] = "a";
	pb = base_job();
	pb.argv = many;
	pb.n_argv = 4096;
	expect_valid(&pb, "4096 argv entries are accepted");
	pb.n_argv = 4097;
	expect_invalid(&pb, "argv: 4097 entries is over the cap of 4096", true, "argv cap");

	pb = base_job();
	char *noeq[] = {"A=1", "FOO"};
	pb.env = noeq;
	pb.n_env = 2;
	expect_invalid(&pb, "env[1]: 'FOO' is not KEY=VALUE", true, "env entry without '='");
	char *emptykey[] = {"=x"};
	pb.env = emptykey;
	pb.n_env = 1;
	expect_invalid(&pb, "env[0]: '=x' has an empty key", true, "env entry with empty key");
	char *dup[] = {"PATH=/bin", "A=1", "PATH=/usr/bin"};
	pb.env = dup;
	pb.n_env = 3;
	expect_invalid(&pb, "env[2]: duplicate key 'PATH'", true, "env duplicate key");
	char *dup2[] = {"A=1", "B=", "C=3", "D=", "B=2", "C=4"};
	pb.env = dup2;
	pb.n_env = 6;
	expect_invalid(&pb, "env[4]: duplicate key 'B'", true, "first duplicate by index wins");
	char *prefixes[] = {"AB=1", "A=1", "A_B=2", "a=3", "A/=4", "A/B=5"};
	pb.env = prefixes;
	pb.n_env = 6;
	expect_valid(&pb, "keys that share a prefix are not duplicates");
	for (size_t i = 0; i < 4097; i++) {
		many[i] = malloc(16);
		snprintf(many[i], 16, "K%zu=v", i);
	}
	pb.env = many;
	pb.n_env = 4096;
	expect_valid(&pb, "4096 env entries are accepted");
	pb.n_env = 4097;
	expect_invalid(&pb, "env: 4097 entries is over the cap of 4096", true, "env cap");
	for (size_t i = 0; i < 4097; i++)
		free(many[i]);
	free(many);
}

/* A job with files at the given paths (and optional executable). */
static void files_case(const char *const *paths, size_t n, bool exe, const char *want,
		       const char *name)
{
	Judgebox__File f[8], *fp[8];
	Judgebox__Job pb = base_job();

	for (size_t i = 0; i < n; i++) {
		judgebox__file__init(&f[i]);
		f[i].path = (char *) paths[i];
		fp[i] = &f[i];
	}
	pb.files = fp;
	pb.n_files = n;
	if (exe)
		pb.executable = (ProtobufCBinaryData){1, (uint8_t *) "x"};
	if (want)
		expect_invalid(&pb, want, true, name);
	else
		expect_valid(&pb, name);
}

static void test_validate_files(void)
{
	const char *outside[] = {"../x"};
	files_case(outside, 1, false, "files[0].path: '../x' is outside /box", "files: ../x");
	const char *etc[] = {"ok", "/etc/passwd"};
	files_case(etc, 2, false, "files[1].path: '/etc/passwd' is outside /box", "files: /etc");
	const char *dup[] = {"a", "b", "c", "/box/b"};
	files_case(dup, 4, false, "files[3].path: duplicate of files[1]", "files: duplicate");
	const char *dup3[] = {"x", "./x", "x/"};
	files_case(dup3, 3, false, "files[1].path: duplicate of files[0]", "files: 3 duplicates");
	const char *parent[] = {"a/b", "a"};
	files_case(parent, 2, false, "files[1].path: 'a' is a parent directory of files[0] 'a/b'",
		   "files: parent after child");
	const char *child[] = {"a", "a-b", "a.c", "a/b"};
	files_case(child, 4, false, "files[3].path: 'a/b' is under files[0] 'a', a file",
		   "files: child after parent (with a-b sorting between)");
	const char *deep[] = {"x/y/z/w", "x/y"};
	files_case(deep, 2, false,
		   "files[1].path: 'x/y' is a parent directory of files[0] 'x/y/z/w'",
		   "files: grandparent");
	const char *fine[] = {"a/b", "a/c", "ab", "a-b/c", "b/a"};
	files_case(fine, 5, false, NULL, "files: siblings and shared prefixes are fine");
	const char *program[] = {"sol.c", "program"};
	files_case(program, 2, true,
		   "files[1].path: 'program' clashes with /box/program, where the executable goes",
		   "files: /box/program with an executable");
	const char *program_sub[] = {"/box/program/x"};
	files_case(
		program_sub, 1, true,
		"files[0].path: 'program/x' clashes with /box/program, where the executable goes",
		"files: under /box/program with an executable");
	files_case(program, 2, false, NULL, "files: 'program' is fine without an executable");
	const char *programs[] = {"programs", "program.c"};
	files_case(programs, 2, true, NULL, "files: 'programs' is not /box/program");
	const char *empty[] = {""};
	files_case(empty, 1, false, "files[0].path: the path is empty", "files: empty path");
	const char *boxdir[] = {"/box/"};
	files_case(boxdir, 1, false, "files[0].path: '/box/' is /box itself, not a file under it",
		   "files: /box itself");
}

static void test_validate_files_cap(void)
{
	size_t n = 10001;
	Judgebox__File *f = calloc(n, sizeof(*f));
	Judgebox__File **fp = calloc(n, sizeof(*fp));
	char(*names)[16] = calloc(n, sizeof(*names));
	Judgebox__Job pb = base_job();

	for (size_t i = 0; i < n; i++) {
		judgebox__file__init(&f[i]);
		snprintf(names[i], sizeof(names[i]), "d%zu/f", n - i); /* not sorted */
		f[i].path = names[i];
		fp[i] = &f[i];
	}
	pb.files = fp;
	pb.n_files = 10000;
	expect_valid(&pb, "10000 files are accepted");
	f[9999].path = "d5000/f/x";
	expect_invalid(&pb, "files[9999].path: 'd5000/f/x' is under files[5001] 'd5000/f', a file",
		       true, "a clash among 10000 files is found");
	pb.n_files = 10001;
	expect_invalid(&pb, "files: 10001 entries is over the cap of 10000", true, "files cap");

	pb.n_files = 0;
	pb.collect = calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		pb.collect[i] = names[i];
	pb.n_collect = 10001;
	expect_invalid(&pb, "collect: 10001 entries is over the cap of 10000", true, "collect cap");
	free(pb.collect);
	free(names);
	free(fp);
	free(f);
}

/* "d/d/.../d/f": n components in all (2 bytes each, less the last '/'). */
static char *chain_path(size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	char *s = malloc(p + 2 * n + 1);
	strcpy(s, prefix);
	for (size_t i = 0; i < n; i++) {
		s[p + 2 * i] = i + 1 < n ? 'd' : 'f';
		s[p + 2 * i + 1] = '/';
	}
	s[p + 2 * n - 1] = '\0';
	return s;
}

/* Placing files costs init one mkdir per component, each a lookup from
 * /box: the depth of a path and the components in all are capped. */
static void test_validate_path_depth(void)
{
	char *p64 = chain_path(64, "/box/"), *p65 = chain_path(65, "");
	const char *paths[2] = {"a", p64};

	files_case(paths, 2, false, NULL, "a file 64 components deep is fine");
	paths[1] = p65;
	files_case(paths, 2, false,
		   "files[1].path: 'd/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/"
		   "d/d/d/d/d/d/d/d/d/...' is deeper than 64 components",
		   "65 components: refused, naming files[1].path");
	char *c65 = chain_path(65, ""), *collect[] = {"ok", c65};
	Judgebox__Job pb = base_job();
	pb.n_collect = 2;
	pb.collect = collect;
	expect_invalid(&pb, "collect[1]: 'd/d/d/", false, "the same cap for collect");

	/* 2,000 deep, as in the 10 s set-up: refused at the first file. */
	char *p2000 = chain_path(2000, "");
	paths[0] = p2000;
	files_case(paths, 1, false,
		   "files[0].path: "
		   "'d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/"
		   "d/...' is deeper than 64 components",
		   "a 2,000-deep path is refused");

	/* 1563 files 64 deep: 100,032 components, over the 100,000 in all. */
	size_t n = 1563;
	Judgebox__File *f = calloc(n, sizeof(*f)), **fp = calloc(n, sizeof(*fp));
	char **names = calloc(n, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "%zu/", i);
		names[i] = chain_path(63, prefix);
		judgebox__file__init(&f[i]);
		f[i].path = names[i];
		fp[i] = &f[i];
	}
	pb = base_job();
	pb.files = fp;
	pb.n_files = n - 1;
	expect_valid(&pb, "1562 files 64 deep (99,968 components) are fine");
	pb.n_files = n;
	expect_invalid(&pb,
		       "files[1562].path: the files' paths have more than 100000 components in "
		       "all",
		       true, "the 1563rd is over the cap of components in all");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(fp);
	free(f);
	free(p2000);
	free(c65);
	free(p64);
	free(p65);
}

static void test_validate_collect_policy(void)
{
	Judgebox__Job pb = base_job();
	char *bad[] = {"ok.txt", "/etc/passwd"};
	pb.collect = bad;
	pb.n_collect = 2;
	expect_invalid(&pb, "collect[1]: '/etc/passwd' is outside /box", true, "collect outside");
	char *dup[] = {"x", "y", "./x"};
	pb.collect = dup;
	pb.n_collect = 3;
	expect_invalid(&pb, "collect[2]: duplicate of collect[0]", true, "collect duplicate");
	char *nested[] = {"a", "a/b", "program"};
	pb.collect = nested;
	pb.n_collect = 3;
	expect_valid(&pb, "collect: nesting and 'program' are not errors");
	pb.n_collect = 0;

	const char *good[] = {"default", "my-policy_2", "A"};
	for (size_t i = 0; i < 3; i++) {
		pb.policy = (char *) good[i];
		struct jb_err err = {0};
		struct job *j = roundtrip(&pb, &err);
		ok(j && !strcmp(j->policy, good[i]), "policy '%s' is a name", good[i]);
		job_free(j);
	}
	char sixty4[66];
	memset(sixty4, 'p', 65);
	sixty4[64] = '\0';
	pb.policy = sixty4;
	expect_valid(&pb, "a 64-character policy name is fine");
	sixty4[64] = 'p';
	sixty4[65] = '\0';
	expect_invalid(&pb, "policy: 'ppp", false, "a 65-character policy name is not");
	const char *bad_names[] = {"../evil", "a/b", "a.b", "a b", "\xc3\xa9"};
	for (size_t i = 0; i < 5; i++) {
		char want[128];
		snprintf(want, sizeof(want),
			 "policy: '%s' is not a policy name (1 to 64 of A-Z a-z 0-9 _ -)",
			 bad_names[i]);
		pb.policy = (char *) bad_names[i];
		expect_invalid(&pb, want, true, "policy with a bad character");
	}
}

static void test_validate_rootfs(void)
{
	Judgebox__Job pb = base_job();
	struct jb_err err = {0};
	char link[PATH_MAX], file[PATH_MAX], want[PATH_MAX + 64];

	pb.rootfs = "/";
	expect_invalid(&pb, "rootfs: '/' is not allowed (see --allow-rootfs)", true,
		       "rootfs not in the allowed list");
	pb.rootfs = rootfs_dir;
	struct job *j = roundtrip(&pb, &err);
	ok(j && j->rootfs && !strcmp(j->rootfs, rootfs_canon), "an allowed rootfs is accepted");
	job_free(j);

	snprintf(link, sizeof(link), "%s.link", rootfs_dir);
	(void) unlink(link);
	ok(symlink(rootfs_dir, link) == 0, "make a symlink to the allowed rootfs");
	pb.rootfs = link;
	j = roundtrip(&pb, &err);
	ok(j && j->rootfs && !strcmp(j->rootfs, rootfs_canon),
	   "a symlink to an allowed rootfs resolves to it");
	job_free(j);
	unlink(link);

	snprintf(link, sizeof(link), "%s/../%s", rootfs_dir, strrchr(rootfs_dir, '/') + 1);
	pb.rootfs = link;
	j = roundtrip(&pb, &err);
	ok(j && j->rootfs && !strcmp(j->rootfs, rootfs_canon), "a '..' spelling is canonicalised");
	job_free(j);

	pb.rootfs = "/nonexistent-judgebox-rootfs";
	expect_invalid(&pb,
		       "rootfs: '/nonexistent-judgebox-rootfs' is not allowed (see --allow-rootfs)",
		       true, "a missing rootfs is not allowed");
	pb.rootfs = "tmp";
	expect_invalid(&pb, "rootfs: 'tmp' is not allowed (see --allow-rootfs)", true,
		       "a relative rootfs is not allowed");

	/* An allowed entry that is a file, not a directory. */
	snprintf(file, sizeof(file), "%s/file", rootfs_canon);
	int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	close(fd);
	const char *allowed[] = {rootfs_canon, file};
	struct job_config c2 = cfg;
	c2.allowed_rootfs = allowed;
	c2.n_allowed_rootfs = 2;
	pb.rootfs = file;
	size_t len;
	uint8_t *buf = pack_job(&pb, &len);
	int r = job_decode(buf, len, &c2, &j, &err);
	snprintf(want, sizeof(want), "rootfs: '%s' is not allowed (see --allow-rootfs)", file);
	ok(r == -EINVAL && !j, "an allowed path that is not a directory is refused");
	is_str(err.msg, want, "... with the same message");
	r = job_decode(buf, len, NULL, &j, &err);
	ok(r == -EINVAL && !j && has_prefix(err.msg, "rootfs: "), "no config: no rootfs allowed");
	free(buf);
	unlink(file);
}

static void test_validate_limits_box(void)
{
	Judgebox__Job pb = base_job();
	Judgebox__Limits lim = JUDGEBOX__LIMITS__INIT;
	struct job_config c2 = cfg;
	struct jb_err err = {0};
	struct job *j;
	uint8_t bytes[200] = {0};

	pb.limits = &lim;
	lim.memory_bytes = cfg.ceilings.memory_bytes + 1;
	char want[128];
	snprintf(want, sizeof(want),
		 "limits.memory_bytes: %" PRIu64 " is above the ceiling %" PRIu64, lim.memory_bytes,
		 cfg.ceilings.memory_bytes);
	expect_invalid(&pb, want, true, "limits above the ceiling");

	lim.memory_bytes = 0;
	lim.box_bytes = 100;
	pb.executable = (ProtobufCBinaryData){101, bytes};
	expect_invalid(&pb, "executable: 101 bytes is larger than limits.box_bytes (100 bytes)",
		       true, "executable larger than the box");
	pb.executable.len = 100;
	expect_valid(&pb, "an executable of exactly box_bytes fits");
	Judgebox__File f0 = JUDGEBOX__FILE__INIT, f1 = JUDGEBOX__FILE__INIT;
	Judgebox__File *fp[] = {&f0, &f1};
	f0.path = "a";
	f0.content = (ProtobufCBinaryData){30, bytes};
	f1.path = "b";
	f1.content = (ProtobufCBinaryData){30, bytes};
	pb.files = fp;
	pb.n_files = 2;
	pb.executable.len = 50;
	expect_invalid(&pb,
		       "files: a total of 110 bytes (with the executable) is larger than "
		       "limits.box_bytes (100 bytes)",
		       true, "files and executable larger than the box");
	pb.executable.len = 40;
	expect_valid(&pb, "files and executable of exactly box_bytes fit");

	/* A ceiling under the default: the default becomes the ceiling. */
	c2.ceilings.box_bytes = 1000;
	pb.limits = NULL;
	size_t len;
	uint8_t *buf = pack_job(&pb, &len);
	int r = job_decode(buf, len, &c2, &j, &err);
	ok(r == 0 && j && j->limits.box_bytes == 1000 && j->limits.file_size_bytes == 1000,
	   "the box default is capped at a low ceiling");
	job_free(j);
	free(buf);
}

/* job_from_proto owns pb on success and on failure (valgrind checks the
 * failure path frees everything). */
static Judgebox__Job *heap_job(const char *env0)
{
	Judgebox__Job *pb = malloc(sizeof(*pb));
	judgebox__job__init(pb);
	pb->id = strdup("heap");
	pb->n_argv = 1;
	pb->argv = malloc(sizeof(char *));
	pb->argv[0] = strdup("/bin/true");
	pb->n_env = 1;
	pb->env = malloc(sizeof(char *));
	pb->env[0] = strdup(env0);
	return pb;
}

static void test_from_proto(void)
{
	struct jb_err err = {0};
	struct job *j = NULL;

	int r = job_from_proto(heap_job("A=1"), &cfg, &j, &err);
	ok(r == 0 && j && !strcmp(j->envp[0], "A=1") && !strcmp(j->pb->id, "heap"),
	   "job_from_proto accepts a heap-built job");
	job_free(j);
	r = job_from_proto(heap_job("NOEQ"), &cfg, &j, &err);
	ok(r == -EINVAL && !j && has_prefix(err.msg, "env[0]: "),
	   "job_from_proto refuses and frees a bad job");
	r = job_from_proto(NULL, &cfg, &j, &err);
	ok(r == -EINVAL && !j, "job_from_proto(NULL) is INVALID");
	job_free(NULL);
	ok(true, "job_free(NULL) is a no-op");
}

/* ---- box paths ---- */

static void test_box_path(void)
{
	static const char *const good[][2] = {
		{"sol.c", "sol.c"},
		{"/box/sol.c", "sol.c"},
		{"a//b/./c", "a/b/c"},
		{"//box//a/", "a"},
		{"./a", "a"},
		{"/box/./a", "a"},
		{"a/", "a"},
		{"..a", "..a"},
		{"a..", "a.."},
		{"/./box/x", "x"},
		{"...", "..."},
		{"box/x", "box/x"},
		{"a b/\xc3\xa9", "a b/\xc3\xa9"},
	};
	static const char *const bad[][2] = {
		{"", "f: the path is empty"},
		{"/box", "f: '/box' is /box itself, not a file under it"},
		{"/box/", "f: '/box/' is /box itself, not a file under it"},
		{".", "f: '.' is /box itself, not a file under it"},
		{"./", "f: './' is /box itself, not a file under it"},
		{"..", "f: '..' is outside /box"},
		{"../x", "f: '../x' is outside /box"},
		{"/box/../x", "f: '/box/../x' is outside /box"},
		{"/box/..", "f: '/box/..' is outside /box"},
		{"/../box/x", "f: '/../box/x' is outside /box"},
		{"a/../b", "f: 'a/../b' has a '..' component"},
		{"a/b/..", "f: 'a/b/..' has a '..' component"},
		{"/etc/x", "f: '/etc/x' is outside /box"},
		{"/boxy/x", "f: '/boxy/x' is outside /box"},
		{"/bo", "f: '/bo' is outside /box"},
		{"/", "f: '/' is outside /box"},
		{"//", "f: '//' is outside /box"},
	};
	char out[PATH_MAX];
	struct jb_err err;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'X', sizeof(out));
		int r = job_box_path(good[i][0], "f", out, sizeof(out), &err);
		if (!ok(r == 0 && !strcmp(out, good[i][1]), "box path '%s' -> '%s'", good[i][0],
			good[i][1]))
			printf("#   r=%d out='%.40s' msg='%s'\n", r, out, r ? err.msg : "");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jb_err_clear(&err);
		int r = job_box_path(bad[i][0], "f", out, sizeof(out), &err);
		ok(r == -EINVAL && err.kind == JB_ERR_INVALID, "box path '%s' is refused",
		   bad[i][0]);
		is_str(err.msg, bad[i][1], "... with its message");
	}
}

static void test_box_path_lengths(void)
{
	char out[PATH_MAX];
	struct jb_err err;
	char *name = malloc(PATH_MAX + 1);
	memset(name, 'n', 255);
	name[255] = '\0';
	ok(job_box_path(name, "f", out, sizeof(out), &err) == 0, "a 255-byte component is fine");
	name[255] = 'n';
	name[256] = '\0';
	job_box_path(name, "f", out, sizeof(out), &err);
	ok(has_prefix(err.msg, "f: a component of 'nnn") && strstr(err.msg, "...' is longer than "
									    "NAME_MAX (255)"),
	   "a 256-byte component is refused, quoted cut");
	for (size_t i = 0; i < PATH_MAX; i++)
		name[i] = i % 100 == 99 ? '/' : 'a';
	name[PATH_MAX] = '\0';
	job_box_path(name, "f", out, sizeof(out), &err);
	is_str(err.msg, "f: the path is longer than PATH_MAX (4096)", "a PATH_MAX path is refused");
	name[PATH_MAX - 1] = '\0';
	ok(job_box_path(name, "f", out, sizeof(out), &err) == 0 && strlen(out) == PATH_MAX - 1,
	   "a path of PATH_MAX - 1 bytes is fine");
	free(name);
	char small[4];
	ok(job_box_path("abc", "f", small, sizeof(small), &err) == 0 && !strcmp(small, "abc"),
	   "a result that just fits the buffer");
	job_box_path("abcd", "f", small, sizeof(small), &err);
	is_str(err.msg, "f: 'abcd' is too long", "a result that does not fit the buffer");
	job_box_path("a/bc", "f", small, sizeof(small), &err);
	is_str(err.msg, "f: 'a/bc' is too long", "the '/' counts too");
}

/* ---- verdicts ---- */

static char *json_of(const Judgebox__Verdict *v)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);
	int r = job_verdict_json(v, f);
	fclose(f);
	if (r < 0)
		ok(false, "job_verdict_json returned %d", r);
	return s;
}

static void test_json_empty(void)
{
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	char *s = json_of(&v);
	is_str(s,
	       "{\"id\":\"\",\"status\":\"STATUS_UNSPECIFIED\",\"exit_code\":0,\"signal\":0,"
	       "\"cpu_time_us\":0,\"wall_time_us\":0,\"memory_peak_bytes\":0,\"stdout\":\"\","
	       "\"stderr\":\"\",\"stdout_truncated\":false,\"stderr_truncated\":false,"
	       "\"syscall\":\"\",\"message\":\"\",\"files\":[],\"seq\":0,\"cpu_user_us\":0,"
	       "\"cpu_system_us\":0,\"limits\":{\"cpu_time_ms\":0,\"wall_time_ms\":0,"
	       "\"memory_bytes\":0,\"processes\":0,\"output_bytes\":0,\"file_size_bytes\":0,"
	       "\"stack_bytes\":0,\"open_files\":0,\"box_bytes\":0},\"denied_syscalls\":[],"
	       "\"version\":\"\",\"cpus\":\"\",\"interactor\":null}\n",
	       "json: an empty verdict writes every field");
	free(s);

	/* NULL strings (a verdict built by hand) are written as "". */
	v.id = NULL;
	v.message = NULL;
	v.status = 42;
	s = json_of(&v);
	ok(has_prefix(s, "{\"id\":\"\",\"status\":42,\"exit_code\":0,") &&
		   strstr(s, "\"message\":\"\","),
	   "json: NULL strings are \"\", an unknown status is its number");
	free(s);
}

static void test_json_full(void)
{
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	Judgebox__Limits lim = JUDGEBOX__LIMITS__INIT;
	Judgebox__File f0 = JUDGEBOX__FILE__INIT, f1 = JUDGEBOX__FILE__INIT;
	Judgebox__File *files[] = {&f0, &f1};
	char *denied[] = {"clone3", "rseq"};

	v.id = "a\"b\\c/\x01\x1f\x7f";
	v.status = JUDGEBOX__STATUS__RUNTIME_ERROR;
	v.exit_code = -1;
	v.signal = 9;
	v.cpu_time_us = 1;
	v.wall_time_us = 2;
	v.memory_peak_bytes = UINT64_MAX;
	v.stdout = (ProtobufCBinaryData){16, (uint8_t *) "hi\n\t\r\b\f \xc3\xa9\xe2\x82\xac!\"\\"};
	v.stderr = (ProtobufCBinaryData){7, (uint8_t *) "ab\xff\xc0\xafz\n"};
	v.stdout_truncated = 1;
	v.syscall = "ptrace";
	v.message = "line1\nline2 \xe2\x82";
	f0.path = "out.txt";
	f0.content = (ProtobufCBinaryData){5, (uint8_t *) "hello"};
	f0.executable = 1;
	f1.path = "big\xff";
	f1.truncated = 1;
	f1.error = "not a regular file";
	v.n_files = 2;
	v.files = files;
	v.seq = 18446744073709551615u;
	v.cpu_user_us = 3;
	v.cpu_system_us = 4;
	lim = (Judgebox__Limits){
		PROTOBUF_C_MESSAGE_INIT(&judgebox__limits__descriptor), 1, 2, 3, 4, 5, 6, 7, 8, 9};
	v.limits = &lim;
	v.n_denied_syscalls = 2;
	v.denied_syscalls = denied;
	v.version = JB_VERSION;
	char *s = json_of(&v);
	is_str(s,
	       "{\"id\":\"a\\\"b\\\\c/\\u0001\\u001f\\u007f\",\"status\":\"RUNTIME_ERROR\","
	       "\"exit_code\":-1,\"signal\":9,\"cpu_time_us\":1,\"wall_time_us\":2,"
	       "\"memory_peak_bytes\":18446744073709551615,"
	       "\"stdout\":\"hi\\n\\t\\r\\b\\f \xc3\xa9\xe2\x82\xac!\\\"\\\\\","
	       "\"stderr\":\"ab\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\\n\","
	       "\"stderr_base64\":\"YWL/wK96Cg==\","
	       "\"stdout_truncated\":true,\"stderr_truncated\":false,\"syscall\":\"ptrace\","
	       "\"message\":\"line1\\nline2 \xef\xbf\xbd\","
	       "\"files\":[{\"path\":\"out.txt\",\"content\":\"aGVsbG8=\",\"executable\":true,"
	       "\"truncated\":false,\"error\":\"\"},{\"path\":\"big\xef\xbf\xbd\",\"content\":\"\","
	       "\"executable\":false,\"truncated\":true,\"error\":\"not a regular file\"}],"
	       "\"seq\":18446744073709551615,\"cpu_user_us\":3,\"cpu_system_us\":4,"
	       "\"limits\":{\"cpu_time_ms\":1,\"wall_time_ms\":2,\"memory_bytes\":3,"
	       "\"processes\":4,\"output_bytes\":5,\"file_size_bytes\":6,\"stack_bytes\":7,"
	       "\"open_files\":8,\"box_bytes\":9},\"denied_syscalls\":[\"clone3\",\"rseq\"],"
	       "\"version\":\"" JB_VERSION "\",\"cpus\":\"\",\"interactor\":null}\n",
	       "json: a full verdict, escaped, with stderr_base64");
	free(s);
}

/* The "stdout":... part of the JSON of a verdict whose stdout is (p, n). */
static void json_stdout_case(const char *p, size_t n, const char *want, const char *name)
{
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	v.stdout = (ProtobufCBinaryData){n, (uint8_t *) p};
	char *s = json_of(&v);
	char *from = strstr(s, "\"stdout\":"), *to = strstr(s, ",\"stderr\":");
	if (from && to)
		*to = '\0';
	is_str(from, want, name);
	free(s);
}

#define FFFD			       "\xef\xbf\xbd"
#define STDOUT_CASE(bytes, want, name) json_stdout_case(bytes, sizeof(bytes) - 1, want, name)

static void test_json_utf8(void)
{
	STDOUT_CASE("\xc0\x80", "\"stdout\":\"" FFFD FFFD "\",\"stdout_base64\":\"wIA=\"",
		    "overlong 2-byte NUL: two U+FFFD");
	STDOUT_CASE("\xe0\x80\x80", "\"stdout\":\"" FFFD FFFD FFFD "\",\"stdout_base64\":\"4ICA\"",
		    "overlong 3-byte: three U+FFFD");
	STDOUT_CASE("\xed\xa0\x80", "\"stdout\":\"" FFFD FFFD FFFD "\",\"stdout_base64\":\"7aCA\"",
		    "surrogate: three U+FFFD");
	STDOUT_CASE("\xf4\x90\x80\x80",
		    "\"stdout\":\"" FFFD FFFD FFFD FFFD "\",\"stdout_base64\":\"9JCAgA==\"",
		    "above U+10FFFF: four U+FFFD");
	STDOUT_CASE("\xf4\x8f\xbf\xbf", "\"stdout\":\"\xf4\x8f\xbf\xbf\"", "U+10FFFF is valid");
	STDOUT_CASE("\xf0\x9f\x98\x80", "\"stdout\":\"\xf0\x9f\x98\x80\"", "an emoji is valid");
	STDOUT_CASE("\xed\x9f\xbf", "\"stdout\":\"\xed\x9f\xbf\"", "U+D7FF is valid");
	STDOUT_CASE("\xe2\x82", "\"stdout\":\"" FFFD "\",\"stdout_base64\":\"4oI=\"",
		    "a cut sequence at the end: one U+FFFD (maximal subpart)");
	STDOUT_CASE("\xe2\x82"
		    "A",
		    "\"stdout\":\"" FFFD "A\",\"stdout_base64\":\"4oJB\"",
		    "a cut sequence before ASCII: one U+FFFD, then the ASCII");
	STDOUT_CASE("\xf0\x9f\x98", "\"stdout\":\"" FFFD "\",\"stdout_base64\":\"8J+Y\"",
		    "a cut 4-byte sequence: one U+FFFD");
	STDOUT_CASE("\xf5\xff\x80", "\"stdout\":\"" FFFD FFFD FFFD "\",\"stdout_base64\":\"9f+A\"",
		    "bytes that never start a sequence: one U+FFFD each");
	STDOUT_CASE("a\0b", "\"stdout\":\"a\\u0000b\"", "NUL is \\u0000, valid UTF-8");
	STDOUT_CASE("\xe2\x80\xa8", "\"stdout\":\"\xe2\x80\xa8\"", "U+2028 is written as is");
}

static void test_json_base64(void)
{
	static const char *const want[] = {"", "YQ==", "YWI=", "YWJj", "YWJjZA=="};
	Judgebox__File f = JUDGEBOX__FILE__INIT, *fp = &f;
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	char expect[64];

	v.files = &fp;
	v.n_files = 1;
	for (size_t n = 0; n < 5; n++) {
		f.content = (ProtobufCBinaryData){n, (uint8_t *) "abcd"};
		char *s = json_of(&v);
		snprintf(expect, sizeof(expect), "\"content\":\"%s\"", want[n]);
		ok(strstr(s, expect) != NULL, "base64 of %zu bytes: %s", n, want[n]);
		free(s);
	}
	/* Across the encoder's 4096-character chunks. */
	uint8_t *zeros = calloc(6145, 1);
	char *big = malloc(8192 + 32);
	f.content = (ProtobufCBinaryData){6145, zeros};
	strcpy(big, "\"content\":\"");
	memset(big + 11, 'A', 8192);
	strcpy(big + 11 + 8192, "AA==\",");
	char *s = json_of(&v);
	ok(strstr(s, big) != NULL, "base64 of 6145 zero bytes: 8192 'A' and 'AA=='");
	free(s);
	free(big);
	free(zeros);

	v.n_files = 0;
	v.stdout = (ProtobufCBinaryData){3, (uint8_t *) "\xfb\xff\xbf"};
	s = json_of(&v);
	ok(strstr(s, "\"stdout_base64\":\"+/+/\"") != NULL, "base64 uses '+' and '/'");
	ok(strstr(s, "stderr_base64") == NULL, "no stderr_base64 for valid stderr");
	free(s);
}

static void test_json_write_error(void)
{
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	FILE *f = fopen("/dev/full", "we");
	if (!f) {
		ok(true, "# SKIP no /dev/full");
		return;
	}
	int r = job_verdict_json(&v, f);
	ok(r == -ENOSPC, "json to /dev/full returns -ENOSPC (got %d)", r);
	fclose(f);
}

static void test_verdict_pack(void)
{
	Judgebox__Verdict v = JUDGEBOX__VERDICT__INIT;
	Judgebox__Limits lim = JUDGEBOX__LIMITS__INIT;
	struct jb_err err = {0};
	uint8_t *buf = NULL;
	size_t len = 1;

	ok(job_verdict_pack(&v, &buf, &len, &err) == 0 && buf && len == 0,
	   "an empty verdict packs to 0 bytes");
	free(buf);
	v.id = "x";
	v.status = JUDGEBOX__STATUS__TIME_LIMIT;
	v.cpu_time_us = 1234567;
	v.stdout = (ProtobufCBinaryData){3, (uint8_t *) "a\0b"};
	lim.cpu_time_ms = 1000;
	v.limits = &lim;
	ok(job_verdict_pack(&v, &buf, &len, &err) == 0, "a verdict packs");
	Judgebox__Verdict *back = judgebox__verdict__unpack(NULL, len, buf);
	ok(back && !strcmp(back->id, "x") && back->status == JUDGEBOX__STATUS__TIME_LIMIT &&
		   back->cpu_time_us == 1234567 && back->stdout.len == 3 &&
		   !memcmp(back->stdout.data, "a\0b", 3) && back->limits &&
		   back->limits->cpu_time_ms == 1000,
	   "the packed verdict unpacks to the same fields");
	judgebox__verdict__free_unpacked(back, NULL);
	free(buf);
}

static void test_status_name(void)
{
	is_str(job_status_name(JUDGEBOX__STATUS__OK), "OK", "status name OK");
	is_str(job_status_name(JUDGEBOX__STATUS__WALL_TIME_LIMIT), "WALL_TIME_LIMIT",
	       "status name WALL_TIME_LIMIT");
	is_str(job_status_name(JUDGEBOX__STATUS__INTERNAL_ERROR), "INTERNAL_ERROR",
	       "status name INTERNAL_ERROR");
	is_str(job_status_name(JUDGEBOX__STATUS__STATUS_UNSPECIFIED), "STATUS_UNSPECIFIED",
	       "status name STATUS_UNSPECIFIED");
	is_str(job_status_name((Judgebox__Status) 99), "UNKNOWN", "status name of 99");
}

/* ---- framing ---- */

static void test_frame_write(void)
{
	int fds[2];
	struct jb_err err = {0};
	uint8_t body[300], got[400];

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t) i;
	if (!ok(pipe2(fds, O_CLOEXEC) == 0, "pipe"))
		return;
	ok(job_frame_write(fds[1], NULL, 0, &err) == 0, "write a zero-length frame");
	ok(job_frame_write(fds[1], body, 1, &err) == 0, "write a 1-byte frame");
	ok(job_frame_write(fds[1], body, 300, &err) == 0, "write a 300-byte frame");
	close(fds[1]);
	ssize_t n = read(fds[0], got, sizeof(got));
	ok(n == 1 + 2 + 302, "the frames take 305 bytes (got %zd)", n);
	ok(got[0] == 0x00 && got[1] == 0x01 && got[2] == 0x00 && got[3] == 0xac && got[4] == 0x02 &&
		   !memcmp(got + 5, body, 300),
	   "varint headers 00, 01, ac 02 and the bodies");
	close(fds[0]);

	/* A reader that went away: EPIPE (SIGPIPE ignored), not a crash. */
	ok(pipe2(fds, O_CLOEXEC) == 0, "pipe");
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	int r = job_frame_write(fds[1], body, 10, &err);
	ok(r == -EPIPE && err.kind == JB_ERR_INTERNAL &&
		   has_prefix(err.msg, "stream: write a frame of 10 bytes: "),
	   "a write error is returned with its message");
	close(fds[1]);
	signal(SIGPIPE, SIG_DFL);
}

/* Feed stream in pieces of step bytes, draining after each; frames are
 * concatenated as "len:body;" into out. Returns the last result. */
static int feed_all(struct job_frames *f, const uint8_t *stream, size_t n, size_t step, char *out,
		    size_t out_n, struct jb_err *err)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		int r = job_frames_feed(f, stream + i, k, err);
		if (r < 0)
			return r;
		const uint8_t *buf;
		size_t len;
		while ((r = job_frames_next(f, &buf, &len, err)) == 1)
			o += (size_t) snprintf(out + o, out_n - o, "%zu:%.*s;", len, (int) len,
					       (const char *) buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static void test_frames_split(void)
{
	static const uint8_t stream[] = {3,   'a', 'b', 'c', 0,	  0x80, 0x00, 1,
					 'z', 5,   'h', 'e', 'l', 'l',	'o'};
	struct jb_err err = {0};
	char out[256];

	for (size_t step = 1; step <= sizeof(stream); step++) {
		struct job_frames *f = NULL;
		job_frames_new(1000, &f, &err);
		int r = feed_all(f, stream, sizeof(stream), step, out, sizeof(out), &err);
		bool pass = r == 0 && !strcmp(out, "3:abc;0:;0:;1:z;5:hello;") &&
			    job_frames_pending(f) == 0;
		if (!ok(pass, "frames fed %zu byte(s) at a time", step))
			printf("#   r=%d out='%s' pending=%zu\n", r, out, job_frames_pending(f));
		job_frames_free(f);
	}
}

static void test_frames_cut_and_big(void)
{
	struct jb_err err = {0};
	struct job_frames *f = NULL;
	const uint8_t *buf;
	size_t len;
	char out[64];

	job_frames_new(1 << 20, &f, &err);
	static const uint8_t cut[] = {5, 'a', 'b', 'c'};
	job_frames_feed(f, cut, sizeof(cut), &err);
	ok(job_frames_next(f, &buf, &len, &err) == 0 && job_frames_pending(f) == 4,
	   "a cut frame: no frame, 4 bytes pending");
	job_frames_free(f);

	job_frames_new(1 << 20, &f, &err);
	static const uint8_t cut_varint[] = {2, 'o', 'k', 0x80};
	feed_all(f, cut_varint, sizeof(cut_varint), 4, out, sizeof(out), &err);
	ok(!strcmp(out, "2:ok;") && job_frames_pending(f) == 1,
	   "a cut varint after a frame: 1 byte pending");
	job_frames_free(f);

	/* 100000-byte frames arriving in 4096-byte reads, twice. */
	size_t body = 100000, total = 2 * (3 + body);
	uint8_t *s = malloc(total);
	for (size_t k = 0; k < 2; k++) {
		uint8_t *p = s + k * (3 + body);
		p[0] = 0xa0, p[1] = 0x8d, p[2] = 0x06; /* 100000 */
		memset(p + 3, 'a' + (int) k, body);
	}
	job_frames_new(body, &f, &err);
	size_t frames = 0;
	bool good = true;
	for (size_t i = 0; i < total; i += 4096) {
		job_frames_feed(f, s + i, total - i < 4096 ? total - i : 4096, &err);
		while (job_frames_next(f, &buf, &len, &err) == 1) {
			good = good && len == body && buf[0] == 'a' + (int) frames &&
			       buf[body - 1] == 'a' + (int) frames;
			frames++;
		}
	}
	ok(good && frames == 2 && job_frames_pending(f) == 0,
	   "two frames of exactly the cap, fed in 4096-byte reads");
	job_frames_free(f);
	free(s);
}

static void expect_lost(const uint8_t *stream, size_t n, size_t cap, const char *want,
			const char *name)
{
	struct jb_err err = {0};
	struct job_frames *f = NULL;
	const uint8_t *buf;
	size_t len;

	job_frames_new(cap, &f, &err);
	int r = job_frames_feed(f, stream, n, &err);
	if (r == 0)
		r = job_frames_next(f, &buf, &len, &err);
	ok(r == -EBADMSG && err.code == EBADMSG, "%s: -EBADMSG", name);
	is_str(err.msg, want, "... with its message");
	jb_err_clear(&err);
	ok(job_frames_next(f, &buf, &len, &err) == -EBADMSG && !strcmp(err.msg, want),
	   "%s: next stays lost", name);
	ok(job_frames_feed(f, (const uint8_t *) "\0", 1, &err) == -EBADMSG,
	   "%s: feed after it fails too", name);
	job_frames_free(f);
}

static void test_frames_bad(void)
{
	static const uint8_t over[] = {101};
	expect_lost(over, sizeof(over), 100, "stream: frame of 101 bytes is over the cap of 100",
		    "over the cap, seen from the header alone");
	static const uint8_t at_cap[] = {0x64};
	struct jb_err err = {0};
	struct job_frames *f = NULL;
	const uint8_t *buf;
	size_t len;
	job_frames_new(100, &f, &err);
	job_frames_feed(f, at_cap, 1, &err);
	ok(job_frames_next(f, &buf, &len, &err) == 0,
	   "a frame of exactly the cap waits for its body");
	job_frames_free(f);

	static const uint8_t long_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0x01};
	expect_lost(long_varint, sizeof(long_varint), 100,
		    "stream: bad frame length (a varint over 10 bytes)", "an 11-byte varint");
	static const uint8_t wide_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0x02};
	expect_lost(wide_varint, sizeof(wide_varint), 100,
		    "stream: bad frame length (a varint over 10 bytes)", "a varint over 64 bits");
	static const uint8_t max_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0x01};
	expect_lost(max_varint, sizeof(max_varint), SIZE_MAX - 1,
		    "stream: frame of 18446744073709551615 bytes is over the cap of "
		    "18446744073709551614",
		    "a 2^64-1 length");
	static const uint8_t after_good[] = {1, 'x', 0x7f};
	job_frames_new(10, &f, &err);
	job_frames_feed(f, after_good, sizeof(after_good), &err);
	ok(job_frames_next(f, &buf, &len, &err) == 1 && len == 1 && buf[0] == 'x',
	   "a good frame before a bad one is still returned");
	ok(job_frames_next(f, &buf, &len, &err) == -EBADMSG, "... then the framing is lost");
	job_frames_free(f);
	job_frames_free(NULL);
}

/* JSON lines: a frame per line, '\r' before '\n' dropped, a long line lost. */
static void test_frames_lines(void)
{
	struct job_frames *f = NULL;
	struct jb_err err = {0};
	const uint8_t *b;
	size_t n;
	ok(job_frames_new_lines(8, &f, &err) == 0, "lines: a reader");
	const char *in = "ab\r\n\ncd";
	for (size_t i = 0; in[i]; i++) /* a byte at a time */
		job_frames_feed(f, (const uint8_t *) in + i, 1, &err);
	int r1 = job_frames_next(f, &b, &n, &err);
	ok(r1 == 1 && n == 2 && !memcmp(b, "ab", 2), "lines: 'ab' without its \\r\\n");
	int r2 = job_frames_next(f, &b, &n, &err);
	ok(r2 == 1 && n == 0, "lines: an empty line");
	ok(job_frames_next(f, &b, &n, &err) == 0 && job_frames_pending(f) == 2,
	   "lines: 'cd' waits for its end");
	job_frames_feed(f, (const uint8_t *) "efghijk", 7, &err);
	ok(job_frames_next(f, &b, &n, &err) == -EBADMSG && strstr(err.msg, "more than 8 bytes"),
	   "lines: a line over the cap loses the stream (%s)", err.msg);
	job_frames_free(f);
}

int main(void)
{
	if (!mkdtemp(rootfs_dir) || !realpath(rootfs_dir, rootfs_canon)) {
		printf("1..0 # SKIP cannot make a temporary directory\n");
		return 77;
	}
	const char *allowed[] = {"/nonexistent-allowed", rootfs_canon};
	lim_ceilings_default(&cfg.ceilings);
	cfg.allowed_rootfs = allowed;
	cfg.n_allowed_rootfs = 2;

	test_roundtrip();
	test_frames_lines();
	test_argv_env_defaults();
	test_decode_errors();
	test_unknown_fields();
	test_wire_nesting();
	test_wire_caps();
	test_wire_fields_cap();
	test_wire_memory();
	test_wire_verdict();
	test_validate_argv_env();
	test_validate_files();
	test_validate_files_cap();
	test_validate_path_depth();
	test_validate_collect_policy();
	test_validate_rootfs();
	test_validate_limits_box();
	test_from_proto();
	test_box_path();
	test_box_path_lengths();
	test_json_empty();
	test_json_full();
	test_json_utf8();
	test_json_base64();
	test_json_write_error();
	test_verdict_pack();
	test_status_name();
	test_frame_write();
	test_frames_split();
	test_frames_cut_and_big();
	test_frames_bad();

	rmdir(rootfs_dir);
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
