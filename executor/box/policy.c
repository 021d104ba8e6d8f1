#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "util.h"

#define LINE_TOKENS_MAX 128
#define WORD_MAX	64

struct named_value {
	const char *name;
	uint64_t value;
};

/* clang-format off */
#define NV(x) {#x, (uint64_t) (x)}

/* The constants a condition may name. Small on purpose: a policy that needs
 * another one writes the number with a comment. */
static const struct named_value constants[] = {
	NV(CLONE_VM), NV(CLONE_FS), NV(CLONE_FILES), NV(CLONE_SIGHAND), NV(CLONE_PIDFD),
	NV(CLONE_PTRACE), NV(CLONE_VFORK), NV(CLONE_PARENT), NV(CLONE_THREAD), NV(CLONE_NEWNS),
	NV(CLONE_SYSVSEM), NV(CLONE_SETTLS), NV(CLONE_PARENT_SETTID), NV(CLONE_CHILD_CLEARTID),
	NV(CLONE_DETACHED), NV(CLONE_UNTRACED), NV(CLONE_CHILD_SETTID), NV(CLONE_NEWCGROUP),
	NV(CLONE_NEWUTS), NV(CLONE_NEWIPC), NV(CLONE_NEWUSER), NV(CLONE_NEWPID), NV(CLONE_NEWNET),
	NV(CLONE_IO), NV(SIGCHLD), NV(AF_UNIX), NV(AF_LOCAL), NV(AF_INET), NV(AF_INET6),
	NV(AF_NETLINK), NV(AF_PACKET), NV(SOCK_STREAM), NV(SOCK_DGRAM), NV(SOCK_SEQPACKET),
	NV(SOCK_RAW), NV(SOCK_CLOEXEC), NV(SOCK_NONBLOCK), NV(TIOCSTI), NV(TIOCLINUX), NV(TCGETS),
	NV(TCSETS), NV(TIOCGWINSZ), NV(TIOCGPGRP), NV(FIONREAD), NV(FIONBIO), NV(FIOCLEX),
	NV(FIONCLEX), NV(PR_SET_PDEATHSIG), NV(PR_GET_PDEATHSIG), NV(PR_GET_DUMPABLE),
	NV(PR_SET_DUMPABLE), NV(PR_GET_KEEPCAPS), NV(PR_SET_NAME), NV(PR_GET_NAME),
	NV(PR_GET_SECCOMP), NV(PR_CAPBSET_READ), NV(PR_GET_SECUREBITS), NV(PR_GET_TIMERSLACK),
	NV(PR_SET_TIMERSLACK), NV(PR_SET_NO_NEW_PRIVS), NV(PR_GET_NO_NEW_PRIVS),
	NV(PR_GET_THP_DISABLE), NV(PR_SET_THP_DISABLE), NV(PR_SET_VMA), NV(PR_SET_CHILD_SUBREAPER),
	NV(PR_GET_CHILD_SUBREAPER), NV(PR_CAP_AMBIENT), NV(PR_GET_SPECULATION_CTRL), NV(PER_LINUX),
	NV(AT_FDCWD), NV(PROT_READ), NV(PROT_WRITE), NV(PROT_EXEC), NV(MAP_SHARED),
	NV(MAP_PRIVATE), NV(MAP_ANONYMOUS), NV(MAP_FIXED), NV(F_GETLK), NV(F_SETLK), NV(F_SETLKW),
	NV(F_OFD_GETLK), NV(F_OFD_SETLK), NV(F_OFD_SETLKW), NV(F_NOTIFY),
};

/* Symbolic errno values, for rules and for `policy show`. */
static const struct named_value errnos[] = {
	NV(EPERM), NV(ENOENT), NV(ESRCH), NV(EINTR), NV(EIO), NV(ENXIO), NV(E2BIG), NV(ENOEXEC),
	NV(EBADF), NV(ECHILD), NV(EAGAIN), NV(ENOMEM), NV(EACCES), NV(EFAULT), NV(EBUSY),
	NV(EEXIST), NV(EXDEV), NV(ENODEV), NV(ENOTDIR), NV(EISDIR), NV(EINVAL), NV(ENFILE),
	NV(EMFILE), NV(ENOTTY), NV(ETXTBSY), NV(EFBIG), NV(ENOSPC), NV(ESPIPE), NV(EROFS),
	NV(EMLINK), NV(EPIPE), NV(ERANGE), NV(ENOSYS), NV(EOPNOTSUPP), NV(ENOTSUP),
	NV(EAFNOSUPPORT), NV(EPROTONOSUPPORT), NV(ENOTSOCK), NV(ECONNREFUSED), NV(ENETUNREACH),
	NV(ENOLCK),
};
/* clang-format on */

enum tok_kind { TOK_WORD, TOK_OP };

struct tok {
	enum tok_kind kind;
	char s[WORD_MAX];
	unsigned col;
};

struct parser {
	struct policy *p;
	struct policy_report *rep;
	struct jb_err *err;
	unsigned line;
	struct tok t[LINE_TOKENS_MAX];
	size_t n, i; /* tokens on the line, next one */
};

/* ---- reporting ---------------------------------------------------------- */

static void report_append(struct policy_report *rep, const char *line)
{
	size_t l = strlen(line);
	char *t = realloc(rep->text, rep->len + l + 2);
	if (!t)
		return; /* the count below still rejects the policy */
	memcpy(t + rep->len, line, l);
	t[rep->len + l] = '\n';
	t[rep->len + l + 1] = '\0';
	rep->text = t;
	rep->len += l + 1;
}

void policy_report_add(struct policy_report *rep, struct jb_err *err, bool is_note,
		       const struct policy_loc *loc, const char *fmt, ...)
{
	char msg[JB_ERR_MSG_MAX], line[JB_ERR_MSG_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%u:%u: %s", loc->file, loc->line, loc->col, msg);
	bool to_err = is_note ? (rep && rep->last_in_err) : (err && err->code == 0);
	if (to_err && !is_note)
		(void) jb_invalid(err, "%s", line);
	else if (to_err && err) {
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, "\n%s", line);
	}
	if (!rep)
		return;
	if (!is_note) {
		rep->errors++;
		rep->last_in_err = to_err;
	}
	report_append(rep, line);
}

void policy_report_clear(struct policy_report *rep)
{
	free(rep->text);
	*rep = (struct policy_report){0};
}

static void perr(struct parser *ps, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void perr(struct parser *ps, unsigned col, const char *fmt, ...)
{
	char msg[JB_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct policy_loc loc = {ps->p->file, ps->line, col};
	policy_report_add(ps->rep, ps->err, false, &loc, "%s", msg);
}

/* ---- lexer -------------------------------------------------------------- */

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Length of the operator at s (n bytes left), 0 if none. */
static size_t op_len(const char *s, size_t n)
{
	if (n >= 2 && (s[1] == '=') && (s[0] == '=' || s[0] == '!' || s[0] == '<' || s[0] == '>'))
		return 2;
	if (s[0] == '&' || s[0] == '|' || s[0] == '<' || s[0] == '>')
		return 1;
	return 0;
}

static bool push_tok(struct parser *ps, enum tok_kind kind, const char *s, size_t l, unsigned col)
{
	if (ps->n == LINE_TOKENS_MAX) {
		perr(ps, col, "line has more than %d words", LINE_TOKENS_MAX);
		return false;
	}
	if (l >= WORD_MAX) {
		perr(ps, col, "word longer than %d characters", WORD_MAX - 1);
		return false;
	}
	struct tok *t = &ps->t[ps->n++];
	t->kind = kind;
	memcpy(t->s, s, l);
	t->s[l] = '\0';
	t->col = col;
	return true;
}

/* Split one line (without its '\n') into tokens; false after an error. */
static bool lex_line(struct parser *ps, const char *s, size_t n)
{
	ps->n = ps->i = 0;
	for (size_t i = 0; i < n;) {
		size_t l;
		unsigned col = (unsigned) i + 1;
		if (s[i] == '#')
			break;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		for (l = 0; i + l < n && word_char(s[i + l]); l++)
			;
		if (l > 0 && !push_tok(ps, TOK_WORD, s + i, l, col))
			return false;
		if (l == 0 && (l = op_len(s + i, n - i)) > 0 &&
		    !push_tok(ps, TOK_OP, s + i, l, col))
			return false;
		if (l == 0) {
			unsigned char c = (unsigned char) s[i];
			if (c > ' ' && c < 0x7f)
				perr(ps, col, "unexpected character '%c'", c);
			else
				perr(ps, col, "unexpected byte 0x%02x", c);
			return false;
		}
		i += l;
	}
	return true;
}

/* ---- values ------------------------------------------------------------- */

static const struct tok *next(struct parser *ps)
{
	return ps->i < ps->n ? &ps->t[ps->i] : NULL;
}

/* Column to blame when the line ended too early: just past its last token. */
static unsigned end_col(const struct parser *ps)
{
	if (ps->n == 0)
		return 1;
	const struct tok *t = &ps->t[ps->n - 1];
	return t->col + (unsigned) strlen(t->s);
}

static const struct named_value *lookup(const struct named_value *tab, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, s) == 0)
			return &tab[i];
	return NULL;
}

/* A number: decimal, -decimal or 0xhex, all 64 bits. */
static bool parse_number(const char *s, uint64_t *ret)
{
	bool neg = s[0] == '-';
	const char *d = s + neg;
	int base = (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) ? 16 : 10;
	char *end;
	if (base == 16)
		d += 2;
	if (!*d || (neg && base == 16) || strchr(d, '-'))
		return false;
	errno = 0;
	unsigned long long v = strtoull(d, &end, base);
	if (errno || *end || (neg && v > (unsigned long long) INT64_MAX + 1))
		return false;
	*ret = neg ? (uint64_t) 0 - v : v;
	return true;
}

static bool parse_term(struct parser *ps, uint64_t *ret)
{
	const struct tok *t = next(ps);
	if (!t || t->kind != TOK_WORD) {
		perr(ps, t ? t->col : end_col(ps), "expected a number or a constant");
		return false;
	}
	ps->i++;
	if ((t->s[0] >= '0' && t->s[0] <= '9') || t->s[0] == '-') {
		if (parse_number(t->s, ret))
			return true;
		perr(ps, t->col, "bad number '%s'", t->s);
		return false;
	}
	const struct named_value *nv = lookup(constants, ARRAY_SIZE(constants), t->s);
	if (!nv) {
		perr(ps, t->col, "unknown constant '%s'", t->s);
		return false;
	}
	*ret = nv->value;
	return true;
}

/* TERM {'|' TERM} */
static bool parse_value(struct parser *ps, uint64_t *ret)
{
	uint64_t v = 0, term;
	do {
		if (!parse_term(ps, &term))
			return false;
		v |= term;
	} while (next(ps) && strcmp(next(ps)->s, "|") == 0 && ++ps->i);
	*ret = v;
	return true;
}

static bool parse_errno(struct parser *ps, int *ret)
{
	const struct tok *t = next(ps);
	uint64_t v;
	if (!t || t->kind != TOK_WORD) {
		perr(ps, t ? t->col : end_col(ps),
		     "expected an errno (EPERM, ENOSYS... or a number)");
		return false;
	}
	ps->i++;
	const struct named_value *nv = lookup(errnos, ARRAY_SIZE(errnos), t->s);
	if (nv) {
		*ret = (int) nv->value;
		return true;
	}
	if (!parse_number(t->s, &v)) {
		perr(ps, t->col, "unknown errno '%s'", t->s);
		return false;
	}
	if (v < 1 || v > POLICY_ERRNO_MAX) {
		perr(ps, t->col, "errno %s out of range (1..%d)", t->s, POLICY_ERRNO_MAX);
		return false;
	}
	*ret = (int) v;
	return true;
}

const char *policy_errno_name(int e)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if ((int) errnos[i].value == e)
			return errnos[i].name;
	return NULL;
}

/* ---- conditions --------------------------------------------------------- */

static const char *const op_names[] = {
	[POLICY_OP_EQ] = "==", [POLICY_OP_NE] = "!=", [POLICY_OP_LT] = "<",
	[POLICY_OP_LE] = "<=", [POLICY_OP_GT] = ">",  [POLICY_OP_GE] = ">=",
};

static bool parse_arg(struct parser *ps, unsigned *ret)
{
	const struct tok *t = next(ps);
	if (!t || strncmp(t->s, "arg", 3) != 0 || t->s[3] < '0' || t->s[3] > '5' || t->s[4]) {
		perr(ps, t ? t->col : end_col(ps), "expected argN (N = 0..5), got '%s'",
		     t ? t->s : "end of line");
		return false;
	}
	ps->i++;
	*ret = (unsigned) (t->s[3] - '0');
	return true;
}

/* argN OP VALUE | argN & VALUE == VALUE */
static bool parse_cond(struct parser *ps, struct policy_cond *c)
{
	if (!parse_arg(ps, &c->arg))
		return false;
	const struct tok *t = next(ps);
	c->op = POLICY_OP_EQ;
	c->mask = 0;
	if (t && strcmp(t->s, "&") == 0) {
		ps->i++;
		if (!parse_value(ps, &c->mask))
			return false;
		t = next(ps);
		if (!t || strcmp(t->s, "==") != 0) {
			perr(ps, t ? t->col : end_col(ps), "expected '==' after 'arg%u & MASK'",
			     c->arg);
			return false;
		}
		ps->i++;
		c->op = POLICY_OP_MASKED_EQ;
		return parse_value(ps, &c->value);
	}
	while (t && c->op <= POLICY_OP_GE && strcmp(t->s, op_names[c->op]) != 0)
		c->op++;
	if (!t || c->op > POLICY_OP_GE) {
		perr(ps, t ? t->col : end_col(ps),
		     "expected a comparison (== != < <= > >= or & MASK ==) after 'arg%u'", c->arg);
		return false;
	}
	ps->i++;
	return parse_value(ps, &c->value);
}

/* CONDS after 'if' into r. */
static bool parse_conds(struct parser *ps, struct policy_rule *r)
{
	for (;;) {
		const struct tok *at = next(ps);
		struct policy_cond c;
		if (!parse_cond(ps, &c))
			return false;
		for (unsigned k = 0; k < r->ncond; k++) {
			if (r->cond[k].arg == c.arg) {
				perr(ps, at->col,
				     "arg%u is compared twice in one rule (write two rules)",
				     c.arg);
				return false;
			}
		}
		r->cond[r->ncond++] = c;
		const struct tok *t = next(ps);
		if (!t)
			return true;
		if (strcmp(t->s, "and") != 0) {
			perr(ps, t->col, "expected 'and' or end of line, got '%s'", t->s);
			return false;
		}
		ps->i++;
	}
}

bool policy_rule_match(const struct policy_rule *r, const uint64_t args[6])
{
	return policy_conds_match(r->cond, r->ncond, args);
}

bool policy_conds_match(const struct policy_cond *cond, unsigned n, const uint64_t args[6])
{
	for (unsigned k = 0; k < n; k++) {
		const struct policy_cond *c = &cond[k];
		uint64_t a = args[c->arg], v = c->value;
		bool ok = false;
		switch (c->op) {
		case POLICY_OP_EQ:
			ok = a == v;
			break;
		case POLICY_OP_NE:
			ok = a != v;
			break;
		case POLICY_OP_LT:
			ok = a < v;
			break;
		case POLICY_OP_LE:
			ok = a <= v;
			break;
		case POLICY_OP_GT:
			ok = a > v;
			break;
		case POLICY_OP_GE:
			ok = a >= v;
			break;
		case POLICY_OP_MASKED_EQ:
			ok = (a & c->mask) == v;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- rules -------------------------------------------------------------- */

static bool syscall_name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void note(struct parser *ps, const struct policy_loc *loc, const char *msg)
{
	policy_report_add(ps->rep, ps->err, true, loc, "%s", msg);
}

/* Every rule is compared with every other one: the first letters settle
 * most pairs without a call (strcmp was most of a policy's parse time). */
static bool same_name(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

/* The order that makes BPF and the rule list agree (see policy.h): allow
 * rules first, an unconditional rule last, nothing after it. */
static bool check_order(struct parser *ps, const struct policy_rule *r)
{
	const struct policy_rule *deny = NULL;
	for (size_t k = 0; k < ps->p->nrules; k++) {
		const struct policy_rule *o = &ps->p->rules[k];
		if (!same_name(o->syscall, r->syscall))
			continue;
		if (o->ncond == 0 && r->ncond == 0) {
			perr(ps, r->loc.col, "second rule for '%s'", r->syscall);
			note(ps, &o->loc, "first rule is here");
			return false;
		}
		if (o->ncond == 0) {
			perr(ps, r->loc.col, "rule for '%s' is never used", r->syscall);
			note(ps, &o->loc, "the unconditional rule before it is here");
			return false;
		}
		if (o->action != POLICY_ALLOW && !deny)
			deny = o;
	}
	if (deny && r->action == POLICY_ALLOW) {
		perr(ps, r->loc.col,
		     "allow rule for '%s' after a deny rule: list allow rules first", r->syscall);
		note(ps, &deny->loc, "the deny rule is here");
		return false;
	}
	return true;
}

static bool add_rule(struct parser *ps, const struct policy_rule *r)
{
	struct policy *p = ps->p;
	if (!check_order(ps, r))
		return false;
	if (p->nrules == POLICY_RULES_MAX) {
		perr(ps, r->loc.col, "more than %d rules", POLICY_RULES_MAX);
		return false;
	}
	/* Room for 512 rules at first: the pages of a block are touched only
	 * as rules are added, and each regrowth copied (and touched) them all
	 * again (99 KB for the default policy's 234 rules, now 52). */
	if (p->nrules == 0 || (p->nrules >= 512 && (p->nrules & (p->nrules - 1)) == 0)) {
		size_t cap = p->nrules ? p->nrules * 2 : 512;
		struct policy_rule *n = realloc(p->rules, cap * sizeof(*n));
		if (!n) {
			perr(ps, r->loc.col, "out of memory");
			return false;
		}
		p->rules = n;
	}
	p->rules[p->nrules++] = *r;
	return true;
}

/* allow|errno E|kill NAME... [if CONDS]: one rule per name. */
static bool parse_rule(struct parser *ps, enum policy_action action)
{
	struct policy_rule r = {.nr = POLICY_NO_SYSCALL, .action = action};
	const char *verb = ps->t[0].s;
	ps->i = 1;
	if (action == POLICY_ERRNO && !parse_errno(ps, &r.errno_value))
		return false;
	size_t first = ps->i, last;
	while (next(ps) && strcmp(next(ps)->s, "if") != 0)
		ps->i++;
	last = ps->i;
	if (first == last) {
		perr(ps, next(ps) ? next(ps)->col : end_col(ps),
		     "expected a syscall name after '%s'", verb);
		return false;
	}
	if (next(ps)) {
		ps->i++;
		if (!parse_conds(ps, &r))
			return false;
	}
	for (size_t k = first; k < last; k++) {
		const struct tok *t = &ps->t[k];
		if (t->kind != TOK_WORD || !syscall_name_ok(t->s) ||
		    strlen(t->s) >= POLICY_NAME_MAX) {
			perr(ps, t->col, "bad syscall name '%s'", t->s);
			return false;
		}
		snprintf(r.syscall, sizeof(r.syscall), "%s", t->s);
		r.loc = (struct policy_loc){ps->p->file, ps->line, t->col};
		if (!add_rule(ps, &r))
			return false;
	}
	return true;
}

static bool expect_end(struct parser *ps)
{
	const struct tok *t = next(ps);
	if (t)
		perr(ps, t->col, "unexpected '%s' at end of line", t->s);
	return !t;
}

static bool parse_default(struct parser *ps)
{
	struct policy *p = ps->p;
	const struct tok *t = ps->n > 1 ? &ps->t[1] : NULL;
	int e = 0;
	ps->i = 2;
	if (t && strcmp(t->s, "allow") == 0) {
		perr(ps, t->col, "'default allow' would allow every unlisted call: not supported");
		return false;
	}
	if (!t || (strcmp(t->s, "kill") != 0 && strcmp(t->s, "errno") != 0)) {
		perr(ps, t ? t->col : end_col(ps),
		     "expected 'kill' or 'errno ERRNO' after 'default'");
		return false;
	}
	if (t->s[0] == 'e' && !parse_errno(ps, &e))
		return false;
	if (!expect_end(ps))
		return false;
	if (p->has_default) {
		perr(ps, ps->t[0].col, "second 'default' line");
		note(ps, &p->default_loc, "first 'default' is here");
		return false;
	}
	p->has_default = true;
	p->default_action = e ? POLICY_ERRNO : POLICY_KILL;
	p->default_errno = e;
	p->default_loc = (struct policy_loc){p->file, ps->line, ps->t[0].col};
	return true;
}

static bool policy_name_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!word_char(*c))
			return false;
	return s[0] && s[0] != '-' && strlen(s) < POLICY_NAME_MAX;
}

static bool parse_include(struct parser *ps)
{
	struct policy *p = ps->p;
	const struct tok *t = ps->n > 1 ? &ps->t[1] : NULL;
	ps->i = 2;
	if (!t || t->kind != TOK_WORD || !policy_name_ok(t->s)) {
		perr(ps, t ? t->col : end_col(ps), "expected a policy name after 'include'");
		return false;
	}
	if (!expect_end(ps))
		return false;
	struct policy_include *n = realloc(p->includes, (p->nincludes + 1) * sizeof(*n));
	if (!n) {
		perr(ps, t->col, "out of memory");
		return false;
	}
	p->includes = n;
	snprintf(n[p->nincludes].name, POLICY_NAME_MAX, "%s", t->s);
	n[p->nincludes].loc = (struct policy_loc){p->file, ps->line, t->col};
	p->nincludes++;
	return true;
}

static void parse_line(struct parser *ps)
{
	const char *w = ps->t[0].s;
	if (strcmp(w, "allow") == 0)
		(void) parse_rule(ps, POLICY_ALLOW); /* errors are in the report */
	else if (strcmp(w, "errno") == 0)
		(void) parse_rule(ps, POLICY_ERRNO);
	else if (strcmp(w, "kill") == 0)
		(void) parse_rule(ps, POLICY_KILL);
	else if (strcmp(w, "default") == 0)
		(void) parse_default(ps);
	else if (strcmp(w, "include") == 0)
		(void) parse_include(ps);
	else
		perr(ps, ps->t[0].col,
		     "unknown action '%s' (expected allow, errno, kill, default or include)", w);
}

/* ---- whole files -------------------------------------------------------- */

static struct policy *policy_new(const char *name)
{
	struct policy *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->files = malloc(sizeof(char *));
	if (p->files)
		p->files[0] = strdup(name);
	if (!p->files || !p->files[0]) {
		policy_free(p);
		return NULL;
	}
	p->nfiles = 1;
	p->file = p->files[0];
	return p;
}

int policy_parse_report(const char *name, const char *text, size_t len, struct policy_report *rep,
			struct policy **ret_policy, struct jb_err *err)
{
	_cleanup_(policy_freep) struct policy *p = policy_new(name);
	if (!p)
		return jb_fail(err, ENOMEM, "parse policy '%s'", name);
	_cleanup_free_ struct parser *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return jb_fail(err, ENOMEM, "parse policy '%s'", name);
	struct policy_report local = {0};
	*ps = (struct parser){.p = p, .rep = rep ? rep : &local, .err = err};
	unsigned before = ps->rep->errors;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t) (nl - text) : len;
		ps->line++;
		if (lex_line(ps, text + at, end - at) && ps->n > 0)
			parse_line(ps);
		at = end + 1;
		if (!nl)
			break;
	}
	bool bad = ps->rep->errors != before;
	policy_report_clear(&local);
	if (bad)
		return -EINVAL;
	*ret_policy = TAKE_PTR(p);
	return 0;
}

int policy_parse(const char *name, const char *text, size_t len, struct policy **ret_policy,
		 struct jb_err *err)
{
	return policy_parse_report(name, text, len, NULL, ret_policy, err);
}

/* ---- includes ---------------------------------------------------------- */

static const struct policy_rule *first_rule(const struct policy_rule *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (same_name(r[i].syscall, name))
			return &r[i];
	return NULL;
}

static bool same_loc(const struct policy_loc *a, const struct policy_loc *b)
{
	return a->line == b->line && a->col == b->col && strcmp(a->file, b->file) == 0;
}

/* Should inc's rule r go into the merged list out (n rules, src[i] = which
 * include each came from)? 1 yes, 0 no, -EINVAL when two includes clash
 * (reported once per call). */
static int merge_keep(const struct policy *p, const struct policy *inc, size_t which,
		      const struct policy_rule *r, const struct policy_rule *out, const size_t *src,
		      size_t n, struct policy_report *rep, struct jb_err *err)
{
	if (first_rule(p->rules, p->nrules, r->syscall))
		return 0; /* the including file decides this call */
	const struct policy_rule *o = first_rule(out, n, r->syscall);
	if (!o || src[o - out] == which)
		return 1;
	if (same_loc(&o->loc, &first_rule(inc->rules, inc->nrules, r->syscall)->loc))
		return 0; /* the same file, included twice */
	if (first_rule(inc->rules, inc->nrules, r->syscall) != r)
		return -EINVAL; /* reported with the first one */
	policy_report_add(rep, err, false, &r->loc, "second rule for '%s'", r->syscall);
	policy_report_add(rep, err, true, &o->loc, "first rule is here");
	return -EINVAL;
}

static int merge_default(struct policy *p, struct policy *const *incs, size_t n,
			 struct policy_report *rep, struct jb_err *err)
{
	const struct policy *from = NULL;
	for (size_t i = 0; i < n && !p->has_default; i++) {
		const struct policy *q = incs[i];
		if (!q->has_default)
			continue;
		if (from && (q->default_action != from->default_action ||
			     q->default_errno != from->default_errno)) {
			policy_report_add(rep, err, false, &q->default_loc,
					  "'default' differs from an earlier include's");
			policy_report_add(rep, err, true, &from->default_loc,
					  "the other 'default' is here");
			return -EINVAL;
		}
		if (!from)
			from = q;
	}
	if (from) {
		p->has_default = true;
		p->default_action = from->default_action;
		p->default_errno = from->default_errno;
		p->default_loc = from->default_loc;
	}
	return 0;
}

static int merge_files(struct policy *p, struct policy *const *incs, size_t n, struct jb_err *err)
{
	size_t total = p->nfiles;
	for (size_t i = 0; i < n; i++)
		total += incs[i]->nfiles;
	char **f = realloc(p->files, total * sizeof(*f));
	if (!f)
		return jb_fail(err, ENOMEM, "merge policy '%s'", p->file);
	p->files = f;
	p->file = f[0];
	for (size_t i = 0; i < n; i++) {
		if (incs[i]->nfiles > 0)
			memcpy(f + p->nfiles, incs[i]->files, incs[i]->nfiles * sizeof(*f));
		p->nfiles += incs[i]->nfiles;
		incs[i]->nfiles = 0;
	}
	return 0;
}

static int merge(struct policy *p, struct policy *const *incs, size_t n, struct policy_report *rep,
		 struct jb_err *err)
{
	if (n == 0)
		return 0; /* nothing to merge: no copy of the rules (52 KB of fresh pages) */
	size_t cap = p->nrules, m = 0;
	for (size_t i = 0; i < n; i++)
		cap += incs[i]->nrules;
	_cleanup_free_ struct policy_rule *out = malloc((cap + 1) * sizeof(*out));
	_cleanup_free_ size_t *src = malloc((cap + 1) * sizeof(*src));
	if (!out || !src)
		return jb_fail(err, ENOMEM, "merge policy '%s'", p->file);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < incs[i]->nrules; k++) {
			const struct policy_rule *x = &incs[i]->rules[k];
			int keep = merge_keep(p, incs[i], i, x, out, src, m, rep, err);
			if (keep < 0)
				r = keep;
			if (keep > 0) {
				src[m] = i;
				out[m++] = *x;
			}
		}
	}
	if (r < 0)
		return r;
	r = merge_default(p, incs, n, rep, err);
	if (r < 0)
		return r;
	r = merge_files(p, incs, n, err);
	if (r < 0)
		return r;
	if (p->nrules > 0)
		memcpy(out + m, p->rules, p->nrules * sizeof(*out));
	free(p->rules);
	p->rules = TAKE_PTR(out);
	p->nrules = m + p->nrules;
	return 0;
}

int policy_merge(struct policy *p, struct policy *const *incs, size_t n, struct policy_report *rep,
		 struct jb_err *err)
{
	struct policy_report local = {0}; /* notes follow their error into err */
	int r = merge(p, incs, n, rep ? rep : &local, err);
	policy_report_clear(&local);
	return r;
}

/* ---- printing ----------------------------------------------------------- */

static void put_num(char *buf, size_t n, uint64_t v)
{
	size_t l = strlen(buf);
	snprintf(buf + l, n - l, v < 10 ? "%llu" : "0x%llx", (unsigned long long) v);
}

const char *policy_rule_format(const struct policy_rule *r, char *buf, size_t n)
{
	static const char *const verbs[] = {"allow", "errno", "kill"};
	const char *en = policy_errno_name(r->errno_value);
	if (r->action == POLICY_ERRNO && en)
		snprintf(buf, n, "errno %s %s", en, r->syscall);
	else if (r->action == POLICY_ERRNO)
		snprintf(buf, n, "errno %d %s", r->errno_value, r->syscall);
	else
		snprintf(buf, n, "%s %s", verbs[r->action], r->syscall);
	for (unsigned k = 0; k < r->ncond; k++) {
		const struct policy_cond *c = &r->cond[k];
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s arg%u ", k ? " and" : " if", c->arg);
		if (c->op == POLICY_OP_MASKED_EQ) {
			strncat(buf, "& ", n - strlen(buf) - 1);
			put_num(buf, n, c->mask);
			strncat(buf, " == ", n - strlen(buf) - 1);
		} else {
			l = strlen(buf);
			snprintf(buf + l, n - l, "%s ", op_names[c->op]);
		}
		put_num(buf, n, c->value);
	}
	return buf;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->rules);
	free(p->includes);
	free(p);
}
