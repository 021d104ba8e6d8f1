/* libFuzzer target for the Verdict decoder of `show` and `submit`
 * (job_verdict_unpack: wire scan, then protobuf-c) and the JSON printer;
 * each input also as the innermost of thousands of nested Verdicts.
 * A broken invariant traps, so the fuzzer reports it as a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "nest.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* The JSON is one line: no raw control byte before the final newline. */
static void check_json(const Judgebox__Verdict *v)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f)
		return;
	CHECK(job_verdict_json(v, f) == 0);
	fclose(f);
	CHECK(n >= 2 && out[0] == '{' && out[n - 2] == '}' && out[n - 1] == '\n');
	for (size_t i = 0; i + 1 < n; i++)
		CHECK((unsigned char) out[i] >= 0x20);
	free(out);
}

/* What the scan finds malformed, protobuf-c refuses too (small inputs only:
 * protobuf-c itself recurses once per nested level). */
static void check_refused(const uint8_t *data, size_t size)
{
	if (size > 1024)
		return;
	Judgebox__Verdict *raw = judgebox__verdict__unpack(NULL, size, data);
	CHECK(raw == NULL);
}

/* Two interactors deep or more (2 to 17, or 10,000 to 16,000: the first
 * byte says), show
 * refuses the verdict before protobuf-c or the JSON printer recurse. */
static void nested(const uint8_t *data, size_t size)
{
	size_t depth = fuzz_depth(data, size), len;
	uint8_t *buf = fuzz_nest(data, size, 22, depth, &len);
	Judgebox__Verdict *v = NULL;

	if (!buf)
		return;
	CHECK(job_verdict_unpack(buf, len, &v, NULL) < 0 && !v);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jb_err err = {0};
	Judgebox__Verdict *v = NULL;
	int r = job_verdict_unpack(data, size, &v, &err);

	CHECK(r == 0 || r == -EBADMSG || r == -EINVAL);
	CHECK((r == 0) == (v != NULL));
	if (r < 0)
		CHECK(err.kind == JB_ERR_INVALID && err.msg[0] != '\0');
	if (r == -EBADMSG)
		check_refused(data, size);
	if (v) {
		/* An interactor's verdict holds no other: show's recursion is bounded. */
		CHECK(!v->interactor || !v->interactor->interactor);
		check_json(v);
		judgebox__verdict__free_unpacked(v, NULL);
	}
	nested(data, size);
	return 0;
}
