#pragma once
/* The seccomp BPF of a policy, generated here rather than by libseccomp,
 * whose back end takes about 1 ms per policy, the slowest step of a job's
 * start; this one takes a few microseconds. Pure: no syscalls, no printing.
 *
 * A builder collects allow entries, each a syscall number and up to
 * BPFGEN_COND_MAX conditions on its 64-bit arguments (ANDed; entries of one
 * number are ORed), compared as policy_rule_match() does. The program
 * returns, for struct seccomp_data d:
 *   SECCOMP_RET_USER_NOTIF when d.arch is not AUDIT_ARCH_X86_64 (or nr has
 *                          the x32 bit: no entry can have it),
 *   SECCOMP_RET_ALLOW      when some entry for d.nr holds,
 *   SECCOMP_RET_USER_NOTIF otherwise.
 * Shape: arch check, then a balanced binary search over the ranges of
 * numbers (runs of unconditionally allowed numbers are one range), whose
 * leaves return directly or test the arguments as two 32-bit halves. The
 * path of an unconditional number loads no argument, so the kernel's action
 * cache (kernel 5.11+) lets those calls skip the filter altogether. */
#include <linux/filter.h>

#include "err.h"
#include "policy.h"

#define BPFGEN_COND_MAX (POLICY_COND_MAX + 1) /* a rule's, plus seccomp.c's own */

struct bpfgen;

/* A new empty builder in *ret (free with bpfgen_free), or -ENOMEM. */
int bpfgen_new(struct bpfgen **ret, struct jb_err *err);
void bpfgen_free(struct bpfgen *b);
static inline void bpfgen_freep(struct bpfgen **b)
{
	bpfgen_free(*b);
}

/* Allow nr (0 <= nr < 0x40000000) when all of cond[0..ncond) hold; ncond 0:
 * always. cond is copied. -EINVAL on a bad nr, argument index or operator,
 * -E2BIG over BPFGEN_COND_MAX conditions, -ENOMEM; b is unchanged then. */
int bpfgen_add(struct bpfgen *b, int nr, const struct policy_cond *cond, unsigned ncond,
	       struct jb_err *err);

/* The program of the entries added so far: *ret_insns (malloc'ed, the
 * caller frees it) of *ret_len instructions. -E2BIG over BPF_MAXINSNS,
 * -ENOMEM. Sorts b's entries by number (entries can still be added). */
int bpfgen_emit(struct bpfgen *b, struct sock_filter **ret_insns, unsigned short *ret_len,
		struct jb_err *err);
