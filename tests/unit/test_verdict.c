/* The contract's verdict rules (vd_decide), table-driven: the precedence of
 * every pair of conditions, the strict inequalities at their bounds, how the
 * main process ended (126/127, killed by judgebox), and the rlimit
 * backend's inexact memory rule. TAP. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tap.h"
#include "verdict.h"

#define MIB (1ULL << 20)

static const struct lim LIM = {
	.cpu_time_ms = 1000,
	.wall_time_ms = 3000,
	.memory_bytes = 64 * MIB,
	.processes = 64,
	.output_bytes = 1 * MIB,
	.file_size_bytes = 64 * MIB,
	.stack_bytes = 64 * MIB,
	.open_files = 256,
	.box_bytes = 64 * MIB,
};

/* A run that ended well: reaped, exit 0, within every limit, on a cgroup. */
static struct vd_facts clean(void)
{
	return (struct vd_facts){
		.main_reaped = true,
		.main_status = W_EXITCODE(0, 0),
		.cpu_us = 1000,
		.wall_us = 2000,
		.memory_peak_bytes = 1 * MIB,
		.cgroup = true,
	};
}

/* One condition each, in the contract's order of precedence. */
enum cond {
	C_INVALID,
	C_INTERNAL,
	C_VIOLATION,
	C_MEMORY,
	C_OUTPUT,
	C_XFSZ,
	C_TIME,
	C_WALL,
	C_SIGNALED,
	C_RUNTIME,
	C_COUNT
};

static const struct {
	const char *name;
	Judgebox__Status status;
} CONDS[C_COUNT] = {
	[C_INVALID] = {"invalid job", JUDGEBOX__STATUS__INVALID_JOB},
	[C_INTERNAL] = {"internal error", JUDGEBOX__STATUS__INTERNAL_ERROR},
	[C_VIOLATION] = {"violation", JUDGEBOX__STATUS__SYSCALL_VIOLATION},
	[C_MEMORY] = {"oom kill", JUDGEBOX__STATUS__MEMORY_LIMIT},
	[C_OUTPUT] = {"output over", JUDGEBOX__STATUS__OUTPUT_LIMIT},
	[C_XFSZ] = {"SIGXFSZ", JUDGEBOX__STATUS__OUTPUT_LIMIT},
	[C_TIME] = {"cpu over", JUDGEBOX__STATUS__TIME_LIMIT},
	[C_WALL] = {"wall over", JUDGEBOX__STATUS__WALL_TIME_LIMIT},
	[C_SIGNALED] = {"signaled", JUDGEBOX__STATUS__SIGNALED},
	[C_RUNTIME] = {"exit 3", JUDGEBOX__STATUS__RUNTIME_ERROR},
};

static void apply(struct vd_facts *f, enum cond c)
{
	switch (c) {
	case C_INVALID:
		f->internal_error = true;
		f->internal.kind = JB_ERR_INVALID;
		strcpy(f->internal.msg, "files[0].path: bad");
		break;
	case C_INTERNAL:
		f->internal_error = true;
		strcpy(f->internal.msg, "set-up failed");
		break;
	case C_VIOLATION:
		f->violation = true;
		f->syscall = "bpf";
		break;
	case C_MEMORY:
		f->oom_kills = 1;
		break;
	case C_OUTPUT:
		f->output_over = true;
		break;
	case C_XFSZ:
		f->sigxfsz = true;
		break;
	case C_TIME:
		f->cpu_us = LIM.cpu_time_ms * 1000 + 1;
		break;
	case C_WALL:
		f->wall_us = LIM.wall_time_ms * 1000 + 1;
		break;
	case C_SIGNALED:
		f->main_status = W_EXITCODE(0, SIGSEGV);
		break;
	case C_RUNTIME:
		f->main_status = W_EXITCODE(3, 0);
		break;
	case C_COUNT:
		break;
	}
}

/* Pairs that cannot hold together: one error record, one main status. */
static bool exclusive(enum cond a, enum cond b)
{
	return (a == C_INVALID && b == C_INTERNAL) || (a == C_SIGNALED && b == C_RUNTIME);
}

struct out {
	Judgebox__Status status;
	int code, sig;
	char *msg;
};

static struct out decide(const struct vd_facts *f, const struct lim *l)
{
	struct out o = {0};
	o.status = vd_decide(f, l, &o.code, &o.sig, &o.msg);
	return o;
}

static const char *name(Judgebox__Status s)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&judgebox__status__descriptor, s);
	return v ? v->name : "?";
}

static void expect(const struct vd_facts *f, Judgebox__Status want, const char *what)
{
	struct out o = decide(f, &LIM);
	ok(o.status == want, "%s: %s (got %s)", what, name(want), name(o.status));
	free(o.msg);
}

static void test_single(void)
{
	struct vd_facts f = clean();
	expect(&f, JUDGEBOX__STATUS__OK, "nothing wrong");
	for (int c = 0; c < C_COUNT; c++) {
		f = clean();
		apply(&f, c);
		expect(&f, CONDS[c].status, CONDS[c].name);
	}
	f = clean();
	f.stopping = true;
	expect(&f, JUDGEBOX__STATUS__INTERNAL_ERROR, "worker stopping");
}

/* The earlier condition of the pair wins, whichever it is. */
static void test_pairs(void)
{
	int n = 0, wrong = 0;
	for (int a = 0; a < C_COUNT; a++)
		for (int b = a + 1; b < C_COUNT; b++) {
			if (exclusive(a, b))
				continue;
			struct vd_facts f = clean();
			apply(&f, a);
			apply(&f, b);
			struct out o = decide(&f, &LIM);
			n++;
			if (o.status != CONDS[a].status) {
				wrong++;
				printf("# %s + %s: %s, want %s\n", CONDS[a].name, CONDS[b].name,
				       name(o.status), name(CONDS[a].status));
			}
			free(o.msg);
		}
	ok(wrong == 0 && n == 43, "precedence: %d pairs, %d wrong", n, wrong);
	struct vd_facts f = clean();
	f.stopping = true;
	apply(&f, C_VIOLATION);
	expect(&f, JUDGEBOX__STATUS__INTERNAL_ERROR, "stopping beats a violation");
}

static void test_bounds(void)
{
	struct vd_facts f = clean();
	f.cpu_us = LIM.cpu_time_ms * 1000;
	expect(&f, JUDGEBOX__STATUS__OK, "cpu exactly at the limit");
	f.cpu_us++;
	expect(&f, JUDGEBOX__STATUS__TIME_LIMIT, "cpu 1 us over");
	f = clean();
	f.wall_us = LIM.wall_time_ms * 1000;
	expect(&f, JUDGEBOX__STATUS__OK, "wall exactly at the limit");
	f.wall_us++;
	expect(&f, JUDGEBOX__STATUS__WALL_TIME_LIMIT, "wall 1 us over");
	f = clean();
	f.memory_peak_bytes = LIM.memory_bytes;
	expect(&f, JUDGEBOX__STATUS__OK, "cgroup: peak at the limit, no OOM kill");
	/* TIME_LIMIT however the program ended; exit code and signal say how. */
	f = clean();
	apply(&f, C_TIME);
	apply(&f, C_RUNTIME);
	struct out o = decide(&f, &LIM);
	ok(o.status == JUDGEBOX__STATUS__TIME_LIMIT && o.code == 3 && o.sig == 0,
	   "cpu over, then exit 3: TIME_LIMIT with exit_code 3");
	free(o.msg);
	f = clean();
	f.main_reaped = false;
	f.cpu_us = LIM.cpu_time_ms * 1000 + 50000;
	o = decide(&f, &LIM);
	ok(o.status == JUDGEBOX__STATUS__TIME_LIMIT && o.sig == SIGKILL && o.code == 0,
	   "killed by judgebox: signal 9");
	free(o.msg);
}

static void test_exec(void)
{
	static const struct {
		int err, code;
	} cases[] = {{ENOENT, 127}, {EACCES, 126}, {ENOEXEC, 126}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vd_facts f = clean();
		f.main_status = W_EXITCODE(cases[i].code, 0);
		f.exec_errno = cases[i].err;
		f.exec_path = "/box/prog";
		struct out o = decide(&f, &LIM);
		ok(o.status == JUDGEBOX__STATUS__RUNTIME_ERROR && o.code == cases[i].code &&
			   o.msg && strstr(o.msg, "cannot execute '/box/prog'") &&
			   strstr(o.msg, strerror(cases[i].err)),
		   "execve %s: RUNTIME_ERROR %d, message '%s'", strerror(cases[i].err),
		   cases[i].code, o.msg ? o.msg : "");
		free(o.msg);
	}
}

/* Without a cgroup: a non-OK end with the peak within 1 MiB of the limit. */
static void test_rlimits(void)
{
	struct vd_facts f = clean();
	f.cgroup = false;
	f.main_status = W_EXITCODE(0, SIGSEGV);
	f.memory_peak_bytes = LIM.memory_bytes - MIB;
	struct out o = decide(&f, &LIM);
	ok(o.status == JUDGEBOX__STATUS__MEMORY_LIMIT && o.msg && strstr(o.msg, "inexact"),
	   "rlimits: non-OK, peak exactly 1 MiB under: MEMORY_LIMIT, message says inexact");
	free(o.msg);
	f.memory_peak_bytes--;
	expect(&f, JUDGEBOX__STATUS__SIGNALED, "rlimits: non-OK, peak 1 MiB + 1 under");
	f.main_status = W_EXITCODE(0, 0);
	f.memory_peak_bytes = LIM.memory_bytes;
	expect(&f, JUDGEBOX__STATUS__OK, "rlimits: an OK end at the limit stays OK");
	f.oom_kills = 3;
	f.memory_peak_bytes = MIB;
	f.main_status = W_EXITCODE(0, SIGKILL);
	expect(&f, JUDGEBOX__STATUS__SIGNALED, "rlimits: oom counters are not read");
}

static void test_messages(void)
{
	struct vd_facts f = clean();
	apply(&f, C_INVALID);
	struct out o = decide(&f, &LIM);
	ok(o.code == 0 && o.sig == 0 && o.msg && !strcmp(o.msg, "files[0].path: bad"),
	   "INVALID_JOB: no exit code or signal, the message as found");
	free(o.msg);
	f = clean();
	f.ended_by_peer = true;
	f.main_reaped = false;
	o = decide(&f, &LIM);
	ok(o.status == JUDGEBOX__STATUS__SIGNALED && o.msg &&
		   !strcmp(o.msg, "killed 1 s after its interactor ended"),
	   "killed after its interactor ended: SIGNALED, saying so");
	free(o.msg);
	f = clean();
	f.ended_by_peer = true;
	o = decide(&f, &LIM);
	ok(o.status == JUDGEBOX__STATUS__OK && (!o.msg || !*o.msg),
	   "ended by itself after its interactor: OK, no message");
	free(o.msg);
	f = clean();
	apply(&f, C_VIOLATION);
	o = decide(&f, &LIM);
	ok(o.msg && strstr(o.msg, "'bpf'"), "violation: the message names the call");
	free(o.msg);
}

int main(void)
{
	test_single();
	test_pairs();
	test_bounds();
	test_exec();
	test_rlimits();
	test_messages();
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
