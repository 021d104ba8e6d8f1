/* A Job as JSON -> the protobuf Job (jobjson.c): every field of the mapping,
 * and every way a JSON job is refused, each naming its field. TAP. */
#include <stdlib.h>
#include <string.h>

#include "jobjson.h"
#include "judgebox.pb-c.h"
#include "tap.h"

static Judgebox__Job *parse(const char *json, struct jb_err *err)
{
	uint8_t *pb = NULL;
	size_t len = 0;
	memset(err, 0, sizeof(*err));
	if (jobjson_to_pb(json, strlen(json), &pb, &len, NULL, 0, err) < 0)
		return NULL;
	Judgebox__Job *j = judgebox__job__unpack(NULL, len, pb);
	free(pb);
	return j;
}

static void test_full(void)
{
	struct jb_err err;
	Judgebox__Job *j =
		parse("{\"id\":\"t1\",\"argv\":[\"./prog\",\"a b\"],\"env\":[\"K=V\"],"
		      "\"executable_base64\":\"f0VMRg==\",\"stdin\":\"h\\u00e9\\n\","
		      "\"limits\":{\"cpu_time_ms\":1500,\"memory_bytes\":\"18446744073709551615\","
		      "\"processes\":4294967295,\"open_files\":3},\"policy\":\"ci\","
		      "\"files\":[{\"path\":\"a.txt\",\"content\":\"x\"},"
		      "{\"path\":\"b\",\"content_base64\":\"AAE=\",\"executable\":true}],"
		      "\"rootfs\":\"\",\"collect\":[\"out.txt\"],\"stdin_file\":\"\","
		      "\"interactor\":{\"argv\":[\"/bin/true\"],\"limits\":{\"wall_time_ms\":7}}}",
		      &err);
	ok(j != NULL, "a job with every field: parsed (%s)", err.msg);
	if (!j)
		return;
	ok(!strcmp(j->id, "t1") && j->n_argv == 2 && !strcmp(j->argv[1], "a b") && j->n_env == 1,
	   "strings and repeated strings");
	ok(j->executable.len == 4 && !memcmp(j->executable.data,
					     "\x7f"
					     "ELF",
					     4),
	   "bytes from NAME_base64");
	ok(j->stdin.len == 4 && !memcmp(j->stdin.data, "h\xc3\xa9\n", 4),
	   "bytes from UTF-8 text, as its UTF-8 bytes");
	ok(j->limits && j->limits->cpu_time_ms == 1500 && j->limits->memory_bytes == UINT64_MAX &&
		   j->limits->processes == UINT32_MAX && j->limits->open_files == 3,
	   "numbers, and a 64-bit one as a decimal string");
	ok(j->n_files == 2 && !strcmp(j->files[0]->path, "a.txt") &&
		   j->files[0]->content.len == 1 && !j->files[0]->executable &&
		   j->files[1]->content.len == 2 && j->files[1]->content.data[1] == 1 &&
		   j->files[1]->executable,
	   "repeated messages with bytes and bools");
	ok(j->n_collect == 1 && !strcmp(j->policy, "ci") && j->interactor &&
		   j->interactor->limits && j->interactor->limits->wall_time_ms == 7,
	   "the interactor, a nested Job");
	judgebox__job__free_unpacked(j, NULL);
	j = parse("{}", &err);
	ok(j && j->n_argv == 0 && !j->limits, "the empty object is the empty Job");
	if (j)
		judgebox__job__free_unpacked(j, NULL);
}

/* Each bad job is INVALID_JOB and its message starts with what it names. */
static void test_refused(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"{\"argv\":[\"a\"],\"colect\":[]}", "colect: unknown field"},
		{"{\"limits\":{\"cpu\":1}}", "limits.cpu: unknown field"},
		{"{\"files\":[{\"path\":\"a\"},{\"path\":\"b\",\"mode\":1}]}",
		 "files[1].mode: unknown"},
		{"{\"argv\":[\"a\",2]}", "argv[1]: expected a string"},
		{"{\"argv\":\"a\"}", "argv: expected an array"},
		{"{\"id\":7}", "id: expected a string"},
		{"{\"limits\":{\"processes\":4294967296}}",
		 "limits.processes: expected an integer"},
		{"{\"limits\":{\"cpu_time_ms\":-1}}", "limits.cpu_time_ms: expected an integer"},
		{"{\"limits\":{\"cpu_time_ms\":1.5}}", "limits.cpu_time_ms: expected an integer"},
		{"{\"limits\":{\"cpu_time_ms\":\"12x\"}}",
		 "limits.cpu_time_ms: expected an integer"},
		{"{\"limits\":{\"cpu_time_ms\":\"-3\"}}",
		 "limits.cpu_time_ms: expected an integer"},
		{"{\"limits\":{\"memory_bytes\":\"18446744073709551616\"}}",
		 "limits.memory_bytes: expected an integer"},
		{"{\"limits\":[]}", "limits: expected an object"},
		{"{\"files\":[{\"executable\":1}]}", "files[0].executable: expected true or false"},
		{"{\"stdin_base64\":\"abc\"}", "stdin_base64: not base64"},
		{"{\"stdin_base64\":\"ab=c\"}", "stdin_base64: not base64"},
		{"{\"stdin_base64\":\"a===\"}", "stdin_base64: not base64"},
		{"{\"stdin\":\"x\",\"stdin_base64\":\"eA==\"}",
		 "stdin: give stdin or stdin_base64"},
		{"{\"files\":[{\"content\":\"\",\"content_base64\":\"\"}]}",
		 "files[0].content: give"},
		{"{\"argv_base64\":\"eA==\"}", "argv_base64: unknown field"},
		{"{\"argv\":[\"a\\u0000b\"]}", "job: not JSON"}, /* jansson refuses \\u0000 */
		{"{\"id\":\"a\",\"id\":\"b\"}", "job: not JSON"},
		{"[1]", "job: expected an object"},
		{"{\"id\":", "job: not JSON"},
		{"", "job: not JSON"},
		{"{\"interactor\":{\"interactor\":{\"interactor\":{\"interactor\":{}}}}}",
		 "interactor.interactor.interactor.interactor: nested too deep"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jb_err err;
		Judgebox__Job *j = parse(cases[i].json, &err);
		ok(!j && err.kind == JB_ERR_INVALID &&
			   !strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)),
		   "%s -> '%s' (got '%s')", cases[i].json, cases[i].msg, err.msg);
		if (j)
			judgebox__job__free_unpacked(j, NULL);
	}
}

/* 10,000 nested interactors: refused at the bound, no deep recursion of ours. */
static void test_deep(void)
{
	size_t depth = 10000, n = depth * 16 + 8;
	char *s = malloc(n), *p = s;
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "{\"interactor\":");
	p += sprintf(p, "{}");
	for (size_t i = 0; i < depth; i++)
		*p++ = '}';
	*p = '\0';
	struct jb_err err;
	Judgebox__Job *j = parse(s, &err);
	ok(!j && err.kind == JB_ERR_INVALID, "10,000 nested interactors: INVALID_JOB (%s)",
	   err.msg);
	free(s);
}

/* Many tiny values: refused by counting, before the parser allocates ~80
 * bytes for each (a 10 MB job of "" took 454 MB). */
static void test_many(void)
{
	size_t n = 300000, cap = n * 3 + 16;
	char *s = malloc(cap), *p = s;
	p += sprintf(p, "{\"argv\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",\"\"" : "\"\"");
	sprintf(p, "]}");
	struct jb_err err;
	Judgebox__Job *j = parse(s, &err);
	ok(!j && err.kind == JB_ERR_INVALID && strstr(err.msg, "JSON values"),
	   "300,000 empty strings: INVALID_JOB before parsing (%s)", err.msg);
	free(s);
	j = parse("{\"argv\":[\"a,b\",\"[{:\\\"\"]}", &err);
	ok(j && j->n_argv == 2 && !strcmp(j->argv[1], "[{:\""),
	   "separators inside strings are not counted (%s)", err.msg);
	if (j)
		judgebox__job__free_unpacked(j, NULL);
}

int main(void)
{
	test_full();
	test_refused();
	test_deep();
	test_many();
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
