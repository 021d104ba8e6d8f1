/* bpfgen.c: the generated cBPF, run by a strict interpreter, returns what
 * an oracle evaluating the entries directly returns, for every syscall
 * number below 1024, x32 and i386 numbers, and arguments at every
 * condition's boundaries; for the shipped policies (their rules read back
 * from `policy show`) it never allows what sc_decide refuses; unconditional
 * numbers load no argument (the kernel's action cache); long programs jump
 * through trampolines; too long ones are E2BIG; the kernel accepts the
 * result. TAP. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfgen.h"
#include "policy.h"
#include "seccomp.h"
#include "tap.h"
#include "util.h"

#define X32_BIT 0x40000000U

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	return t_xorshift(&rnd_state);
}

/* ---- a strict cBPF interpreter: only what bpfgen may emit ---------------- */

struct run {
	uint32_t ret;
	bool bad;     /* unknown opcode, bad load or jump, ran off the end */
	bool argload; /* read an argument */
};

static bool jump_ok(const struct sock_fprog *p, unsigned pc, uint32_t off)
{
	return (uint64_t) pc + 1 + off < p->len;
}

/* One conditional jump: the new pc, or false when malformed. */
static bool bpf_cond(const struct sock_fprog *p, unsigned *pc, uint32_t a)
{
	const struct sock_filter *in = &p->filter[*pc];
	bool t;
	switch (in->code) {
	case BPF_JMP | BPF_JEQ | BPF_K:
		t = a == in->k;
		break;
	case BPF_JMP | BPF_JGT | BPF_K:
		t = a > in->k;
		break;
	case BPF_JMP | BPF_JGE | BPF_K:
		t = a >= in->k;
		break;
	case BPF_JMP | BPF_JSET | BPF_K:
		t = (a & in->k) != 0;
		break;
	default:
		return false;
	}
	uint32_t off = t ? in->jt : in->jf;
	if (!jump_ok(p, *pc, off))
		return false;
	*pc += off;
	return true;
}

static struct run bpf_run(const struct sock_fprog *p, const struct seccomp_data *d)
{
	struct run r = {0};
	uint32_t a = 0;
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *in = &p->filter[pc];
		if (in->code == (BPF_LD | BPF_W | BPF_ABS)) {
			if (in->k % 4 || in->k > sizeof(*d) - 4)
				break;
			memcpy(&a, (const char *) d + in->k, 4);
			r.argload |= in->k >= offsetof(struct seccomp_data, args);
		} else if (in->code == (BPF_ALU | BPF_AND | BPF_K)) {
			a &= in->k;
		} else if (in->code == (BPF_JMP | BPF_JA)) {
			if (!jump_ok(p, pc, in->k))
				break;
			pc += in->k;
		} else if (in->code == (BPF_RET | BPF_K)) {
			r.ret = in->k;
			return r;
		} else if (!bpf_cond(p, &pc, a)) {
			break;
		}
	}
	r.bad = true;
	return r;
}

/* Every instruction well formed, wherever it is; the last one a return. */
static bool bpf_static_ok(const struct sock_fprog *p, unsigned *ret_ja)
{
	*ret_ja = 0;
	if (p->len == 0 || p->len > BPF_MAXINSNS || p->filter[p->len - 1].code != (BPF_RET | BPF_K))
		return false;
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *in = &p->filter[pc];
		if (in->code == (BPF_JMP | BPF_JA)) {
			(*ret_ja)++;
			if (!jump_ok(p, pc, in->k))
				return false;
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			if (!jump_ok(p, pc, in->jt) || !jump_ok(p, pc, in->jf))
				return false;
		}
	}
	return true;
}

/* ---- entries, the oracle, argument samples -------------------------------- */

struct entry {
	int nr;
	unsigned n;
	struct policy_cond c[BPFGEN_COND_MAX];
};

struct set {
	struct entry *v;
	size_t n, cap;
};

static void set_add(struct set *s, int nr, const struct policy_cond *c, unsigned n)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort(); /* test: out of memory */
	}
	struct entry *e = &s->v[s->n++];
	*e = (struct entry){.nr = nr, .n = n};
	if (n)
		memcpy(e->c, c, n * sizeof(*c));
}

static bool cond_holds(const struct policy_cond *c, const uint64_t *args)
{
	uint64_t a = args[c->arg], v = c->value;
	switch (c->op) {
	case POLICY_OP_EQ:
		return a == v;
	case POLICY_OP_NE:
		return a != v;
	case POLICY_OP_LT:
		return a < v;
	case POLICY_OP_LE:
		return a <= v;
	case POLICY_OP_GT:
		return a > v;
	case POLICY_OP_GE:
		return a >= v;
	case POLICY_OP_MASKED_EQ:
		return (a & c->mask) == v;
	}
	return false;
}

static bool entry_holds(const struct entry *e, const uint64_t *args)
{
	for (unsigned k = 0; k < e->n; k++)
		if (!cond_holds(&e->c[k], args))
			return false;
	return true;
}

/* The filter's contract (bpfgen.h), from the entries. */
static uint32_t oracle(const struct set *s, const struct seccomp_data *d)
{
	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & X32_BIT))
		return SECCOMP_RET_USER_NOTIF;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].nr == d->nr && entry_holds(&s->v[i], (const uint64_t *) d->args))
			return SECCOMP_RET_ALLOW;
	return SECCOMP_RET_USER_NOTIF;
}

static bool nr_always(const struct set *s, int nr)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].nr == nr && s->v[i].n == 0)
			return true;
	return false;
}

/* Values on both sides of c's edges, in either 32-bit half. */
static size_t edges(const struct policy_cond *c, uint64_t *out)
{
	uint64_t v = c->value, m = c->mask, r = rnd();
	uint64_t e[] = {v - 1,
			v,
			v + 1,
			v ^ (1ULL << 32),
			v + (1ULL << 32),
			v - (1ULL << 32),
			0,
			UINT64_MAX,
			m,
			v | ~m,
			(v & m) | (r & ~m),
			v ^ (m & -m),
			v ^ (1ULL << 63),
			(uint32_t) v,
			v | 0xffffffff00000000ULL,
			r};
	memcpy(out, e, sizeof(e));
	return ARRAY_SIZE(e);
}

/* A value that passes c (when one exists). */
static uint64_t satisfy(const struct policy_cond *c)
{
	switch (c->op) {
	case POLICY_OP_NE:
	case POLICY_OP_GT:
		return c->value + 1;
	case POLICY_OP_LT:
		return c->value - 1;
	default:
		return c->value;
	}
}

struct tally {
	unsigned checked, wrong, bad, cache;
	uint32_t (*oracle)(const struct set *, const struct seccomp_data *);
	const struct sc_filter *f; /* shipped policies: also ask sc_decide */
	unsigned decide;
	bool quiet;
};

static void check(const struct sock_fprog *p, const struct set *s, const struct seccomp_data *d,
		  struct tally *t)
{
	struct run r = bpf_run(p, d);
	uint32_t want = t->oracle(s, d);
	int e;
	t->checked++;
	if (r.bad) {
		t->bad++;
	} else if (r.ret != want) {
		if (t->wrong++ < 5 && !t->quiet)
			printf("#   nr 0x%x arch 0x%x args 0x%llx 0x%llx 0x%llx: bpf 0x%x, oracle "
			       "0x%x\n",
			       d->nr, d->arch, (unsigned long long) d->args[0],
			       (unsigned long long) d->args[1], (unsigned long long) d->args[2],
			       r.ret, want);
	}
	/* seccomp.c narrows the arguments of these, whatever the policy says */
	bool fixed = t->f && (d->nr == __NR_ioctl || d->nr == __NR_personality);
	if (d->arch == AUDIT_ARCH_X86_64 && !(d->nr & X32_BIT) && r.argload && !fixed &&
	    nr_always(s, d->nr))
		t->cache++;
	if (t->f && r.ret == SECCOMP_RET_ALLOW && sc_decide(t->f, d, false, &e) != SC_ACTION_ALLOW)
		t->decide++;
}

/* For each entry of nr: all its conditions met, then each moved to its edges. */
static void check_entries(const struct sock_fprog *p, const struct set *s, struct seccomp_data *d,
			  struct tally *t)
{
	uint64_t ev[32];
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *en = &s->v[i];
		if (en->nr != d->nr)
			continue;
		for (unsigned k = 0; k < en->n; k++)
			d->args[en->c[k].arg] = satisfy(&en->c[k]);
		check(p, s, d, t);
		for (unsigned k = 0; k < en->n; k++) {
			uint64_t keep = d->args[en->c[k].arg];
			size_t ne = edges(&en->c[k], ev);
			for (size_t j = 0; j < ne; j++) {
				d->args[en->c[k].arg] = ev[j];
				check(p, s, d, t);
			}
			d->args[en->c[k].arg] = keep;
		}
	}
}

/* Random argument vectors mixing every edge of every condition on nr. */
static void check_mixed(const struct sock_fprog *p, const struct set *s, struct seccomp_data *d,
			struct tally *t, const uint64_t *extra, size_t nextra)
{
	uint64_t pool[512];
	size_t np = 0;
	for (size_t i = 0; i < nextra; i++)
		pool[np++] = extra[i];
	for (size_t i = 0; i < s->n; i++)
		for (unsigned k = 0; k < s->v[i].n && s->v[i].nr == d->nr && np + 16 <= 512; k++)
			np += edges(&s->v[i].c[k], pool + np);
	for (unsigned round = 0; round < 24; round++) {
		for (int a = 0; a < 6; a++)
			d->args[a] = np && rnd() % 4 ? pool[rnd() % np] : rnd();
		check(p, s, d, t);
	}
}

static void check_nr(const struct sock_fprog *p, const struct set *s, uint32_t arch, uint32_t nr,
		     struct tally *t, const uint64_t *extra, size_t nextra)
{
	struct seccomp_data d = {.nr = (int) nr, .arch = arch};
	for (int a = 0; a < 6; a++)
		d.args[a] = rnd();
	check(p, s, &d, t);
	check_entries(p, s, &d, t);
	check_mixed(p, s, &d, t, extra, nextra);
}

/* Every number below 1024 and every entry's, their x32 twins, i386 and a
 * made-up architecture. */
static void check_all(const struct sock_fprog *p, const struct set *s, struct tally *t,
		      const uint64_t *extra, size_t nextra)
{
	for (uint32_t nr = 0; nr < 1024; nr++) {
		check_nr(p, s, AUDIT_ARCH_X86_64, nr, t, extra, nextra);
		if (nr % 16 == 0 || nr_always(s, (int) nr))
			check_nr(p, s, AUDIT_ARCH_X86_64, X32_BIT | nr, t, extra, nextra);
		if (nr % 8 == 0 || nr_always(s, (int) nr))
			check_nr(p, s, AUDIT_ARCH_I386, nr, t, extra, nextra);
	}
	for (size_t i = 0; i < s->n; i++) {
		uint32_t nr = (uint32_t) s->v[i].nr;
		if (nr >= 1024)
			check_nr(p, s, AUDIT_ARCH_X86_64, nr, t, extra, nextra);
		check_nr(p, s, AUDIT_ARCH_X86_64, X32_BIT | nr, t, extra, nextra);
		check_nr(p, s, AUDIT_ARCH_I386, nr, t, extra, nextra);
		check_nr(p, s, 0xc000003fU ^ 1, nr, t, extra, nextra);
	}
	uint32_t odd[] = {1024, 0x3fffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe};
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		check_nr(p, s, AUDIT_ARCH_X86_64, odd[i], t, extra, nextra);
}

/* ---- synthetic builders ---------------------------------------------------- */

/* The set's program from a fresh builder; 0 or -errno. */
static int build(const struct set *s, struct sock_fprog *ret, struct jb_err *err)
{
	_cleanup_(bpfgen_freep) struct bpfgen *b = NULL;
	int r = bpfgen_new(&b, err);
	for (size_t i = 0; i < s->n && r >= 0; i++)
		r = bpfgen_add(b, s->v[i].nr, s->v[i].c, s->v[i].n, err);
	if (r >= 0)
		r = bpfgen_emit(b, &ret->filter, &ret->len, err);
	return r;
}

static void test_kernel(const char *what, const struct sock_fprog *p);
static void test_mutants(const char *what, const struct set *s, const struct sock_fprog *p);

#define T_MUTANTS 1
#define T_KERNEL  2

static void test_set(const char *what, struct set *s, unsigned min_ja, int more)
{
	struct sock_fprog p = {0};
	struct jb_err err = {0};
	unsigned ja = 0;
	struct tally t = {.oracle = oracle};
	int r = build(s, &p, &err);
	if (!ok(r == 0, "%s: %zu entries build (%s)", what, s->n, err.msg))
		return;
	bool well = bpf_static_ok(&p, &ja);
	ok(well && ja >= min_ja,
	   "%s: %u instructions, well formed, ends in a return, %u jumps always (>= %u)", what,
	   p.len, ja, min_ja);
	check_all(&p, s, &t, NULL, 0);
	ok(t.wrong == 0 && t.bad == 0 && t.checked > 10000,
	   "%s: bpf == oracle on %u calls (%u wrong, %u malformed runs)", what, t.checked, t.wrong,
	   t.bad);
	ok(t.cache == 0, "%s: unconditional numbers load no argument (%u did)", what, t.cache);
	if (more & T_MUTANTS)
		test_mutants(what, s, &p);
	if (more & T_KERNEL)
		test_kernel(what, &p);
	free(p.filter);
}

static struct policy_cond cond(unsigned arg, enum policy_op op, uint64_t mask, uint64_t value)
{
	return (struct policy_cond){arg, op, mask, value};
}

static const uint64_t edge_values[] = {0,
				       1,
				       2,
				       0x7fffffff,
				       0x80000000,
				       0xfffffffe,
				       0xffffffff,
				       0x100000000ULL,
				       0x100000001ULL,
				       0xffffffff00000000ULL,
				       0x8000000000000000ULL,
				       UINT64_MAX - 1,
				       UINT64_MAX};

static const uint64_t mask_values[] = {0,
				       UINT64_MAX,
				       1,
				       0x80000000,
				       0x100000000ULL,
				       0x8000000000000000ULL,
				       0xffffffff,
				       0xffffffff00000000ULL,
				       0x0000ffffffff0000ULL,
				       0x10000 | 0x20000000ULL};

/* One entry per operator and edge value, each on its own number; masks
 * with the values that fit them, and some that do not. */
static void every_op(struct set *s)
{
	int nr = 0;
	for (int op = POLICY_OP_EQ; op < POLICY_OP_MASKED_EQ; op++)
		for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++) {
			struct policy_cond c = cond((unsigned) nr % 6, op, 0, edge_values[i]);
			set_add(s, nr++, &c, 1);
		}
	for (size_t m = 0; m < ARRAY_SIZE(mask_values); m++) {
		uint64_t mk = mask_values[m], vals[] = {0, mk, mk & -mk, mk & (mk << 1), 1, rnd()};
		for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
			struct policy_cond c =
				cond((unsigned) nr % 6, POLICY_OP_MASKED_EQ, mk, vals[i]);
			set_add(s, nr++, &c, 1);
		}
	}
}

static struct policy_cond random_cond(void)
{
	enum policy_op op = (enum policy_op)(rnd() % 7);
	uint64_t v = rnd() % 3 ? edge_values[rnd() % ARRAY_SIZE(edge_values)] : rnd();
	uint64_t m = rnd() % 2 ? mask_values[rnd() % ARRAY_SIZE(mask_values)] : rnd();
	if (op == POLICY_OP_MASKED_EQ)
		v &= rnd() % 4 ? m : UINT64_MAX; /* mostly satisfiable */
	return cond((unsigned) (rnd() % 6), op, m, v);
}

static void random_entries(struct set *s, int nr, unsigned n, unsigned max_cond)
{
	for (unsigned i = 0; i < n; i++) {
		struct policy_cond c[BPFGEN_COND_MAX];
		unsigned nc = 1 + (unsigned) (rnd() % max_cond);
		for (unsigned k = 0; k < nc; k++)
			c[k] = random_cond();
		set_add(s, nr, c, nc);
	}
}

static void test_synthetic(void)
{
	struct set s = {0};
	test_set("empty", &s, 0, 0);
	set_add(&s, __NR_getppid, NULL, 0);
	test_set("one unconditional", &s, 0, 0);
	s.n = 0;
	random_entries(&s, __NR_ioctl, 60, BPFGEN_COND_MAX);
	test_set("60 conditional entries on ioctl", &s, 0, 0);
	s.n = 0;
	every_op(&s);
	test_set("every operator at its edges", &s, 0, T_MUTANTS);
	s.n = 0;
	for (int nr = 0; nr < 1000; nr++) {
		if (nr % 5 == 1)
			random_entries(&s, nr, 1 + (unsigned) (rnd() % 2), 2);
		else if (nr % 5 != 3)
			set_add(&s, nr, NULL, 0); /* runs of unconditional numbers, gaps */
	}
	random_entries(&s, 5000, 3, BPFGEN_COND_MAX);
	set_add(&s, __NR_exit_group, NULL, 0); /* for the kernel test */
	test_set("800 distinct numbers, long jumps", &s, 2, T_MUTANTS | T_KERNEL);
	free(s.v);
}

static void test_errors(void)
{
	_cleanup_(bpfgen_freep) struct bpfgen *b = NULL;
	struct jb_err err = {0};
	struct policy_cond c[BPFGEN_COND_MAX + 1] = {0}, badarg = cond(6, POLICY_OP_EQ, 0, 0),
					       badop = cond(0, (enum policy_op) 99, 0, 0);
	ok(bpfgen_new(&b, &err) == 0, "bpfgen_new");
	if (!b)
		return;
	ok(bpfgen_add(b, -1, NULL, 0, &err) == -EINVAL, "nr -1: %s", err.msg);
	ok(bpfgen_add(b, (int) X32_BIT, NULL, 0, &err) == -EINVAL, "an x32 number: %s", err.msg);
	ok(bpfgen_add(b, 1, &badarg, 1, &err) == -EINVAL, "arg6: %s", err.msg);
	ok(bpfgen_add(b, 1, &badop, 1, &err) == -EINVAL, "operator 99: %s", err.msg);
	ok(bpfgen_add(b, 1, c, BPFGEN_COND_MAX + 1, &err) == -E2BIG, "8 conditions: %s", err.msg);
	/* 4 instructions per condition: 2000 numbers with two make 16000 */
	for (int nr = 0; nr < 2000; nr += 1) {
		struct policy_cond two[2] = {cond(0, POLICY_OP_EQ, 0, rnd()),
					     cond(1, POLICY_OP_EQ, 0, rnd())};
		if (bpfgen_add(b, nr, two, 2, &err) < 0)
			break;
	}
	struct sock_filter *insns = NULL;
	unsigned short len = 0;
	jb_err_clear(&err);
	ok(bpfgen_emit(b, &insns, &len, &err) == -E2BIG && !insns, "too long is E2BIG: %s",
	   err.msg);
}

/* ---- real filters ------------------------------------------------------------ */

/* True when this kernel has seccomp user notification at all: the one
 * feature whose absence excuses not loading a filter. EINVAL from loading a
 * generated filter is the kernel calling it malformed, never a skip. */
static bool kernel_has_user_notif(void)
{
	struct seccomp_notif_sizes sizes;
	return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

/* Installed in a child, the filter lets getppid and exit run. */
static void test_kernel(const char *what, const struct sock_fprog *p)
{
	if (!kernel_has_user_notif()) {
		ok(1, "%s: kernel load # SKIP no seccomp user notification", what);
		return;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		alarm(5); /* a notified call would wait for a listener nobody serves */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(2);
		int fd = sc_install(p);
		if (fd < 0)
			_exit(-fd == EINVAL ? 6 : 3); /* 6: the kernel called it malformed */
		/* raw exit (of the only thread): the sanitizers' _exit makes
		 * calls of its own, and a shipped policy notifies exit_group */
		syscall(SYS_exit, syscall(SYS_getppid) == parent ? 0 : 4);
		_exit(5); /* not reached */
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		ok(0, "%s: fork/wait: %s", what, strerror(errno));
		return;
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "%s: the kernel loads it, getppid runs in the filter (status 0x%x)", what, st);
}

/* Each return flipped between ALLOW and NOTIFY is caught: the checks reach
 * every leaf, so they can fail. */
static void test_mutants(const char *what, const struct set *s, const struct sock_fprog *p)
{
	unsigned rets = 0, caught = 0;
	struct sock_filter *in = p->filter;
	for (unsigned i = 0; i < p->len; i++) {
		if (in[i].code != (BPF_RET | BPF_K))
			continue;
		uint32_t keep = in[i].k;
		struct tally t = {.oracle = oracle, .quiet = true};
		in[i].k = keep == SECCOMP_RET_ALLOW ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW;
		rets++;
		check_all(p, s, &t, NULL, 0);
		caught += t.wrong > 0;
		in[i].k = keep;
	}
	ok(rets > 0 && caught == rets, "%s: all %u flipped returns caught (%u)", what, rets,
	   caught);
}

/* ---- the shipped policies ------------------------------------------------------ */

/* seccomp.c's fixed argument rules (seccomp.c sc_argfix), as what they let
 * through: an allow rule without a condition on that argument passes only
 * values below 2^32 that are not forbidden (ioctl) or exactly the allowed
 * ones (personality); with an == condition on it, the rule as long as the
 * value is not forbidden; any other condition on it keeps it out of BPF. */
static bool argfix_ok(const struct entry *e, const uint64_t *args)
{
	unsigned arg = e->nr == __NR_ioctl ? 1 : 0;
	if (e->nr != __NR_ioctl && e->nr != __NR_personality)
		return true;
	uint32_t lo = (uint32_t) args[arg];
	bool listed = e->nr == __NR_ioctl ? lo == TIOCSTI || lo == TIOCLINUX
					  : lo == 0 || lo == 0xffffffff;
	bool pass = e->nr == __NR_ioctl ? !listed : listed;
	for (unsigned k = 0; k < e->n; k++)
		if (e->c[k].arg == arg)
			return e->c[k].op == POLICY_OP_EQ && pass;
	return pass && args[arg] >> 32 == 0;
}

static uint32_t oracle_shipped(const struct set *s, const struct seccomp_data *d)
{
	/* exit_group and execve are notified whatever a policy allows
	 * (sc_is_barrier): no exit can hide a forbidden call of another thread */
	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & X32_BIT) || sc_is_barrier(d))
		return SECCOMP_RET_USER_NOTIF;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].nr == d->nr && entry_holds(&s->v[i], (const uint64_t *) d->args) &&
		    argfix_ok(&s->v[i], (const uint64_t *) d->args))
			return SECCOMP_RET_ALLOW;
	return SECCOMP_RET_USER_NOTIF;
}

/* The allow rules of policy name, read back from `policy show` (includes
 * merged, one rule per line in the policy language). */
static int shipped_set(const char *name, struct set *s)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(policy_freep) struct policy *p = NULL;
	struct jb_err err = {0};
	if (sc_policy_show(name, &text, &err) < 0)
		return printf("# show %s: %s\n", name, err.msg), -1;
	const char *rules = strstr(text, "\n# rules\n");
	if (!rules || policy_parse("show", rules, strlen(rules), &p, &err) < 0)
		return printf("# parse the rules of %s: %s\n", name, err.msg), -1;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, r->syscall);
		if (nr < 0)
			return printf("# unknown syscall '%s'\n", r->syscall), -1;
		if (r->action == POLICY_ALLOW)
			set_add(s, nr, r->cond, r->ncond);
	}
	return 0;
}

static void test_shipped(const char *name)
{
	const struct sc_filter *f = NULL;
	struct jb_err err = {0};
	struct set s = {0};
	unsigned ja = 0;
	static const uint64_t extra[] = {TIOCSTI,
					 TIOCSTI - 1,
					 TIOCSTI + 1,
					 TIOCLINUX,
					 TIOCSTI | 1ULL << 32,
					 TIOCLINUX | 1ULL << 40,
					 TCGETS,
					 0,
					 1,
					 0xffffffff,
					 0x1ffffffffULL,
					 0xffffffff00000000ULL,
					 UINT64_MAX};
	bool loaded = sc_filter_get(name, &f, &err) == 0 && shipped_set(name, &s) == 0;
	if (!ok(loaded && s.n > 0, "'%s': loads, %zu allow rules (%s)", name, s.n, err.msg))
		return;
	const struct sock_fprog *p = sc_filter_prog(f);
	struct tally t = {.oracle = oracle_shipped, .f = f};
	bool well = p && bpf_static_ok(p, &ja);
	if (!ok(well, "'%s': %u instructions, well formed, %u jumps always", name, p ? p->len : 0,
		ja))
		return;
	check_all(p, &s, &t, extra, ARRAY_SIZE(extra));
	ok(t.wrong == 0 && t.bad == 0 && t.checked > 10000,
	   "'%s': bpf == rules on %u calls (%u wrong, %u malformed runs)", name, t.checked, t.wrong,
	   t.bad);
	ok(t.decide == 0, "'%s': where bpf allows, sc_decide allows (%u differ)", name, t.decide);
	ok(t.cache == 0, "'%s': unconditional calls load no argument (%u did)", name, t.cache);
	if (strcmp(name, "default") == 0)
		test_kernel("default", p);
	free(s.v);
}

/* ---- generation time --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* sc_filter_compile of a freshly loaded default: sc_build, i.e. seccomp.c's
 * entries and bpfgen. Printed, not asserted: the machine is shared. */
static void test_time(void)
{
	double us[100];
	unsigned len = 0;
	for (int i = 0; i < 100; i++) {
		const struct sc_filter *f = NULL;
		const struct sock_fprog *p = NULL;
		struct jb_err err = {0};
		sc_cache_clear();
		if (sc_filter_get("default", &f, &err) < 0)
			return (void) ok(0, "load default: %s", err.msg);
		double t0 = now_us();
		int r = sc_filter_compile(f, &p, &err);
		us[i] = now_us() - t0;
		if (r < 0)
			return (void) ok(0, "compile default: %s", err.msg);
		len = p->len;
	}
	qsort(us, 100, sizeof(us[0]), cmp_double);
	printf("# bpfgen default: %u insns in %.1f us (median of 100, min %.1f)\n", len, us[50],
	       us[0]);
}

int main(void)
{
	test_errors();
	test_synthetic();
	test_shipped("default");
	test_shipped("ci");
	test_shipped("compile");
	test_shipped("strict");
	test_time();
	sc_cache_clear();
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
