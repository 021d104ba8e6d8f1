/* Unit tests for lim.c: size/time/integer parsing, defaults and ceilings,
 * and the rlimits set in a forked child. TAP on stdout. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "lim.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static void diag_u64(const char *what, uint64_t got, uint64_t want)
{
	printf("#   %s: got %" PRIu64 ", want %" PRIu64 "\n", what, got, want);
}

static bool is_u64(uint64_t got, uint64_t want, const char *name)
{
	if (!ok(got == want, "%s", name))
		diag_u64(name, got, want);
	return got == want;
}

static bool is_str(const char *got, const char *want, const char *name)
{
	bool pass = strcmp(got, want) == 0;
	if (!ok(pass, "%s", name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got, want);
	return pass;
}

/* ---- parsing ---- */

struct parse_case {
	const char *in;
	uint64_t want; /* when ok */
	bool ok;
};

typedef int (*parse_fn)(const char *s, uint64_t *ret, struct jb_err *err);

static int parse_uint_1000(const char *s, uint64_t *ret, struct jb_err *err)
{
	return lim_parse_uint(s, 1000, ret, err);
}

static void run_parse(const char *name, parse_fn fn, const struct parse_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct jb_err err = {0};
		uint64_t v = 12345;
		int r = fn(c[i].in, &v, &err);
		if (c[i].ok) {
			if (ok(r == 0 && v == c[i].want, "%s('%s') = %" PRIu64, name, c[i].in,
			       c[i].want))
				continue;
			printf("#   r=%d v=%" PRIu64 " msg='%s'\n", r, v, err.msg);
			continue;
		}
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", c[i].in);
		bool pass = r == -EINVAL && err.kind == JB_ERR_INVALID && strstr(err.msg, quoted) &&
			    v == 12345;
		if (!ok(pass, "%s('%s') is rejected, quoting the input", name, c[i].in))
			printf("#   r=%d kind=%d msg='%s'\n", r, err.kind, err.msg);
	}
}

static void test_parse_size(void)
{
	static const struct parse_case c[] = {
		{"256M", 256 * MIB, true},
		{"1G", GIB, true},
		{"4096", 4096, true},
		{"1.5G", GIB + GIB / 2, true},
		{"64k", 64 * KIB, true},
		{"64KiB", 64 * KIB, true},
		{"64kib", 64 * KIB, true},
		{"2MB", 2 * MIB, true},
		{"1T", GIB * KIB, true},
		{"0", 0, true},
		{"4096B", 4096, true},
		{"0.5K", 512, true},
		{"1.5", 2, true}, /* fractions of a byte round up */
		{"0.001K", 2, true},
		{"16777215T", UINT64_MAX - GIB * KIB + 1, true},
		{"18446744073709551615", UINT64_MAX, true},
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"abc", 0, false},
		{"1X", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{" 1", 0, false},
		{"1 M", 0, false},
		{"1Mi", 0, false},
		{"1MiBB", 0, false},
		{"1iB", 0, false},
		{"1e3", 0, false},
		{"1M ", 0, false},
		{"16777216T", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999999999", 0, false},
	};
	run_parse("lim_parse_size", lim_parse_size, c, sizeof(c) / sizeof(c[0]));

	struct jb_err err = {0};
	uint64_t v;
	lim_parse_size("17179869184G", &v, &err);
	is_str(err.msg, "size '17179869184G' is too large", "lim_parse_size overflow message");
}

static void test_parse_seconds(void)
{
	static const struct parse_case c[] = {
		{"1", 1000, true},
		{"0.5", 500, true},
		{"2.25s", 2250, true},
		{"1500ms", 1500, true},
		{"0.0001", 1, true}, /* rounded up */
		{"1.5ms", 2, true},
		{"0", 0, true},
		{"2S", 2000, true},
		{"3600", 3600000, true},
		{"0.0000000000000000000001", 1, true}, /* beyond the kept digits */
		{"18446744073709551615ms", UINT64_MAX, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1m", 0, false},
		{"abc", 0, false},
		{"1.5.5", 0, false},
		{"1sec", 0, false},
		{"s", 0, false},
		{"1 s", 0, false},
		{"18446744073709552", 0, false}, /* seconds: over UINT64_MAX ms */
		{"99999999999999999999", 0, false},
	};
	run_parse("lim_parse_seconds", lim_parse_seconds, c, sizeof(c) / sizeof(c[0]));
}

static void test_parse_uint(void)
{
	static const struct parse_case c[] = {
		{"0", 0, true},	   {"42", 42, true},   {"1000", 1000, true},
		{"007", 7, true},  {"1001", 0, false}, {"-1", 0, false},
		{"1.0", 0, false}, {"", 0, false},     {"0x10", 0, false},
		{"10k", 0, false}, {" 1", 0, false},   {"99999999999999999999999", 0, false},
	};
	run_parse("lim_parse_uint(max 1000)", parse_uint_1000, c, sizeof(c) / sizeof(c[0]));

	struct jb_err err = {0};
	uint64_t v;
	lim_parse_uint("1001", 1000, &v, &err);
	is_str(err.msg, "'1001' is above the maximum 1000", "lim_parse_uint above-max message");
	lim_parse_uint("x1", 1000, &v, &err);
	is_str(err.msg, "'x1' is not an unsigned integer", "lim_parse_uint junk message");
	ok(lim_parse_uint("18446744073709551615", UINT64_MAX, &v, &err) == 0 && v == UINT64_MAX,
	   "lim_parse_uint takes UINT64_MAX");
	ok(lim_parse_uint("18446744073709551615x", UINT64_MAX, &v, &err) < 0,
	   "lim_parse_uint rejects junk after UINT64_MAX");
}

/* ---- defaults and ceilings ---- */

static uint64_t half_ram(void)
{
	return (uint64_t) sysconf(_SC_PHYS_PAGES) * (uint64_t) sysconf(_SC_PAGESIZE) / 2;
}

static void test_ceilings_default(void)
{
	struct lim c;
	uint64_t mem = half_ram() > 256 * MIB ? half_ram() : 256 * MIB;

	lim_ceilings_default(&c);
	is_u64(c.cpu_time_ms, 3600000, "ceiling cpu 3600 s");
	is_u64(c.wall_time_ms, 7200000, "ceiling wall 7200 s");
	is_u64(c.memory_bytes, mem, "ceiling memory = half the RAM");
	is_u64(c.processes, 1024, "ceiling processes 1024");
	is_u64(c.output_bytes, GIB, "ceiling output 1 GiB");
	is_u64(c.file_size_bytes, 4 * GIB, "ceiling file size 4 GiB");
	is_u64(c.stack_bytes, c.memory_bytes, "ceiling stack = memory ceiling");
	is_u64(c.open_files, 65536, "ceiling open files 65536");
	is_u64(c.box_bytes, half_ram() > 64 * MIB ? half_ram() : 64 * MIB,
	       "ceiling box = half the RAM");
}

static const struct lim big = {
	.cpu_time_ms = UINT64_MAX / 4,
	.wall_time_ms = UINT64_MAX / 4,
	.memory_bytes = UINT64_MAX / 4,
	.processes = UINT32_MAX,
	.output_bytes = UINT64_MAX / 4,
	.file_size_bytes = UINT64_MAX / 4,
	.stack_bytes = UINT64_MAX / 4,
	.open_files = UINT32_MAX,
	.box_bytes = UINT64_MAX / 4,
};

static void check_lim(const struct lim *got, const struct lim *want, const char *name)
{
	/* Field by field: the padding after processes is not part of the value. */
	bool same = got->cpu_time_ms == want->cpu_time_ms &&
		    got->wall_time_ms == want->wall_time_ms &&
		    got->memory_bytes == want->memory_bytes && got->processes == want->processes &&
		    got->output_bytes == want->output_bytes &&
		    got->file_size_bytes == want->file_size_bytes &&
		    got->stack_bytes == want->stack_bytes && got->open_files == want->open_files &&
		    got->box_bytes == want->box_bytes;
	if (ok(same, "%s", name))
		return;
	diag_u64("cpu_time_ms", got->cpu_time_ms, want->cpu_time_ms);
	diag_u64("wall_time_ms", got->wall_time_ms, want->wall_time_ms);
	diag_u64("memory_bytes", got->memory_bytes, want->memory_bytes);
	diag_u64("processes", got->processes, want->processes);
	diag_u64("output_bytes", got->output_bytes, want->output_bytes);
	diag_u64("file_size_bytes", got->file_size_bytes, want->file_size_bytes);
	diag_u64("stack_bytes", got->stack_bytes, want->stack_bytes);
	diag_u64("open_files", got->open_files, want->open_files);
	diag_u64("box_bytes", got->box_bytes, want->box_bytes);
}

static const struct lim defaults = {
	.cpu_time_ms = 10000,
	.wall_time_ms = 21000,
	.memory_bytes = 256 * MIB,
	.processes = 64,
	.output_bytes = 16 * MIB,
	.file_size_bytes = 64 * MIB,
	.stack_bytes = 256 * MIB,
	.open_files = 256,
	.box_bytes = 64 * MIB,
};

static void test_resolve_defaults(void)
{
	struct lim got, ceil;
	struct jb_err err = {0};
	Judgebox__Limits in = JUDGEBOX__LIMITS__INIT;

	memset(&got, 0xab, sizeof(got));
	ok(lim_resolve(NULL, &big, &got, &err) == 0, "lim_resolve(NULL) succeeds");
	check_lim(&got, &defaults, "NULL limits take the documented defaults");
	ok(lim_resolve(&in, &big, &got, &err) == 0, "lim_resolve(all 0) succeeds");
	check_lim(&got, &defaults, "all-0 limits take the documented defaults");
	lim_ceilings_default(&ceil);
	ok(lim_resolve(NULL, &ceil, &got, &err) == 0, "defaults fit the default ceilings");
	check_lim(&got, &defaults, "defaults under the default ceilings");
	ok(lim_resolve(NULL, NULL, &got, &err) == 0, "NULL ceilings are the default ceilings");
	check_lim(&got, &defaults, "defaults under NULL ceilings");

	in.cpu_time_ms = 2000;
	in.memory_bytes = GIB;
	in.box_bytes = 128 * MIB;
	struct lim want = defaults;
	want.cpu_time_ms = 2000;
	want.wall_time_ms = 5000;
	want.memory_bytes = GIB;
	want.stack_bytes = GIB;
	want.box_bytes = 128 * MIB;
	want.file_size_bytes = 128 * MIB;
	ok(lim_resolve(&in, &big, &got, &err) == 0, "lim_resolve(cpu, memory, box) succeeds");
	check_lim(&got, &want, "wall = 2 cpu + 1 s, stack = memory, file size = box");

	in = (Judgebox__Limits) JUDGEBOX__LIMITS__INIT;
	in.cpu_time_ms = 1;
	in.wall_time_ms = 2;
	in.memory_bytes = 3;
	in.processes = 4;
	in.output_bytes = 5;
	in.file_size_bytes = 6;
	in.stack_bytes = 7;
	in.open_files = 8;
	in.box_bytes = 9;
	want = (struct lim){1, 2, 3, 4, 5, 6, 7, 8, 9};
	ok(lim_resolve(&in, &big, &got, &err) == 0, "lim_resolve(all given) succeeds");
	check_lim(&got, &want, "given values are kept as they are");
}

static void set_field(Judgebox__Limits *l, int i, uint64_t v)
{
	switch (i) {
	case 0:
		l->cpu_time_ms = v;
		break;
	case 1:
		l->wall_time_ms = v;
		break;
	case 2:
		l->memory_bytes = v;
		break;
	case 3:
		l->processes = (uint32_t) v;
		break;
	case 4:
		l->output_bytes = v;
		break;
	case 5:
		l->file_size_bytes = v;
		break;
	case 6:
		l->stack_bytes = v;
		break;
	case 7:
		l->open_files = (uint32_t) v;
		break;
	case 8:
		l->box_bytes = v;
		break;
	}
}

static void test_resolve_ceilings(void)
{
	static const char *const names[] = {"cpu_time_ms", "wall_time_ms", "memory_bytes",
					    "processes",   "output_bytes", "file_size_bytes",
					    "stack_bytes", "open_files",   "box_bytes"};
	struct lim ceil, got;
	struct jb_err err = {0};

	lim_ceilings_default(&ceil);
	ceil.memory_bytes = 12884901888;
	Judgebox__Limits in = JUDGEBOX__LIMITS__INIT;
	in.memory_bytes = 1099511627776;
	ok(lim_resolve(&in, &ceil, &got, &err) == -EINVAL && err.kind == JB_ERR_INVALID,
	   "memory above the ceiling is INVALID");
	is_str(err.msg, "limits.memory_bytes: 1099511627776 is above the ceiling 12884901888",
	       "above-ceiling message names the field and both figures");

	/* Each field: at its ceiling is fine, one above is refused by name. */
	struct lim small = {100, 200, 300, 400, 500, 600, 700, 800, 900};
	for (int i = 0; i < 9; i++) {
		uint64_t c = 100 * (uint64_t) (i + 1); /* small's field i */
		Judgebox__Limits one = JUDGEBOX__LIMITS__INIT;
		set_field(&one, i, c);
		int r = lim_resolve(&one, &small, &got, &err);
		ok(r == 0, "limits.%s at its ceiling %" PRIu64 " is accepted", names[i], c);
		set_field(&one, i, c + 1);
		r = lim_resolve(&one, &small, &got, &err);
		char want[128];
		snprintf(want, sizeof(want), "limits.%s: %" PRIu64 " is above the ceiling %" PRIu64,
			 names[i], c + 1, c);
		ok(r == -EINVAL && err.kind == JB_ERR_INVALID, "limits.%s above the ceiling fails",
		   names[i]);
		is_str(err.msg, want, "... and the message names the field");
	}
}

static void test_resolve_capped_defaults(void)
{
	struct lim ceil = big, got, want;
	struct jb_err err = {0};

	/* Derived defaults are lowered to their ceilings, never an error. */
	ceil.wall_time_ms = 15000;
	ceil.file_size_bytes = 32 * MIB;
	ceil.stack_bytes = 128 * MIB;
	want = defaults;
	want.wall_time_ms = 15000;
	want.file_size_bytes = 32 * MIB;
	want.stack_bytes = 128 * MIB;
	ok(lim_resolve(NULL, &ceil, &got, &err) == 0, "derived defaults above ceilings: no error");
	check_lim(&got, &want, "derived defaults are capped at their ceilings");

	/* Plain defaults too: a ceiling below the default becomes the default. */
	ceil = (struct lim){5000, 8000, 128 * MIB, 16, MIB, 4 * GIB, 4 * GIB, 32, 8 * MIB};
	want = (struct lim){5000, 8000, 128 * MIB, 16, MIB, 8 * MIB, 128 * MIB, 32, 8 * MIB};
	ok(lim_resolve(NULL, &ceil, &got, &err) == 0, "low ceilings: defaults still resolve");
	check_lim(&got, &want, "plain defaults are capped at the ceilings");

	/* Overflow of the derived wall time saturates instead of wrapping. */
	Judgebox__Limits in = JUDGEBOX__LIMITS__INIT;
	in.cpu_time_ms = UINT64_MAX - 1;
	ceil = big;
	ceil.cpu_time_ms = UINT64_MAX;
	ceil.wall_time_ms = UINT64_MAX;
	ok(lim_resolve(&in, &ceil, &got, &err) == 0 && got.wall_time_ms == UINT64_MAX,
	   "derived wall time saturates");

	/* A ceiling of 0 is no ceiling at all. */
	ceil = (struct lim){0};
	in = (Judgebox__Limits) JUDGEBOX__LIMITS__INIT;
	in.memory_bytes = UINT64_MAX;
	ok(lim_resolve(&in, &ceil, &got, &err) == 0 && got.memory_bytes == UINT64_MAX &&
		   got.cpu_time_ms == 10000,
	   "a 0 ceiling is no ceiling");
}

static void test_to_proto(void)
{
	struct lim l = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	Judgebox__Limits p;

	memset(&p, 0xff, sizeof(p));
	lim_to_proto(&l, &p);
	ok(p.base.descriptor == &judgebox__limits__descriptor && p.base.n_unknown_fields == 0 &&
		   p.cpu_time_ms == 1 && p.wall_time_ms == 2 && p.memory_bytes == 3 &&
		   p.processes == 4 && p.output_bytes == 5 && p.file_size_bytes == 6 &&
		   p.stack_bytes == 7 && p.open_files == 8 && p.box_bytes == 9,
	   "lim_to_proto copies every field into an initialised message");
}

/* ---- rlimits, in a forked child ---- */

static const int resources[] = {RLIMIT_FSIZE, RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_CORE,
				RLIMIT_CPU,   RLIMIT_DATA,  RLIMIT_NPROC,  RLIMIT_AS};
#define N_RES (sizeof(resources) / sizeof(resources[0]))

struct child_report {
	int r;
	struct rlimit got[N_RES];
	char msg[JB_ERR_MSG_MAX];
};

/* Fork, optionally lower NOFILE's hard limit and drop every capability,
 * apply l, and report what getrlimit then says. */
static bool apply_in_child(const struct lim *l, bool fallback, bool unprivileged,
			   bool init_shares_uid, struct child_report *rep)
{
	int fds[2];
	if (pipe(fds) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		struct child_report c = {0};
		struct jb_err err = {0};
		close(fds[0]);
		if (unprivileged) {
			struct rlimit rl = {64, 100};
			cap_t none = cap_init();
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || !none || cap_set_proc(none) < 0)
				_exit(3);
		}
		c.r = lim_apply_rlimits(l, fallback, init_shares_uid, &err);
		if (c.r >= 0) /* apart: the child sets it after its seccomp listener */
			c.r = lim_apply_nofile(l, &err);
		memcpy(c.msg, err.msg, sizeof(c.msg));
		for (size_t i = 0; i < N_RES; i++)
			getrlimit(resources[i], &c.got[i]);
		_exit(write(fds[1], &c, sizeof(c)) == (ssize_t) sizeof(c) ? 0 : 2);
	}
	close(fds[1]);
	ssize_t n = pid > 0 ? read(fds[0], rep, sizeof(*rep)) : -1;
	close(fds[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return n == (ssize_t) sizeof(*rep) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool rl_is(const struct rlimit *got, uint64_t soft, uint64_t hard, const char *name)
{
	bool pass = got->rlim_cur == soft && got->rlim_max == hard;
	if (!ok(pass, "%s = %" PRIu64 "/%" PRIu64, name, soft, hard))
		printf("#   got %llu/%llu\n", (unsigned long long) got->rlim_cur,
		       (unsigned long long) got->rlim_max);
	return pass;
}

static void test_apply_rlimits(void)
{
	/* valgrind keeps its own NOFILE, DATA and STACK limits and refuses to
	 * change them: a forked child is still under it. */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload")) {
		printf("ok %d # SKIP lim_apply_rlimits: valgrind virtualises rlimits\n", ++t_n);
		return;
	}

	struct lim l = {1500, 4000, 300 * MIB, 20, MIB, 5 * MIB, 8 * MIB, 77, 64 * MIB};
	struct child_report rep;
	struct rlimit data, nproc, as;

	getrlimit(RLIMIT_DATA, &data);
	getrlimit(RLIMIT_NPROC, &nproc);
	getrlimit(RLIMIT_AS, &as);
	if (!ok(apply_in_child(&l, false, false, true, &rep) && rep.r == 0, "apply (cgroup mode)"))
		printf("#   r=%d msg='%s'\n", rep.r, rep.msg);
	rl_is(&rep.got[0], 5 * MIB, 5 * MIB, "RLIMIT_FSIZE = file_size_bytes");
	rl_is(&rep.got[1], 8 * MIB, 8 * MIB, "RLIMIT_STACK = stack_bytes");
	rl_is(&rep.got[2], 77, 77, "RLIMIT_NOFILE = open_files");
	rl_is(&rep.got[3], 0, 0, "RLIMIT_CORE = 0");
	rl_is(&rep.got[4], 3, 4, "RLIMIT_CPU = ceil(1.5 s) + 1, hard + 1");
	rl_is(&rep.got[5], data.rlim_cur, data.rlim_max, "RLIMIT_DATA untouched with cgroups");
	rl_is(&rep.got[6], nproc.rlim_cur, nproc.rlim_max, "RLIMIT_NPROC untouched with cgroups");
	rl_is(&rep.got[7], as.rlim_cur, as.rlim_max, "RLIMIT_AS never touched");

	l.cpu_time_ms = 1000;
	if (!ok(apply_in_child(&l, true, false, true, &rep) && rep.r == 0, "apply (fallback mode)"))
		printf("#   r=%d msg='%s'\n", rep.r, rep.msg);
	rl_is(&rep.got[4], 2, 3, "RLIMIT_CPU = 1 s + 1, hard + 1");
	rl_is(&rep.got[5], 300 * MIB, 300 * MIB, "RLIMIT_DATA = memory_bytes in fallback");
	rl_is(&rep.got[6], 21, 21, "RLIMIT_NPROC = processes + 1 in fallback (init counted)");
	/* init under an id of its own (a root supervisor) is not counted. */
	if (!ok(apply_in_child(&l, true, false, false, &rep) && rep.r == 0,
		"apply (fallback mode, init's own id)"))
		printf("#   r=%d msg='%s'\n", rep.r, rep.msg);
	rl_is(&rep.got[6], 20, 20, "RLIMIT_NPROC = processes when init has its own uid");
	rl_is(&rep.got[7], as.rlim_cur, as.rlim_max, "RLIMIT_AS never touched in fallback");

	/* Without CAP_SYS_RESOURCE a hard limit cannot be raised: the host's
	 * lower hard limit holds instead of the set-up failing. */
	l.open_files = 256;
	if (!ok(apply_in_child(&l, false, true, true, &rep) && rep.r == 0, "apply unprivileged"))
		printf("#   r=%d msg='%s'\n", rep.r, rep.msg);
	rl_is(&rep.got[2], 100, 100, "RLIMIT_NOFILE above the hard limit keeps the hard limit");
	rl_is(&rep.got[0], 5 * MIB, 5 * MIB, "RLIMIT_FSIZE still set unprivileged");
}

int main(void)
{
	test_parse_size();
	test_parse_seconds();
	test_parse_uint();
	test_ceilings_default();
	test_resolve_defaults();
	test_resolve_ceilings();
	test_resolve_capped_defaults();
	test_to_proto();
	test_apply_rlimits();
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
