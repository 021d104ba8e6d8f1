#pragma once
/* Policy files (policies/NAME.policy) to a rule list. Pure: no file system,
 * no libseccomp; seccomp.c reads the files, resolves includes and syscall
 * names and builds the filter.
 *
 * The language, one rule per line; '#' starts a comment; blank lines are
 * ignored; words are separated by blanks, operators need none:
 *
 *   include NAME                  rules of NAME.policy (same search path);
 *                                 this file's rules for a call replace all
 *                                 of NAME's rules for that call
 *   default kill                  unlisted calls: kill | errno ERRNO
 *   allow CALL... [if CONDS]      let the call run
 *   errno ERRNO CALL... [if CONDS] fail it: EPERM, ENOSYS... or 1..4095
 *   kill CALL... [if CONDS]       end the job: SYSCALL_VIOLATION
 *
 *   CONDS := COND {and COND}      every COND must hold
 *   COND  := argN OP VALUE | argN & VALUE == VALUE      N = 0..5
 *   OP    := == | != | < | <= | > | >=   (unsigned, on the 64-bit register)
 *   VALUE := TERM {'|' TERM}      TERM: 123, -100, 0x1f, or a constant
 *                                 such as CLONE_THREAD, AF_UNIX, TIOCSTI
 *
 * The rules of a call are tried in file order, the first that matches
 * decides, else the default (kill when no file says). So that the filter
 * can allow in BPF exactly what the rules allow, a file lists a call's
 * allow rules before its errno/kill rules and an unconditional rule last.
 * Each argument is compared at most once per rule (libseccomp's limit).
 * Beware '!=', '>' and '>=' on an int argument: the kernel drops the upper
 * 32 bits that the comparison sees, so prefer '==' and masks there.
 * Errors read "FILE:LINE:COL: message", columns counted in bytes from 1.
 * One error rejects the whole policy. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define POLICY_NAME_MAX	  48   /* syscall and policy names, NUL included */
#define POLICY_COND_MAX	  6    /* one comparison per argument */
#define POLICY_RULES_MAX  4096 /* per file: keeps the checks linear enough */
#define POLICY_ERRNO_MAX  4095 /* SECCOMP_RET_DATA is 16 bits, errno < 4096 */
#define POLICY_NO_SYSCALL (-1) /* policy_rule.nr before seccomp.c resolves it */

enum policy_action {
	POLICY_ALLOW = 0,
	POLICY_ERRNO = 1,
	POLICY_KILL = 2,
};

enum policy_op {
	POLICY_OP_EQ,
	POLICY_OP_NE,
	POLICY_OP_LT,
	POLICY_OP_LE,
	POLICY_OP_GT,
	POLICY_OP_GE,
	POLICY_OP_MASKED_EQ, /* (arg & mask) == value */
};

struct policy_cond {
	unsigned arg;
	enum policy_op op;
	uint64_t mask; /* POLICY_OP_MASKED_EQ only */
	uint64_t value;
};

/* Where a rule was written; file points into the owning policy's files. */
struct policy_loc {
	const char *file;
	unsigned line, col;
};

struct policy_rule {
	char syscall[POLICY_NAME_MAX];
	int nr; /* POLICY_NO_SYSCALL until seccomp.c resolves syscall */
	enum policy_action action;
	int errno_value; /* POLICY_ERRNO only, 1..POLICY_ERRNO_MAX */
	unsigned ncond;
	struct policy_cond cond[POLICY_COND_MAX];
	struct policy_loc loc; /* of the syscall's name */
};

struct policy_include {
	char name[POLICY_NAME_MAX];
	struct policy_loc loc;
};

struct policy {
	const char *file; /* display name, files[0] */
	bool has_default;
	enum policy_action default_action; /* POLICY_KILL or POLICY_ERRNO */
	int default_errno;
	struct policy_loc default_loc;
	struct policy_rule *rules;
	size_t nrules;
	struct policy_include *includes; /* not yet merged, in file order */
	size_t nincludes;
	char **files; /* every display name the locations point to */
	size_t nfiles;
};

/* Every error of a check, as "FILE:LINE:COL: message\n" lines (malloc'ed
 * text, NULL when empty or out of memory; errors counts them anyway). */
struct policy_report {
	char *text;
	size_t len;
	unsigned errors;
	bool last_in_err; /* the last error went to err: so does its note */
};

/* Record an error at loc in rep (may be NULL) and, when it is the first one,
 * in err as JB_ERR_INVALID; a note (is_note) is a follow-up line of the last
 * error ("first rule is here") and goes where that error went. */
void policy_report_add(struct policy_report *rep, struct jb_err *err, bool is_note,
		       const struct policy_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void policy_report_clear(struct policy_report *rep);

/* Parse text (len bytes, need not be NUL-terminated) of the file shown as
 * name. On success *ret_policy is a new policy (includes listed, not merged,
 * syscall names not resolved). On any error returns -EINVAL and err holds the
 * first error; policy_parse_report() also appends every error to rep. */
int policy_parse(const char *name, const char *text, size_t len, struct policy **ret_policy,
		 struct jb_err *err);
int policy_parse_report(const char *name, const char *text, size_t len, struct policy_report *rep,
			struct policy **ret_policy, struct jb_err *err);

/* Merge the parsed included policies incs[0..n) into p, in order: p's rules
 * for a call replace theirs; two includes with rules for the same call (not
 * from the same file) are an error, as are conflicting defaults. The
 * includes' file names move into p; incs are left empty but must be freed. */
int policy_merge(struct policy *p, struct policy *const *incs, size_t n, struct policy_report *rep,
		 struct jb_err *err);

/* Does the rule's condition list hold for these syscall arguments? */
bool policy_rule_match(const struct policy_rule *r, const uint64_t args[6]);
bool policy_conds_match(const struct policy_cond *cond, unsigned n, const uint64_t args[6]);

/* The rule in the policy language ("allow clone if arg0 & 0x10000 == ...")
 * written to buf (size n), which is returned. */
const char *policy_rule_format(const struct policy_rule *r, char *buf, size_t n);

/* Symbolic errno name ("ENOSYS") or NULL. */
const char *policy_errno_name(int e);

void policy_free(struct policy *p);
static inline void policy_freep(struct policy **p)
{
	policy_free(*p);
}
