/* libFuzzer target for job.c and wire.c. Each input is used four ways: as
 * one Job for job_decode, for the wire scan against protobuf-c, as the
 * innermost of thousands of nested interactors, and as a varint-delimited
 * stream fed to job_frames_* in pieces (each frame then decoded as a Job). Verdicts have their own target, fuzz_verdict.c. A
 * broken invariant traps, so the fuzzer reports it as a crash. */
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

#define FRAME_CAP 4096

static struct job_config cfg;
static const char *const allowed_rootfs[] = {"/"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	lim_ceilings_default(&cfg.ceilings);
	cfg.allowed_rootfs = allowed_rootfs;
	cfg.n_allowed_rootfs = 1;
	return 0;
}

/* A normalised box path: relative, no empty, "." or ".." component. */
static void check_box_path(const char *p)
{
	CHECK(p && p[0] != '\0' && p[0] != '/');
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");
		CHECK(n > 0 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		c += n + (c[n] == '/');
		CHECK(c[-1] != '/' || *c != '\0'); /* no trailing '/' */
	}
}

static void check_job(const struct job *j)
{
	const Judgebox__Job *pb = j->pb;

	CHECK(j->argv && j->argv[0] && j->argv[0][0] != '\0' && j->envp && j->envp[0]);
	CHECK(pb->executable.len == 0 || strcmp(j->argv[0], "/box/program") == 0);
	CHECK(j->policy && j->policy[0] != '\0');
	CHECK(j->limits.cpu_time_ms && j->limits.wall_time_ms && j->limits.memory_bytes &&
	      j->limits.processes && j->limits.output_bytes && j->limits.file_size_bytes &&
	      j->limits.stack_bytes && j->limits.open_files && j->limits.box_bytes);
	for (size_t i = 0; i < pb->n_files; i++)
		check_box_path(j->file_paths[i]);
	for (size_t i = 0; i < pb->n_collect; i++)
		check_box_path(j->collect_paths[i]);
	for (size_t i = 0; i < pb->n_env; i++)
		CHECK(strchr(j->envp[i], '=') && j->envp[i][0] != '=');
	CHECK((j->interactor != NULL) == (pb->interactor != NULL));
	if (j->interactor) {
		CHECK(!j->interactor->interactor && !j->interactor->owns_pb);
		check_job(j->interactor);
	}
}

static void decode_one(const uint8_t *data, size_t size)
{
	struct jb_err err = {0};
	struct job *j = NULL;
	int r = job_decode(data, size, &cfg, &j, &err);

	CHECK((r == 0) == (j != NULL));
	if (r == 0)
		check_job(j);
	else
		CHECK(err.msg[0] != '\0' && (err.kind == JB_ERR_INVALID || r == -ENOMEM));
	job_free(j);
}

/* The first byte chooses the size of the pieces the stream arrives in. */
static void frames(const uint8_t *data, size_t size)
{
	struct jb_err err = {0};
	struct job_frames *f = NULL;
	size_t step = size ? data[0] % 16 + 1 : 1, fed = 0;

	if (job_frames_new(FRAME_CAP, &f, &err) < 0)
		return;
	for (size_t i = 0; i < size; i += step) {
		size_t n = size - i < step ? size - i : step;
		if (job_frames_feed(f, data + i, n, &err) < 0)
			break;
		fed += n;
		const uint8_t *buf;
		size_t len;
		int r;
		while ((r = job_frames_next(f, &buf, &len, &err)) == 1) {
			CHECK(len <= FRAME_CAP);
			decode_one(buf, len);
		}
		CHECK(r == 0 || r == -EBADMSG);
		CHECK(job_frames_pending(f) <= fed);
		if (r < 0)
			break;
	}
	job_frames_free(f);
}

/* The wire scan and protobuf-c agree: what the scan passes unpacks, what it
 * finds malformed does not. A broken rule (nesting, caps, unknown fields)
 * means protobuf-c must not be asked; small inputs only, so that the
 * comparison itself cannot recurse too deep. */
static void scan_agrees(const uint8_t *data, size_t size)
{
	struct jb_err err = {0};
	int r = job_scan(data, size, &err);

	CHECK(r == 0 || r == -EBADMSG || r == -EINVAL);
	CHECK(r == 0 || (err.kind == JB_ERR_INVALID && err.msg[0] != '\0'));
	if (r == -EINVAL || size > 1024)
		return;
	Judgebox__Job *pb = judgebox__job__unpack(NULL, size, data);
	CHECK((r == 0) == (pb != NULL));
	if (pb)
		judgebox__job__free_unpacked(pb, NULL);
}

/* Inside two or more interactors, no job is valid: the nesting is refused
 * before protobuf-c could recurse (the first byte picks 2 to 17, or 10,000 to 16,000). */
static void nested(const uint8_t *data, size_t size)
{
	size_t depth = fuzz_depth(data, size), len;
	uint8_t *buf = fuzz_nest(data, size, 12, depth, &len);
	struct jb_err err = {0};
	struct job *j = NULL;

	if (!buf)
		return;
	CHECK(job_decode(buf, len, &cfg, &j, &err) < 0 && !j);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode_one(data, size);
	scan_agrees(data, size);
	nested(data, size);
	frames(data, size);
	return 0;
}
