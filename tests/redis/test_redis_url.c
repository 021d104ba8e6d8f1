/* Unit tests of redis-conn's pure parts: the URL forms, ids, reply fields.
 * TAP on stdout; exit 0 pass, 1 fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis-conn.h"

static int n_test, n_fail;

static void ok(int cond, const char *name)
{
	n_test++;
	if (!cond)
		n_fail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_test, name);
}

static void good(const char *s, bool unix_socket, const char *host_or_path, int port,
		 const char *user, const char *password, int db)
{
	struct redis_url u;
	struct jb_err err = {0};
	char name[300];
	snprintf(name, sizeof(name), "parse '%s'", s);
	int r = redis_url_parse(s, &u, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	ok(r == 0 && u.unix_socket == unix_socket &&
		   !strcmp(unix_socket ? u.path : u.host, host_or_path) &&
		   (unix_socket || u.port == port) && !strcmp(u.user, user) &&
		   !strcmp(u.password, password) && u.db == db,
	   name);
}

static void bad(const char *s, const char *want)
{
	struct redis_url u;
	struct jb_err err = {0};
	char name[300];
	snprintf(name, sizeof(name), "refuse '%s' (%s)", s, want);
	int r = redis_url_parse(s, &u, &err);
	ok(r < 0 && err.kind == JB_ERR_INVALID && strstr(err.msg, want), name);
	if (r >= 0 || !strstr(err.msg, want))
		printf("# got: %s\n", r < 0 ? err.msg : "accepted");
}

static void test_urls(void)
{
	unsetenv("JB_REDIS_PASSWORD");
	good("redis://127.0.0.1:6380/2", false, "127.0.0.1", 6380, "", "", 2);
	good("redis://localhost", false, "localhost", 6379, "", "", 0);
	good("redis://", false, "127.0.0.1", 6379, "", "", 0);
	good("redis://:pw@h:1", false, "h", 1, "", "pw", 0);
	good("redis://alice:p@ss@h/1", false, "h", 6379, "alice", "p@ss", 1);
	good("redis://[::1]:7000/", false, "::1", 7000, "", "", 0);
	good("unix:///run/redis.sock", true, "/run/redis.sock", 0, "", "", 0);
	good("unix://:pw@/run/r.sock", true, "/run/r.sock", 0, "", "pw", 0);
	bad("http://x", "neither");
	bad("redis://h:0", "bad port");
	bad("redis://h:99999", "bad port");
	bad("redis://h:12x", "unexpected");
	bad("redis://h/abc", "bad database");
	bad("redis://pw@h", "credentials");
	bad("unix://rel.sock", "absolute path");
	bad("redis://[::1", "missing ']'");
}

static void test_env_password(void)
{
	struct redis_url u;
	struct jb_err err = {0};
	setenv("JB_REDIS_PASSWORD", "fromenv", 1);
	ok(redis_url_parse("redis://h", &u, &err) == 0 && !strcmp(u.password, "fromenv"),
	   "$JB_REDIS_PASSWORD when the URL has none");
	ok(redis_url_parse("redis://:url@h", &u, &err) == 0 && !strcmp(u.password, "url"),
	   "the URL's password wins");
	unsetenv("JB_REDIS_PASSWORD");
	char buf[300];
	redis_url_describe(&u, buf, sizeof(buf));
	ok(!strcmp(buf, "redis://h:6379/0"), "describe: no password");
	printf("# %s\n", buf);
}

static void test_ids(void)
{
	uint64_t ms = 0, sq = 0;
	ok(redis_id_parse("1796157-42", &ms, &sq) == 0 && ms == 1796157 && sq == 42, "id 'ms-seq'");
	ok(redis_id_parse("12", &ms, &sq) < 0, "id without '-'");
	ok(redis_id_parse("a-1", &ms, &sq) < 0, "id not a number");
	ok(redis_id_parse("1-", &ms, &sq) < 0, "id without seq");
	ok(redis_id_parse("1-2x", &ms, &sq) < 0, "id with junk");
}

static void test_fields(void)
{
	redisReply k1 = {.type = REDIS_REPLY_STRING, .str = "job", .len = 3};
	redisReply v1 = {.type = REDIS_REPLY_STRING, .str = "J", .len = 1};
	redisReply k2 = {.type = REDIS_REPLY_STRING, .str = "reply", .len = 5};
	redisReply v2 = {.type = REDIS_REPLY_INTEGER, .integer = 3};
	redisReply *el[] = {&k1, &v1, &k2, &v2};
	redisReply kv = {.type = REDIS_REPLY_ARRAY, .elements = 4, .element = el};
	ok(redis_reply_field(&kv, "job") == &v1, "field found");
	ok(redis_reply_field(&kv, "reply") == NULL, "a field that is no string is absent");
	ok(redis_reply_field(&kv, "nope") == NULL, "a missing field");
	ok(redis_reply_field(&v1, "job") == NULL, "not an array");
	redisReply err = {.type = REDIS_REPLY_ERROR, .str = "NOGROUP no such group"};
	ok(redis_reply_is_error(&err, "NOGROUP") && !redis_reply_is_error(&err, "BUSYGROUP") &&
		   !redis_reply_is_error(&v1, NULL),
	   "error prefixes");
}

int main(void)
{
	test_urls();
	test_env_password();
	test_ids();
	test_fields();
	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}
