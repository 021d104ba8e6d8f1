/* policy.c from literal strings, and the tests/policy fixtures (each FILE.policy
 * checked by sc_policy_check_file must report exactly FILE.expected). TAP. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "policy.h"
#include "seccomp.h"
#include "util.h"

static void is_str(const char *got, const char *want, const char *what)
{
	int same = got && strcmp(got, want) == 0;
	ok(same, "%s", what);
	if (!same)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want);
}

static struct policy *parse(const char *text, struct jb_err *err)
{
	struct policy *p = NULL;
	jb_err_clear(err);
	if (policy_parse("t.policy", text, strlen(text), &p, err) < 0)
		return NULL;
	return p;
}

static void test_parse_ok(void)
{
	struct jb_err err;
	_cleanup_(policy_freep) struct policy *p =
		parse("# comment\n\n  include base # why\ndefault errno EPERM\n"
		      "allow read write\t close\n"
		      "allow clone if arg0 & CLONE_THREAD|CLONE_VM == 0x10000 and arg1 != 0\n"
		      "errno 38 clone3\nkill ptrace if arg0<=-1\nallow x if arg5>=0x10\n",
		      &err);
	ok(p != NULL, "a policy with every construct parses (%s)", err.msg);
	if (!p)
		return;
	ok(p->nincludes == 1 && strcmp(p->includes[0].name, "base") == 0 &&
		   p->includes[0].loc.line == 3 && p->includes[0].loc.col == 11,
	   "include name and location");
	ok(p->has_default && p->default_action == POLICY_ERRNO && p->default_errno == EPERM,
	   "default errno EPERM");
	ok(p->nrules == 7, "one rule per syscall name (%zu)", p->nrules);
	if (p->nrules != 7)
		return;
	ok(strcmp(p->rules[2].syscall, "close") == 0 && p->rules[2].loc.line == 5 &&
		   p->rules[2].loc.col == 19 && p->rules[2].nr == POLICY_NO_SYSCALL,
	   "name, line and byte column of the third name");
	const struct policy_rule *c = &p->rules[3];
	ok(c->ncond == 2 && c->cond[0].op == POLICY_OP_MASKED_EQ && c->cond[0].mask == 0x10100 &&
		   c->cond[0].value == 0x10000 && c->cond[1].arg == 1 &&
		   c->cond[1].op == POLICY_OP_NE,
	   "masked condition with '|' constants, 'and'");
	ok(p->rules[4].action == POLICY_ERRNO && p->rules[4].errno_value == 38, "numeric errno");
	ok(p->rules[5].cond[0].op == POLICY_OP_LE && p->rules[5].cond[0].value == UINT64_MAX,
	   "negative numbers are 64-bit two's complement, operators need no blanks");
	ok(p->rules[6].cond[0].arg == 5 && p->rules[6].cond[0].op == POLICY_OP_GE &&
		   p->rules[6].cond[0].value == 16,
	   "arg5 >= hex");
}

static void test_parse_empty(void)
{
	struct jb_err err;
	_cleanup_(policy_freep) struct policy *p = parse("", &err);
	ok(p && p->nrules == 0 && !p->has_default, "an empty file is an empty policy");
	_cleanup_(policy_freep) struct policy *q = parse("\n# only\n\r\n", &err);
	ok(q && q->nrules == 0, "comments and blank lines only");
}

struct bad {
	const char *text;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{"permit read", "t.policy:1:1: unknown action 'permit' (expected allow, errno, kill, "
			"default or include)"},
	{"allow", "t.policy:1:6: expected a syscall name after 'allow'"},
	{"allow if arg0 == 1", "t.policy:1:7: expected a syscall name after 'allow'"},
	{"allow Read", "t.policy:1:7: bad syscall name 'Read'"},
	{"\nallow read\nallow read", "t.policy:3:7: second rule for 'read'\n"
				     "t.policy:2:7: first rule is here"},
	{"allow read read", "t.policy:1:12: second rule for 'read'\n"
			    "t.policy:1:7: first rule is here"},
	{"kill x\nallow x if arg0 == 1", "t.policy:2:7: rule for 'x' is never used\n"
					 "t.policy:1:6: the unconditional rule before it is here"},
	{"kill x if arg0 == 2\nallow x if arg0 == 1",
	 "t.policy:2:7: allow rule for 'x' after a deny rule: list allow rules first\n"
	 "t.policy:1:6: the deny rule is here"},
	{"allow x if arg6 == 1", "t.policy:1:12: expected argN (N = 0..5), got 'arg6'"},
	{"allow x if", "t.policy:1:11: expected argN (N = 0..5), got 'end of line'"},
	{"allow x if arg0", "t.policy:1:16: expected a comparison (== != < <= > >= or & MASK ==) "
			    "after 'arg0'"},
	{"allow x if arg0 = 1", "t.policy:1:17: unexpected character '='"},
	{"allow x if arg0 & 1 != 1", "t.policy:1:21: expected '==' after 'arg0 & MASK'"},
	{"allow x if arg0 == ", "t.policy:1:19: expected a number or a constant"},
	{"allow x if arg0 == 0x", "t.policy:1:20: bad number '0x'"},
	{"allow x if arg0 == 99999999999999999999", "t.policy:1:20: bad number "
						    "'99999999999999999999'"},
	{"allow x if arg0 == 1-2", "t.policy:1:20: bad number '1-2'"},
	{"allow x if arg0 == NOPE", "t.policy:1:20: unknown constant 'NOPE'"},
	{"allow x if arg0 == 1 or arg1 == 2", "t.policy:1:22: expected 'and' or end of line, "
					      "got 'or'"},
	{"allow x if arg1 == 1 and arg1 == 2", "t.policy:1:26: arg1 is compared twice in one "
					       "rule (write two rules)"},
	{"errno", "t.policy:1:6: expected an errno (EPERM, ENOSYS... or a number)"},
	{"errno ENOPE x", "t.policy:1:7: unknown errno 'ENOPE'"},
	{"errno 0 x", "t.policy:1:7: errno 0 out of range (1..4095)"},
	{"errno 4096 x", "t.policy:1:7: errno 4096 out of range (1..4095)"},
	{"default", "t.policy:1:8: expected 'kill' or 'errno ERRNO' after 'default'"},
	{"default allow", "t.policy:1:9: 'default allow' would allow every unlisted call: not "
			  "supported"},
	{"default kill now", "t.policy:1:14: unexpected 'now' at end of line"},
	{"default kill\ndefault kill", "t.policy:2:1: second 'default' line\n"
				       "t.policy:1:1: first 'default' is here"},
	{"include", "t.policy:1:8: expected a policy name after 'include'"},
	{"include a b", "t.policy:1:11: unexpected 'b' at end of line"},
	{"include -x", "t.policy:1:9: expected a policy name after 'include'"},
	{"allow re$d", "t.policy:1:9: unexpected character '$'"},
	{"allow r\x01", "t.policy:1:8: unexpected byte 0x01"},
	{"allow aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "t.policy:1:7: word longer than 63 characters"},
	{"allow aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "t.policy:1:7: bad syscall name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"},
};

static void test_parse_errors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct jb_err err;
		struct policy *p = parse(bad_cases[i].text, &err);
		char what[160];
		snprintf(what, sizeof(what), "error for '%.60s'", bad_cases[i].text);
		ok(p == NULL && err.kind == JB_ERR_INVALID && err.code == EINVAL,
		   "rejected: '%.60s'", bad_cases[i].text);
		is_str(err.msg, bad_cases[i].msg, what);
		policy_free(p);
	}
}

static void test_report_all(void)
{
	const char *text = "allow a b a\nbogus\nallow c if arg9 == 1\n";
	struct policy_report rep = {0};
	struct jb_err err = {0};
	struct policy *p = NULL;
	int r = policy_parse_report("r.policy", text, strlen(text), &rep, &p, &err);
	ok(r == -EINVAL && !p && rep.errors == 3, "every line's error is counted (%u)", rep.errors);
	is_str(rep.text,
	       "r.policy:1:11: second rule for 'a'\nr.policy:1:7: first rule is here\n"
	       "r.policy:2:1: unknown action 'bogus' (expected allow, errno, kill, default or "
	       "include)\nr.policy:3:12: expected argN (N = 0..5), got 'arg9'\n",
	       "the report has every error, notes after their error");
	is_str(err.msg, "r.policy:1:11: second rule for 'a'\nr.policy:1:7: first rule is here",
	       "err has the first error and its note");
	policy_report_clear(&rep);
}

static void test_too_many(void)
{
	size_t n = POLICY_RULES_MAX + 1, at = 0;
	_cleanup_free_ char *text = malloc(n * 16);
	for (size_t i = 0; i < n; i++)
		at += (size_t) sprintf(text + at, "allow s%zu\n", i);
	struct jb_err err;
	struct policy *p = NULL;
	jb_err_clear(&err);
	int r = policy_parse("big.policy", text, at, &p, &err);
	ok(r == -EINVAL && strstr(err.msg, "big.policy:4097:7: more than 4096 rules"),
	   "rule count is bounded (%s)", err.msg);
	policy_free(p);
}

static void test_match(void)
{
	struct jb_err err;
	_cleanup_(policy_freep) struct policy *p =
		parse("allow clone if arg0 & 0x10000 == 0x10000 and arg2 < 5\n", &err);
	if (!p) {
		ok(0, "parse for match");
		return;
	}
	uint64_t a[6] = {0x10011, 0, 4, 0, 0, 0};
	ok(policy_rule_match(&p->rules[0], a), "both conditions hold");
	a[2] = 5;
	ok(!policy_rule_match(&p->rules[0], a), "second fails");
	a[2] = 0;
	a[0] = 0x11;
	ok(!policy_rule_match(&p->rules[0], a), "mask fails");
	struct policy_rule u = {.ncond = 0};
	ok(policy_rule_match(&u, a), "no condition always matches");
}

/* policy_rule_format prints something that parses back to the same rule. */
static void test_format_roundtrip(void)
{
	struct jb_err err;
	const char *text = "allow a if arg0 & 0xff == 0x10 and arg1 != 7 and arg2 > 0x100\n"
			   "errno EPERM b if arg3 <= 1\nerrno 999 c\nkill d if arg4 >= 2 and "
			   "arg5 < 3\nallow e if arg0 == 18446744073709551615\n";
	_cleanup_(policy_freep) struct policy *p = parse(text, &err);
	int same = p != NULL;
	for (size_t i = 0; p && i < p->nrules; i++) {
		char line[256];
		policy_rule_format(&p->rules[i], line, sizeof(line));
		_cleanup_(policy_freep) struct policy *q = parse(line, &err);
		int eq = q && q->nrules == 1 && q->rules[0].action == p->rules[i].action &&
			 q->rules[0].errno_value == p->rules[i].errno_value &&
			 q->rules[0].ncond == p->rules[i].ncond &&
			 memcmp(q->rules[0].cond, p->rules[i].cond,
				sizeof(struct policy_cond) * q->rules[0].ncond) == 0;
		if (!eq)
			printf("# '%s' does not parse back (%s)\n", line, err.msg);
		same &= eq;
	}
	ok(same, "formatted rules parse back to themselves");
	char line[256];
	is_str(policy_rule_format(&p->rules[1], line, sizeof(line)), "errno EPERM b if arg3 <= 1",
	       "format of a symbolic errno rule");
}

static struct policy *parse_named(const char *name, const char *text)
{
	struct policy *p = NULL;
	struct jb_err err = {0};
	(void) policy_parse(name, text, strlen(text), &p, &err); /* NULL checked by callers */
	return p;
}

static void test_merge(void)
{
	_cleanup_(policy_freep) struct policy *top =
		parse_named("top.policy", "include a\ninclude b\nkill write\n");
	struct policy *incs[2] = {
		parse_named("a.policy", "default kill\nallow read write\nallow x if arg0 == 1\n"
					"kill x\n"),
		parse_named("b.policy", "default kill\nerrno EPERM write\nallow y\n"),
	};
	struct jb_err err = {0};
	if (!top || !incs[0] || !incs[1]) {
		ok(0, "merge inputs parse");
		return;
	}
	int r = policy_merge(top, incs, 2, NULL, &err);
	ok(r == 0, "the including file's rule for write settles the clash (%s)", err.msg);
	ok(top->nrules == 5 && strcmp(top->rules[0].syscall, "read") == 0 &&
		   strcmp(top->rules[1].syscall, "x") == 0 && top->rules[1].ncond == 1 &&
		   strcmp(top->rules[2].syscall, "x") == 0 &&
		   strcmp(top->rules[3].syscall, "y") == 0 &&
		   strcmp(top->rules[4].syscall, "write") == 0 &&
		   top->rules[4].action == POLICY_KILL,
	   "merged order: includes' rules in order, own rules last, both x rules kept");
	ok(top->has_default && top->default_action == POLICY_KILL &&
		   strcmp(top->default_loc.file, "a.policy") == 0,
	   "default inherited from the includes");
	ok(strcmp(top->rules[0].loc.file, "a.policy") == 0 &&
		   strcmp(top->rules[3].loc.file, "b.policy") == 0 && top->nfiles == 3,
	   "locations keep their file names, now owned by the merged policy");
	policy_free(incs[0]);
	policy_free(incs[1]);
}

static void test_merge_errors(void)
{
	_cleanup_(policy_freep) struct policy *top =
		parse_named("top.policy", "include a\ninclude b\n");
	struct policy *incs[2] = {
		parse_named("a.policy", "default kill\nallow read write\n"),
		parse_named("b.policy", "default errno EPERM\nallow read\n"),
	};
	struct jb_err err = {0};
	struct policy_report rep = {0};
	if (!top || !incs[0] || !incs[1]) {
		ok(0, "merge inputs parse");
		return;
	}
	int r = policy_merge(top, incs, 2, &rep, &err);
	ok(r == -EINVAL, "two includes with rules for read clash");
	is_str(err.msg, "b.policy:2:7: second rule for 'read'\na.policy:2:7: first rule is here",
	       "clash names both places");
	policy_report_clear(&rep);
	policy_free(incs[0]);
	policy_free(incs[1]);

	_cleanup_(policy_freep) struct policy *t2 = parse_named("t2.policy", "allow z\n");
	struct policy *d[2] = {parse_named("a.policy", "default kill\n"),
			       parse_named("b.policy", "\ndefault errno EPERM\n")};
	jb_err_clear(&err);
	r = policy_merge(t2, d, 2, NULL, &err);
	is_str(err.msg,
	       "b.policy:2:1: 'default' differs from an earlier include's\n"
	       "a.policy:1:1: the other 'default' is here",
	       "conflicting defaults of two includes");
	policy_free(d[0]);
	policy_free(d[1]);
}

/* The same file included twice (a diamond) is not a clash. */
static void test_merge_diamond(void)
{
	_cleanup_(policy_freep) struct policy *top = parse_named("top.policy", "");
	struct policy *incs[2] = {parse_named("base.policy", "allow read\n"),
				  parse_named("base.policy", "allow read\n")};
	struct jb_err err = {0};
	if (!top || !incs[0] || !incs[1]) {
		ok(0, "merge inputs parse");
		return;
	}
	ok(policy_merge(top, incs, 2, NULL, &err) == 0 && top->nrules == 1,
	   "a file reached through two includes counts once (%s)", err.msg);
	policy_free(incs[0]);
	policy_free(incs[1]);
}

static void closedirp(DIR **d)
{
	if (*d)
		(void) closedir(*d);
}

static int read_all(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char *t = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&t, &cap, '\0', f);
	if (n < 0) {
		free(t);
		t = strdup("");
	}
	*ret = t;
	return t ? 0 : -ENOMEM;
}

/* Every D/X.policy: the report of `policy check X.policy` (run in D) is
 * X.expected; an empty .expected means valid. */
static void check_fixture_dir(const char *dir, unsigned min_count)
{
	char cwd[4096];
	unsigned n = 0;
	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) < 0) {
		ok(0, "enter '%s'", dir);
		return;
	}
	setenv("JB_POLICY_PATH", ".", 1);
	_cleanup_(closedirp) DIR *d = opendir(".");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 8 || strcmp(e->d_name + l - 7, ".policy") != 0)
			continue;
		char exp[512];
		_cleanup_free_ char *want = NULL, *got = NULL;
		snprintf(exp, sizeof(exp), "%.*s.expected", (int) (l - 7), e->d_name);
		if (read_all(exp, &want) < 0) {
			ok(0, "'%s' has its '%s'", e->d_name, exp);
			continue;
		}
		struct jb_err err = {0};
		int r = sc_policy_check_file(e->d_name, &got, &err);
		ok(*want ? r == -EINVAL : r == 0, "'%s/%s' is %s", dir, e->d_name,
		   *want ? "rejected" : "valid");
		is_str(got ? got : err.msg, want, exp);
		n++;
	}
	unsetenv("JB_POLICY_PATH");
	ok(n >= min_count, "'%s' has at least %u fixtures (%u)", dir, min_count, n);
	if (chdir(cwd) < 0)
		ok(0, "back to '%s'", cwd);
}

static void test_shipped(const char *src)
{
	static const char *const names[] = {"default", "ci", "strict", "compile"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[4096];
		_cleanup_free_ char *rep = NULL;
		struct jb_err err = {0};
		snprintf(path, sizeof(path), "%s/policies/%s.policy", src, names[i]);
		int r = sc_policy_check_file(path, &rep, &err);
		ok(r == 0 && rep && !*rep, "shipped '%s' is valid %s", names[i],
		   rep ? rep : err.msg);
	}
}

static void test_check_file_errors(void)
{
	_cleanup_free_ char *rep = NULL;
	struct jb_err err = {0};
	int r = sc_policy_check_file("/nonexistent/x.policy", &rep, &err);
	ok(r < 0 && !rep && err.kind == JB_ERR_INVALID, "a missing file fails");
	is_str(err.msg, "policy: cannot read '/nonexistent/x.policy': No such file or directory",
	       "and says so");
}

int main(void)
{
	test_parse_ok();
	test_parse_empty();
	test_parse_errors();
	test_report_all();
	test_too_many();
	test_match();
	test_format_roundtrip();
	test_merge();
	test_merge_errors();
	test_merge_diamond();
	test_check_file_errors();
	const char *src = getenv("JB_SOURCE_DIR");
	if (src) {
		char dir[4096];
		test_shipped(src);
		snprintf(dir, sizeof(dir), "%s/tests/policy", src);
		check_fixture_dir(dir, 20);
		snprintf(dir, sizeof(dir), "%s/testdata/policies-bad", src);
		check_fixture_dir(dir, 5);
	} else {
		printf("# SKIP fixtures: JB_SOURCE_DIR is not set (ctest sets it)\n");
	}
	sc_cache_clear();
	printf("1..%d\n", t_n);
	if (t_failed)
		return 1;
	return src ? 0 : 77;
}
