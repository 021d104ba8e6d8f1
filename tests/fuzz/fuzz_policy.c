/* libFuzzer target for policy_parse(): any bytes must give a policy or a
 * clean error, never a crash, leak or hang; a parsed rule printed by
 * policy_rule_format() must parse back to the same rule. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static void check_roundtrip(const struct policy_rule *r)
{
	char line[512];
	struct policy *q = NULL;
	struct jb_err err = {0};
	policy_rule_format(r, line, sizeof(line));
	if (policy_parse("rt.policy", line, strlen(line), &q, &err) < 0)
		__builtin_trap(); /* the printer wrote something the parser rejects */
	const struct policy_rule *o = &q->rules[0];
	if (q->nrules != 1 || o->action != r->action || o->errno_value != r->errno_value ||
	    o->ncond != r->ncond || strcmp(o->syscall, r->syscall) != 0 ||
	    memcmp(o->cond, r->cond, r->ncond * sizeof(r->cond[0])) != 0)
		__builtin_trap();
	policy_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct policy_report rep = {0};
	struct jb_err err = {0};
	if (policy_parse_report("fuzz.policy", (const char *) data, size, &rep, &p, &err) == 0) {
		for (size_t i = 0; i < p->nrules && i < 64; i++)
			check_roundtrip(&p->rules[i]);
		policy_free(p);
	} else if (rep.errors == 0 || err.code == 0) {
		__builtin_trap(); /* a rejection must say why */
	}
	policy_report_clear(&rep);
	return 0;
}
