#include "bpfgen.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BG_NR_LIMIT	 0x40000000U /* __X32_SYSCALL_BIT: no entry reaches it */
#define BG_JUMP_MAX	 255U	     /* jt and jf are 8 bits */
#define BG_OFF_NR	 offsetof(struct seccomp_data, nr)
#define BG_OFF_ARCH	 offsetof(struct seccomp_data, arch)
#define BG_OFF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i)) /* little-endian */
#define BG_OFF_ARG_HI(i) (BG_OFF_ARG_LO(i) + 4)

struct bg_entry {
	uint32_t nr;
	uint32_t seq;	/* order of bpfgen_add: keeps the output deterministic */
	unsigned ncond; /* 0: always */
	struct policy_cond cond[BPFGEN_COND_MAX];
};

struct bpfgen {
	struct bg_entry *v;
	size_t n, cap;
};

int bpfgen_new(struct bpfgen **ret, struct jb_err *err)
{
	struct bpfgen *b = calloc(1, sizeof(*b));
	if (!b)
		return jb_fail(err, ENOMEM, "bpf: new builder");
	*ret = b;
	return 0;
}

void bpfgen_free(struct bpfgen *b)
{
	if (!b)
		return;
	free(b->v);
	free(b);
}

/* 1: holds for every argument, 0: for none, -1: depends on it. Folding
 * these at add time makes "allow x if arg0 >= 0" an unconditional entry. */
static int bg_const(const struct policy_cond *c)
{
	switch (c->op) {
	case POLICY_OP_LT:
		return c->value == 0 ? 0 : -1;
	case POLICY_OP_LE:
		return c->value == UINT64_MAX ? 1 : -1;
	case POLICY_OP_GT:
		return c->value == UINT64_MAX ? 0 : -1;
	case POLICY_OP_GE:
		return c->value == 0 ? 1 : -1;
	case POLICY_OP_MASKED_EQ:
		if (c->value & ~c->mask)
			return 0;
		return c->mask == 0 ? 1 : -1;
	default:
		return -1;
	}
}

static bool bg_cond_ok(const struct policy_cond *c)
{
	return c->arg < 6 && (unsigned) c->op <= POLICY_OP_MASKED_EQ;
}

/* Room for one more entry. */
static int bg_grow(struct bpfgen *b, struct jb_err *err)
{
	if (b->n < b->cap)
		return 0;
	/* 512 at first: a block's pages are touched only as entries are
	 * added, and each regrowth copied (and touched) all of them again. */
	size_t cap = b->cap ? 2 * b->cap : 512;
	struct bg_entry *v = realloc(b->v, cap * sizeof(*v));
	if (!v)
		return jb_fail(err, ENOMEM, "bpf: %zu entries", cap);
	b->v = v;
	b->cap = cap;
	return 0;
}

int bpfgen_add(struct bpfgen *b, int nr, const struct policy_cond *cond, unsigned ncond,
	       struct jb_err *err)
{
	if (nr < 0 || (uint32_t) nr >= BG_NR_LIMIT)
		return jb_fail(err, EINVAL, "bpf: syscall number %d out of range", nr);
	if (ncond > BPFGEN_COND_MAX)
		return jb_fail(err, E2BIG, "bpf: %u conditions for syscall %d", ncond, nr);
	for (unsigned k = 0; k < ncond; k++)
		if (!bg_cond_ok(&cond[k]))
			return jb_fail(err, EINVAL, "bpf: bad condition on arg%u of syscall %d",
				       cond[k].arg, nr);
	int r = bg_grow(b, err);
	if (r < 0)
		return r;
	struct bg_entry *e = &b->v[b->n];
	*e = (struct bg_entry){.nr = (uint32_t) nr, .seq = (uint32_t) b->n};
	for (unsigned k = 0; k < ncond; k++) {
		int c = bg_const(&cond[k]);
		if (c == 0)
			return 0; /* never holds: nothing to allow */
		if (c < 0)
			e->cond[e->ncond++] = cond[k];
	}
	b->n++;
	return 0;
}

/* ---- emitting, back to front ----------------------------------------------
 * Instructions are written from the last one backwards, so every jump target
 * exists already. A label is the count of instructions from the target to
 * the end (1 = the last one); an instruction emitted now gets label n+1 and
 * reaches label t with offset n - t. BG_ALLOW and BG_NOTIFY stand for "a
 * return of that action": a copy is emitted whenever the last one is out of
 * reach, which is cheaper than a trampoline. */

#define BG_NOTIFY (UINT32_MAX - 1)
#define BG_ALLOW  UINT32_MAX

struct bg_emit {
	struct sock_filter *rev; /* rev[n - 1] has label n */
	uint32_t n;
	bool full;
	uint32_t ret[2]; /* label of the nearest RET NOTIFY, RET ALLOW; 0: none */
};

static uint32_t bg_put(struct bg_emit *e, struct sock_filter in)
{
	if (e->n == BPF_MAXINSNS) {
		e->full = true; /* labels stop moving; bpfgen_emit fails */
		return e->n;
	}
	e->rev[e->n++] = in;
	return e->n;
}

/* A fresh return of target t (BG_ALLOW or BG_NOTIFY). */
static uint32_t bg_ret(struct bg_emit *e, uint32_t t)
{
	uint32_t k = t == BG_ALLOW ? SECCOMP_RET_ALLOW : SECCOMP_RET_USER_NOTIF;
	e->ret[t - BG_NOTIFY] = bg_put(e, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, k));
	return e->ret[t - BG_NOTIFY];
}

/* A label of target t that the next instruction can jump to. */
static uint32_t bg_near(struct bg_emit *e, uint32_t t)
{
	if (t >= BG_NOTIFY) {
		uint32_t l = e->ret[t - BG_NOTIFY];
		return l && e->n - l <= BG_JUMP_MAX ? l : bg_ret(e, t);
	}
	if (e->n - t <= BG_JUMP_MAX)
		return t;
	return bg_put(e, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, e->n - t, 0, 0));
}

/* "if (A op k) goto jt else goto jf"; no instruction when jt == jf. */
static uint32_t bg_jump(struct bg_emit *e, uint16_t op, uint32_t k, uint32_t jt, uint32_t jf)
{
	if (jt == jf)
		return jt;
	uint32_t lt = bg_near(e, jt), lf = bg_near(e, jf);
	/* a trampoline for one side can push the other out of reach */
	while (e->n - lt > BG_JUMP_MAX || e->n - lf > BG_JUMP_MAX) {
		if (e->n - lt > BG_JUMP_MAX)
			lt = bg_near(e, jt >= BG_NOTIFY ? jt : lt);
		else
			lf = bg_near(e, jf >= BG_NOTIFY ? jf : lf);
	}
	return bg_put(e,
		      (struct sock_filter) BPF_JUMP(BPF_JMP | op | BPF_K, k, (uint8_t) (e->n - lt),
						    (uint8_t) (e->n - lf)));
}

/* Make t the next instruction in program order (a jump when it is not). */
static uint32_t bg_here(struct bg_emit *e, uint32_t t)
{
	if (t >= BG_NOTIFY)
		return bg_ret(e, t);
	if (t == e->n)
		return t;
	return bg_put(e, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, e->n - t, 0, 0));
}

static uint32_t bg_load(struct bg_emit *e, uint32_t off)
{
	return bg_put(e, (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off));
}

/* Load the 32-bit word at off, "if ((A & mask) op k) goto jt else jf". */
static uint32_t bg_half(struct bg_emit *e, uint32_t off, uint32_t mask, uint16_t op, uint32_t k,
			uint32_t jt, uint32_t jf)
{
	if (jt == jf || (op == BPF_JGE && k == 0))
		return jt;
	if (op == BPF_JGT && k == UINT32_MAX)
		return jf;
	if (op == BPF_JEQ && mask != UINT32_MAX) { /* a half of MASKED_EQ */
		if (k & ~mask)
			return jf;
		if (mask == 0)
			return jt;
		if ((mask & (mask - 1)) == 0) { /* one bit: JSET, no AND */
			if (k)
				bg_jump(e, BPF_JSET, mask, jt, jf);
			else
				bg_jump(e, BPF_JSET, mask, jf, jt);
			return bg_load(e, off);
		}
	}
	bg_jump(e, op, k, jt, jf);
	if (mask != UINT32_MAX)
		bg_put(e, (struct sock_filter) BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
	return bg_load(e, off);
}

/* The high word of an ordered comparison: above v goes to above, below v
 * to below, equal to eq (the test of the low word). */
static uint32_t bg_high(struct bg_emit *e, uint32_t off, uint32_t v, uint32_t above, uint32_t eq,
			uint32_t below)
{
	if (v == 0)
		return bg_half(e, off, UINT32_MAX, BPF_JEQ, 0, eq, above);
	if (v == UINT32_MAX)
		return bg_half(e, off, UINT32_MAX, BPF_JEQ, v, eq, below);
	if (above == eq && eq == below)
		return eq;
	uint32_t l = bg_jump(e, BPF_JEQ, v, eq, below);
	bg_jump(e, BPF_JGT, v, above, l);
	return bg_load(e, off);
}

/* One 64-bit condition: to pass when it holds, else to fail. */
static uint32_t bg_cond(struct bg_emit *e, const struct policy_cond *c, uint32_t pass,
			uint32_t fail)
{
	uint32_t lo = (uint32_t) BG_OFF_ARG_LO(c->arg), hi = (uint32_t) BG_OFF_ARG_HI(c->arg);
	uint32_t vl = (uint32_t) c->value, vh = (uint32_t) (c->value >> 32);
	uint32_t ml = (uint32_t) c->mask, mh = (uint32_t) (c->mask >> 32), l;
	switch (c->op) {
	case POLICY_OP_EQ:
		l = bg_half(e, lo, UINT32_MAX, BPF_JEQ, vl, pass, fail);
		return bg_half(e, hi, UINT32_MAX, BPF_JEQ, vh, l, fail);
	case POLICY_OP_NE:
		l = bg_half(e, lo, UINT32_MAX, BPF_JEQ, vl, fail, pass);
		return bg_half(e, hi, UINT32_MAX, BPF_JEQ, vh, l, pass);
	case POLICY_OP_MASKED_EQ:
		l = bg_half(e, lo, ml, BPF_JEQ, vl, pass, fail);
		return bg_half(e, hi, mh, BPF_JEQ, vh, l, fail);
	case POLICY_OP_GT:
		l = bg_half(e, lo, UINT32_MAX, BPF_JGT, vl, pass, fail);
		return bg_high(e, hi, vh, pass, l, fail);
	case POLICY_OP_GE:
		l = bg_half(e, lo, UINT32_MAX, BPF_JGE, vl, pass, fail);
		return bg_high(e, hi, vh, pass, l, fail);
	case POLICY_OP_LT:
		l = bg_half(e, lo, UINT32_MAX, BPF_JGE, vl, fail, pass);
		return bg_high(e, hi, vh, fail, l, pass);
	case POLICY_OP_LE:
		l = bg_half(e, lo, UINT32_MAX, BPF_JGT, vl, fail, pass);
		return bg_high(e, hi, vh, fail, l, pass);
	}
	return fail; /* not reached: bpfgen_add checked the operator */
}

/* The entries v[0..n) of one number, tried in turn: the first that holds
 * allows, none notifies. */
static uint32_t bg_entries(struct bg_emit *e, const struct bg_entry *v, size_t n)
{
	uint32_t fail = BG_NOTIFY;
	for (size_t i = n; i-- > 0;) {
		uint32_t pass = BG_ALLOW;
		for (unsigned k = v[i].ncond; k-- > 0;)
			pass = bg_cond(e, &v[i].cond[k], pass, fail);
		fail = pass; /* the previous entry fails into this one */
	}
	return fail;
}

/* ---- ranges of syscall numbers and the search over them ------------------ */

enum bg_kind { BG_SEG_NOTIFY, BG_SEG_ALLOW, BG_SEG_COND };

struct bg_seg {
	uint32_t start; /* up to the next segment's start */
	enum bg_kind kind;
	size_t first, n; /* BG_SEG_COND: its entries, one number */
};

static int bg_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return x < y ? -1 : x > y;
}

/* By number, then by order of adding. The keys are sorted, not the entries:
 * an entry is 184 bytes, and musl's qsort moved 450 KB of them through
 * memcpy for the default policy. v is in order of adding (seq), so an
 * entry's index breaks ties the same way. */
#define BG_PLACED (1ULL << 63) /* in a key: its entry is in place (nr < 2^30) */

static int bg_sort(struct bpfgen *b, struct jb_err *err)
{
	_cleanup_free_ uint64_t *key = malloc(b->n * sizeof(*key));
	if (!key)
		return jb_fail(err, ENOMEM, "bpf: sort %zu entries", b->n);
	for (size_t i = 0; i < b->n; i++)
		key[i] = (uint64_t) b->v[i].nr << 32 | i;
	qsort(key, b->n, sizeof(*key), bg_cmp);
	/* Position i takes entry (uint32_t) key[i]: follow each cycle of that
	 * permutation with one entry aside, in place (a sorted copy touched
	 * another 45 KB of fresh pages for the default policy). */
	for (size_t i = 0; i < b->n; i++) {
		if (key[i] & BG_PLACED)
			continue;
		struct bg_entry aside = b->v[i];
		size_t j = i;
		for (;;) {
			size_t from = (uint32_t) key[j];
			key[j] |= BG_PLACED;
			if (from == i) {
				b->v[j] = aside;
				break;
			}
			b->v[j] = b->v[from];
			j = from;
		}
	}
	return 0;
}

static void bg_seg_add(struct bg_seg *s, size_t *ns, uint32_t start, enum bg_kind kind,
		       size_t first, size_t n)
{
	if (*ns > 0 && kind != BG_SEG_COND && s[*ns - 1].kind == kind)
		return; /* a run of unconditional numbers, or of gaps */
	s[(*ns)++] = (struct bg_seg){start, kind, first, n};
}

/* The sorted entries as segments covering [0, 2^32): at most 2n + 1. */
static size_t bg_segments(const struct bpfgen *b, struct bg_seg *s)
{
	size_t ns = 0;
	uint32_t next = 0; /* first number not covered yet */
	for (size_t i = 0; i < b->n;) {
		size_t j = i;
		bool always = false;
		for (; j < b->n && b->v[j].nr == b->v[i].nr; j++)
			always |= b->v[j].ncond == 0;
		if (b->v[i].nr > next)
			bg_seg_add(s, &ns, next, BG_SEG_NOTIFY, 0, 0);
		bg_seg_add(s, &ns, b->v[i].nr, always ? BG_SEG_ALLOW : BG_SEG_COND, i, j - i);
		next = b->v[i].nr + 1;
		i = j;
	}
	bg_seg_add(s, &ns, next, BG_SEG_NOTIFY, 0, 0);
	return ns;
}

/* Binary search over s[lo..hi) with the number in A; right half first. */
static uint32_t bg_tree(struct bg_emit *e, const struct bpfgen *b, const struct bg_seg *s,
			size_t lo, size_t hi)
{
	if (hi - lo == 1) {
		if (s[lo].kind == BG_SEG_COND)
			return bg_entries(e, &b->v[s[lo].first], s[lo].n);
		return s[lo].kind == BG_SEG_ALLOW ? BG_ALLOW : BG_NOTIFY;
	}
	size_t mid = lo + (hi - lo) / 2;
	uint32_t right = bg_tree(e, b, s, mid, hi);
	uint32_t left = bg_tree(e, b, s, lo, mid);
	return bg_jump(e, BPF_JGE, s[mid].start, right, left);
}

/* The whole program into e, back to front. */
static void bg_program(struct bg_emit *e, const struct bpfgen *b, const struct bg_seg *s, size_t ns)
{
	uint32_t t = bg_tree(e, b, s, 0, ns); /* a jump, or BG_NOTIFY when empty */
	if (t == BG_NOTIFY) {
		bg_ret(e, BG_NOTIFY);
		return;
	}
	bg_here(e, t);
	t = bg_load(e, BG_OFF_NR);
	bg_jump(e, BPF_JEQ, AUDIT_ARCH_X86_64, t, BG_NOTIFY);
	bg_load(e, BG_OFF_ARCH);
}

int bpfgen_emit(struct bpfgen *b, struct sock_filter **ret_insns, unsigned short *ret_len,
		struct jb_err *err)
{
	if (b->n && bg_sort(b, err) < 0)
		return -ENOMEM;
	_cleanup_free_ struct bg_seg *s = malloc((2 * b->n + 1) * sizeof(*s));
	_cleanup_free_ struct sock_filter *rev = malloc(BPF_MAXINSNS * sizeof(*rev));
	if (!s || !rev)
		return jb_fail(err, ENOMEM, "bpf: emit %zu entries", b->n);
	struct bg_emit e = {.rev = rev};
	bg_program(&e, b, s, bg_segments(b, s));
	if (e.full)
		return jb_fail(err, E2BIG, "bpf: filter over %d instructions (%zu entries)",
			       BPF_MAXINSNS, b->n);
	struct sock_filter *out = malloc(e.n * sizeof(*out));
	if (!out)
		return jb_fail(err, ENOMEM, "bpf: filter of %u instructions", e.n);
	for (uint32_t i = 0; i < e.n; i++)
		out[i] = rev[e.n - 1 - i];
	*ret_insns = out;
	*ret_len = (unsigned short) e.n;
	return 0;
}
