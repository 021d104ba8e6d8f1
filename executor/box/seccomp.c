#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfgen.h"
#include "policy.h"
#include "util.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define SC_POLICY_BYTES_MAX (1 << 20)
#define SC_INCLUDE_DEPTH    16

/* Always forbidden, whatever a policy says (README lists them too). Calls no
 * honest judge or build job makes, each a known way out of a sandbox or into
 * the kernel's least-audited code:
 * - ptrace, process_vm_readv/writev: read and write another process (init).
 * - mount family, pivot_root, chroot, unshare, setns: rebuild the file system
 *   view or enter other namespaces (user-namespace root makes them work).
 * - bpf, perf_event_open, io_uring_*, userfaultfd, keyctl family: large kernel
 *   interfaces with a long record of privilege-escalation bugs; userfaultfd
 *   also stalls the kernel at will to win races.
 * - kexec_*, *_module, reboot, swapon/off, acct, quotactl, syslog, iopl,
 *   ioperm, clock/time setting: host administration (need caps; deny anyway).
 * - open_by_handle_at, name_to_handle_at: the "shocker" escape, opening any
 *   inode of a mounted file system by handle, past the mount view.
 * Runtimes probe some of these at start-up and fall back when they fail, so
 * those get an errno (listed in Verdict.denied_syscalls) instead of a kill:
 * clone3 (glibc >= 2.34, then clone, whose flags BPF can check), io_uring_*
 * (libuv in Node 20+), rseq (glibc >= 2.35), userfaultfd and perf_event_open
 * (JIT runtimes, profilers), memfd_secret. ENOSYS reads "not in this kernel",
 * the answer every fallback path handles. */
struct sc_always {
	const char *name;
	int nr;
	int errno_value; /* 0: kill */
};

/* clang-format off */
#define KILL(x)     {#x, __NR_##x, 0}
#define PROBE(x, e) {#x, __NR_##x, e}
/* clang-format on */

static const struct sc_always sc_always[] = {
	PROBE(clone3, ENOSYS),
	PROBE(io_uring_setup, ENOSYS),
	PROBE(io_uring_enter, ENOSYS),
	PROBE(io_uring_register, ENOSYS),
	PROBE(rseq, ENOSYS),
	PROBE(userfaultfd, ENOSYS),
	PROBE(perf_event_open, ENOSYS),
	PROBE(memfd_secret, ENOSYS),
	KILL(ptrace),
	KILL(process_vm_readv),
	KILL(process_vm_writev),
	KILL(mount),
	KILL(umount2),
	KILL(pivot_root),
	KILL(move_mount),
	KILL(open_tree),
	KILL(fsopen),
	KILL(fsmount),
	KILL(fsconfig),
	KILL(fspick),
	KILL(mount_setattr),
	KILL(chroot),
	KILL(unshare),
	KILL(setns),
	KILL(bpf),
	KILL(keyctl),
	KILL(add_key),
	KILL(request_key),
	KILL(kexec_load),
	KILL(kexec_file_load),
	KILL(init_module),
	KILL(finit_module),
	KILL(delete_module),
	KILL(reboot),
	KILL(swapon),
	KILL(swapoff),
	KILL(open_by_handle_at),
	KILL(name_to_handle_at),
	KILL(clock_settime),
	KILL(clock_adjtime),
	KILL(adjtimex),
	KILL(settimeofday),
	KILL(acct),
	KILL(quotactl),
	KILL(quotactl_fd),
	KILL(syslog),
	KILL(iopl),
	KILL(ioperm),
};

/* Always forbidden for some values of one argument, compared on its low 32
 * bits because the kernel takes it as an int. ioctl TIOCSTI pushes bytes into
 * the terminal's input (commands typed into the judge's shell), TIOCLINUX
 * does the same through the console selection. personality() other than
 * PER_LINUX (0) or the query 0xffffffff turns off ASLR (ADDR_NO_RANDOMIZE)
 * or maps page 0 (MMAP_PAGE_ZERO) for NULL-pointer kernel exploits. */
struct sc_argfix {
	const char *name;
	int nr;
	unsigned arg;
	bool only; /* true: vals are the only values allowed; false: forbidden */
	uint32_t vals[2];
};

static const struct sc_argfix sc_argfix[] = {
	{"ioctl", __NR_ioctl, 1, false, {TIOCSTI, TIOCLINUX}},
	{"personality", __NR_personality, 0, true, {0, 0xffffffff}},
};

struct sc_filter {
	struct sc_filter *next;
	char name[POLICY_NAME_MAX];
	char path[4096];
	struct policy *policy; /* merged, names resolved */
	struct sock_filter *insns;
	struct sock_fprog prog;
	struct sc_table *table; /* sc_decide's view of policy */
	size_t table_bytes;
};

static struct sc_filter *sc_cache;
static pthread_mutex_t sc_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct sc_always *sc_always_find(int nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(sc_always); i++)
		if (sc_always[i].nr == nr)
			return &sc_always[i];
	return NULL;
}

static const struct sc_argfix *sc_argfix_find(int nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(sc_argfix); i++)
		if (sc_argfix[i].nr == nr)
			return &sc_argfix[i];
	return NULL;
}

/* Does the always-forbidden argument rule kill this call? */
static bool sc_argfix_kills(const struct sc_argfix *fx, const uint64_t *args)
{
	uint32_t v = (uint32_t) args[fx->arg];
	bool listed = v == fx->vals[0] || v == fx->vals[1];
	return fx->only ? !listed : listed;
}

/* ---- finding and loading policy files ----------------------------------- */

static bool sc_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= POLICY_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static const char *sc_dirs(void)
{
	const char *e = getenv("JB_POLICY_PATH");
	return e && *e ? e : JB_POLICY_DIRS;
}

/* Path of NAME.policy in the search path, or -ENOENT. */
static int sc_find(const char *name, char *path, size_t n)
{
	const char *d = sc_dirs();
	while (*d) {
		size_t l = strcspn(d, ":");
		if (l > 0 && (size_t) snprintf(path, n, "%.*s/%s.policy", (int) l, d, name) < n &&
		    access(path, R_OK) == 0)
			return 0;
		d += l + (d[l] == ':');
	}
	return -ENOENT;
}

/* The whole file, NUL-terminated, at most SC_POLICY_BYTES_MAX. */
static int sc_read(const char *path, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > SC_POLICY_BYTES_MAX)
		return -EFBIG;
	_cleanup_free_ char *t = malloc((size_t) st.st_size + 1);
	if (!t)
		return -ENOMEM;
	ssize_t n = jb_read_full(fd, t, (size_t) st.st_size);
	if (n < 0)
		return (int) n;
	t[n] = '\0';
	*ret_text = TAKE_PTR(t);
	*ret_len = (size_t) n;
	return 0;
}

struct sc_loader {
	struct policy_report *rep;
	struct jb_err *err;
	const char *stack[SC_INCLUDE_DEPTH + 1]; /* names being loaded */
	size_t depth;
};

static int sc_load(struct sc_loader *ld, const char *display, const char *path, const char *name,
		   struct policy **ret);

/* Report "include cycle: a -> b -> a" if name is being loaded already. */
static bool sc_cycle(struct sc_loader *ld, const struct policy_include *inc)
{
	char chain[JB_ERR_MSG_MAX] = "";
	size_t k = 0;
	while (k < ld->depth && strcmp(ld->stack[k], inc->name) != 0)
		k++;
	if (k == ld->depth)
		return false;
	for (; k < ld->depth; k++) {
		strncat(chain, ld->stack[k], sizeof(chain) - strlen(chain) - 1);
		strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
	}
	policy_report_add(ld->rep, ld->err, false, &inc->loc, "include cycle: %s%s", chain,
			  inc->name);
	return true;
}

static int sc_load_include(struct sc_loader *ld, const struct policy_include *inc,
			   struct policy **ret)
{
	char path[4096], display[POLICY_NAME_MAX + 8];
	if (sc_cycle(ld, inc))
		return -EINVAL;
	if (ld->depth == SC_INCLUDE_DEPTH) {
		policy_report_add(ld->rep, ld->err, false, &inc->loc,
				  "includes nested more than %d deep", SC_INCLUDE_DEPTH);
		return -EINVAL;
	}
	if (sc_find(inc->name, path, sizeof(path)) < 0) {
		policy_report_add(ld->rep, ld->err, false, &inc->loc,
				  "unknown policy '%s' (searched %s)", inc->name, sc_dirs());
		return -EINVAL;
	}
	snprintf(display, sizeof(display), "%s.policy", inc->name);
	int r = sc_load(ld, display, path, inc->name, ret);
	if (r == -EIO) /* could not read it: blame the include line */
		policy_report_add(ld->rep, ld->err, false, &inc->loc, "cannot read '%s'", path);
	return r == -EIO ? -EINVAL : r;
}

static void sc_free_all(struct policy **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_free(v[i]);
	free(v);
}

/* Parse path and, recursively, what it includes; merge. -EIO: unreadable
 * (errno in ld->err only for the top file), -EINVAL: reported errors. */
static int sc_load(struct sc_loader *ld, const char *display, const char *path, const char *name,
		   struct policy **ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(policy_freep) struct policy *p = NULL;
	size_t len = 0;
	int r = sc_read(path, &text, &len);
	if (r < 0 && ld->depth == 0)
		(void) jb_invalid(ld->err, "policy: cannot read '%s': %s", path, strerror(-r));
	if (r < 0)
		return -EIO;
	r = policy_parse_report(display, text, len, ld->rep, &p, ld->err);
	if (r < 0)
		return r;
	struct policy **incs = calloc(p->nincludes + 1, sizeof(*incs));
	if (!incs)
		return jb_fail(ld->err, ENOMEM, "load policy '%s'", display);
	ld->stack[ld->depth++] = name;
	for (size_t i = 0; i < p->nincludes && r >= 0; i++)
		r = sc_load_include(ld, &p->includes[i], &incs[i]);
	ld->depth--;
	if (r >= 0)
		r = policy_merge(p, incs, p->nincludes, ld->rep, ld->err);
	sc_free_all(incs, p->nincludes);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

/* ---- names and the always-forbidden list -------------------------------- */

static int sc_resolve_rule(struct policy_rule *r, struct policy_report *rep, struct jb_err *err)
{
	r->nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, r->syscall);
	if (r->nr < 0) { /* __NR_SCMP_ERROR, or a call x86_64 does not have */
		policy_report_add(rep, err, false, &r->loc, "unknown syscall '%s'", r->syscall);
		return -EINVAL;
	}
	const struct sc_always *a = sc_always_find(r->nr);
	if (!a)
		return 0;
	if (a->errno_value == 0 && r->action != POLICY_KILL) {
		policy_report_add(rep, err, false, &r->loc, "'%s' is always forbidden", r->syscall);
		return -EINVAL;
	}
	if (a->errno_value &&
	    (r->action != POLICY_ERRNO || r->errno_value != a->errno_value || r->ncond > 0)) {
		policy_report_add(rep, err, false, &r->loc, "'%s' is always answered with %s",
				  r->syscall, policy_errno_name(a->errno_value));
		return -EINVAL;
	}
	return 0;
}

static int sc_resolve(struct policy *p, struct policy_report *rep, struct jb_err *err)
{
	int r = 0;
	for (size_t i = 0; i < p->nrules; i++)
		if (sc_resolve_rule(&p->rules[i], rep, err) < 0)
			r = -EINVAL;
	return r;
}

/* ---- BPF ---------------------------------------------------------------- */

/* Add "allow nr if conds [and extra]" to b. */
static int sc_add(struct bpfgen *b, const struct policy_rule *r, const struct policy_cond *extra,
		  struct jb_err *err)
{
	struct policy_cond cond[BPFGEN_COND_MAX];
	unsigned n = 0;
	for (unsigned k = 0; k < r->ncond; k++)
		cond[n++] = r->cond[k];
	if (extra)
		cond[n++] = *extra;
	int e = bpfgen_add(b, r->nr, cond, n, err);
	if (e < 0)
		jb_err_prefix(err, "rule for '%s' (%s:%u)", r->syscall, r->loc.file, r->loc.line);
	return e;
}

/* Could a call that passes c still be one the argument rule forbids? Only
 * simple cases are proven safe; the rest stay out of BPF (init decides). */
static bool sc_argfix_safe(const struct sc_argfix *fx, const struct policy_cond *c)
{
	uint32_t v = (uint32_t) c->value, m = (uint32_t) c->mask;
	if (c->op == POLICY_OP_EQ)
		return fx->only ? (v == fx->vals[0] || v == fx->vals[1])
				: (v != fx->vals[0] && v != fx->vals[1]);
	if (c->op != POLICY_OP_MASKED_EQ)
		return false;
	if (fx->only)
		return m == 0xffffffff && (v == fx->vals[0] || v == fx->vals[1]);
	return (fx->vals[0] & m) != v && (fx->vals[1] & m) != v;
}

/* Allow [0, 2^32) minus the forbidden values: aligned blocks, each one
 * masked comparison that also requires the upper 32 bits to be 0. */
static int sc_add_cover(struct bpfgen *b, const struct policy_rule *r, const struct sc_argfix *fx,
			struct jb_err *err)
{
	uint64_t lo = 0, stop[3] = {fx->vals[0], fx->vals[1], 1ULL << 32};
	if (stop[0] > stop[1]) {
		stop[0] = fx->vals[1];
		stop[1] = fx->vals[0];
	}
	for (size_t s = 0; s < 3; s++) {
		while (lo < stop[s]) {
			uint64_t size = lo ? (lo & -lo) : 1ULL << 32;
			while (lo + size > stop[s])
				size >>= 1;
			struct policy_cond c = {fx->arg, POLICY_OP_MASKED_EQ, ~(size - 1), lo};
			int e = sc_add(b, r, &c, err);
			if (e < 0)
				return e;
			lo += size;
		}
		lo = stop[s] + 1;
	}
	return 0;
}

/* An allow rule into BPF, narrowed by the always-forbidden argument rules. */
static int sc_add_allow(struct bpfgen *b, const struct policy_rule *r, struct jb_err *err)
{
	const struct sc_argfix *fx = sc_argfix_find(r->nr);
	if (!fx)
		return sc_add(b, r, NULL, err);
	for (unsigned k = 0; k < r->ncond; k++)
		if (r->cond[k].arg == fx->arg)
			return sc_argfix_safe(fx, &r->cond[k]) ? sc_add(b, r, NULL, err) : 0;
	if (!fx->only)
		return sc_add_cover(b, r, fx, err);
	for (size_t i = 0; i < ARRAY_SIZE(fx->vals); i++) {
		struct policy_cond c = {fx->arg, POLICY_OP_EQ, 0, fx->vals[i]};
		int e = sc_add(b, r, &c, err);
		if (e < 0)
			return e;
	}
	return 0;
}

bool sc_is_barrier(const struct seccomp_data *d)
{
	return d->arch == AUDIT_ARCH_X86_64 &&
	       (d->nr == __NR_exit_group || d->nr == __NR_execve || d->nr == __NR_execveat);
}

/* BPF: arch x86_64 and no x32 bit, else NOTIFY; the allow rules but those of
 * the barriers (sc_is_barrier: always notified); NOTIFY. bpfgen, not
 * libseccomp: its back end takes about 1 ms per policy. */
static int sc_build(struct sc_filter *f, struct jb_err *err)
{
	_cleanup_(bpfgen_freep) struct bpfgen *b = NULL;
	int e = bpfgen_new(&b, err);
	const struct policy *p = f->policy;
	for (size_t i = 0; i < p->nrules && e >= 0; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct seccomp_data d = {.nr = r->nr, .arch = AUDIT_ARCH_X86_64};
		if (r->action == POLICY_ALLOW && !sc_is_barrier(&d))
			e = sc_add_allow(b, r, err);
	}
	if (e >= 0)
		e = bpfgen_emit(b, &f->insns, &f->prog.len, err);
	if (e < 0) {
		jb_err_prefix(err, "policy '%s'", f->name);
		return e;
	}
	f->prog.filter = f->insns;
	return 0;
}

/* ---- compiled filters and the cache ------------------------------------- */

static void sc_filter_free(struct sc_filter *f)
{
	if (!f)
		return;
	policy_free(f->policy);
	free(f->insns);
	free(f->table);
	free(f);
}

static void sc_filter_freep(struct sc_filter **f)
{
	sc_filter_free(*f);
}

/* The flat copy of the resolved rules that sc_decide_table reads. */
static int sc_make_table(struct sc_filter *f, struct jb_err *err)
{
	const struct policy *p = f->policy;
	if (p->nrules > SC_TABLE_RULES_MAX)
		return jb_invalid(err, "policy '%s': %zu rules, more than the %d a policy may have",
				  f->name, p->nrules, SC_TABLE_RULES_MAX);
	f->table_bytes = sizeof(struct sc_table) + p->nrules * sizeof(struct sc_table_rule);
	struct sc_table *t = f->table = calloc(1, f->table_bytes);
	if (!t)
		return jb_fail(err, ENOMEM, "policy '%s': its decision table", f->name);
	*t = (struct sc_table){.has_default = p->has_default,
			       .default_action = p->default_action,
			       .default_errno = p->default_errno,
			       .n = (unsigned) p->nrules};
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		t->rules[i] = (struct sc_table_rule){.nr = r->nr,
						     .action = r->action,
						     .errno_value = r->errno_value,
						     .ncond = r->ncond};
		memcpy(t->rules[i].cond, r->cond, sizeof(r->cond));
	}
	return 0;
}

const struct sc_table *sc_filter_table(const struct sc_filter *f, size_t *ret_bytes)
{
	*ret_bytes = f->table_bytes;
	return f->table;
}

/* Load, check and build the policy in path (shown as display, include
 * cycles detected by name). Errors go to rep when not NULL, and to err. */
static int sc_compile(const char *name, const char *display, const char *path,
		      struct policy_report *rep, struct sc_filter **ret, struct jb_err *err)
{
	_cleanup_(sc_filter_freep) struct sc_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return jb_fail(err, ENOMEM, "compile policy '%s'", name);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->path, sizeof(f->path), "%s", path);
	struct sc_loader ld = {.rep = rep, .err = err};
	int r = sc_load(&ld, display, path, name, &f->policy);
	if (r == -EIO)
		r = -EINVAL; /* err says why */
	if (r >= 0)
		r = sc_resolve(f->policy, rep, err);
	if (r >= 0)
		r = sc_make_table(f, err);
	/* `policy check` builds the BPF too: a policy may parse and still not fit. */
	if (r >= 0 && rep)
		r = sc_build(f, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(f);
	return 0;
}

static int sc_filter_get_locked(const char *name, const struct sc_filter **ret, struct jb_err *err)
{
	char path[4096], display[POLICY_NAME_MAX + 8];
	for (struct sc_filter *f = sc_cache; f; f = f->next) {
		if (strcmp(f->name, name) == 0) {
			*ret = f;
			return 0;
		}
	}
	if (!sc_name_ok(name))
		return jb_invalid(err, "policy: bad policy name '%s'", name);
	if (sc_find(name, path, sizeof(path)) < 0)
		return jb_invalid(err, "policy: unknown policy '%s' (searched %s)", name,
				  sc_dirs());
	snprintf(display, sizeof(display), "%s.policy", name);
	struct sc_filter *f = NULL;
	int r = sc_compile(name, display, path, NULL, &f, err);
	if (r < 0) {
		if (err && err->kind == JB_ERR_INVALID && strncmp(err->msg, "policy:", 7) != 0)
			jb_err_prefix(err, "policy");
		return r;
	}
	f->next = sc_cache;
	sc_cache = f;
	*ret = f;
	return 0;
}

int sc_filter_get(const char *name, const struct sc_filter **ret, struct jb_err *err)
{
	if (!name || !*name)
		name = "default";
	(void) pthread_mutex_lock(&sc_cache_lock); /* cannot fail: a plain mutex */
	int r = sc_filter_get_locked(name, ret, err);
	(void) pthread_mutex_unlock(&sc_cache_lock);
	return r;
}

void sc_cache_clear(void)
{
	(void) pthread_mutex_lock(&sc_cache_lock);
	while (sc_cache) {
		struct sc_filter *f = sc_cache;
		sc_cache = f->next;
		sc_filter_free(f);
	}
	(void) pthread_mutex_unlock(&sc_cache_lock);
}

int sc_filter_compile(const struct sc_filter *cf, const struct sock_fprog **ret, struct jb_err *err)
{
	struct sc_filter *f = (struct sc_filter *) cf; /* the BPF is a cache of the policy */
	(void) pthread_mutex_lock(&sc_cache_lock);
	int r = f->insns ? 0 : sc_build(f, err);
	(void) pthread_mutex_unlock(&sc_cache_lock);
	if (r < 0)
		return r;
	*ret = &f->prog;
	return 0;
}

const struct sock_fprog *sc_filter_prog(const struct sc_filter *f)
{
	const struct sock_fprog *prog = NULL;
	struct jb_err err = {0};
	return sc_filter_compile(f, &prog, &err) < 0 ? NULL : prog;
}

int sc_install(const struct sock_fprog *prog)
{
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  prog);
	return fd < 0 ? -errno : (int) fd;
}

/* ---- decisions ---------------------------------------------------------- */

static enum sc_action sc_verdict(enum policy_action a, int e, int *ret_errno)
{
	if (a == POLICY_ALLOW)
		return SC_ACTION_ALLOW;
	if (a == POLICY_ERRNO) {
		*ret_errno = e;
		return SC_ACTION_ERRNO;
	}
	return SC_ACTION_KILL;
}

enum sc_action sc_decide(const struct sc_filter *f, const struct seccomp_data *d,
			 bool first_exec_pending, int *ret_errno)
{
	return sc_decide_table(f->table, d, first_exec_pending, ret_errno);
}

enum sc_action sc_decide_table(const struct sc_table *p, const struct seccomp_data *d,
			       bool first_exec_pending, int *ret_errno)
{
	*ret_errno = 0;
	/* Another ABI has other numbers and other bugs: never reviewed, never run. */
	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & __X32_SYSCALL_BIT))
		return SC_ACTION_KILL;
	const struct sc_always *a = sc_always_find(d->nr);
	if (a)
		return sc_verdict(a->errno_value ? POLICY_ERRNO : POLICY_KILL, a->errno_value,
				  ret_errno);
	if ((d->nr == __NR_execve || d->nr == __NR_execveat) && first_exec_pending)
		return SC_ACTION_ALLOW;
	const struct sc_argfix *fx = sc_argfix_find(d->nr);
	if (fx && sc_argfix_kills(fx, (const uint64_t *) d->args))
		return SC_ACTION_KILL;
	for (size_t i = 0; i < p->n; i++) {
		const struct sc_table_rule *r = &p->rules[i];
		if (r->nr == d->nr &&
		    policy_conds_match(r->cond, r->ncond, (const uint64_t *) d->args))
			return sc_verdict(r->action, r->errno_value, ret_errno);
	}
	return sc_verdict(p->has_default ? p->default_action : POLICY_KILL, p->default_errno,
			  ret_errno);
}

const char *sc_syscall_name(uint32_t arch, int nr, char *buf, size_t n)
{
	uint32_t scmp = SCMP_ARCH_X86_64;
	const char *prefix = "";
	if (arch == AUDIT_ARCH_X86_64 && (nr & __X32_SYSCALL_BIT)) {
		scmp = SCMP_ARCH_X32;
		prefix = "x32:";
	} else if (arch == AUDIT_ARCH_I386) {
		scmp = SCMP_ARCH_X86;
		prefix = "i386:";
	} else if (arch != AUDIT_ARCH_X86_64) {
		snprintf(buf, n, "arch0x%x:syscall#%d", arch, nr);
		return buf;
	}
	char *s = seccomp_syscall_resolve_num_arch(scmp, nr);
	if (s)
		snprintf(buf, n, "%s%s", prefix, s);
	else
		snprintf(buf, n, "%ssyscall#%d", prefix, nr);
	free(s);
	return buf;
}

/* ---- policy check / show ------------------------------------------------ */

int sc_policy_check_file(const char *path, char **ret_report, struct jb_err *err)
{
	char name[POLICY_NAME_MAX];
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t l = strlen(base);
	if (l > 7 && strcmp(base + l - 7, ".policy") == 0)
		l -= 7;
	snprintf(name, sizeof(name), "%.*s", (int) l, base);
	struct policy_report rep = {0};
	struct jb_err local = {0};
	struct sc_filter *f = NULL;
	int r = sc_compile(name, path, path, &rep, &f, &local);
	sc_filter_free(f);
	if (r < 0 && rep.errors == 0) {
		policy_report_clear(&rep);
		if (err)
			*err = local;
		return r;
	}
	char *text = rep.text ? rep.text : strdup(r < 0 ? local.msg : "");
	if (!text)
		return jb_fail(err, ENOMEM, "policy check '%s'", path);
	*ret_report = text;
	return r < 0 ? -EINVAL : 0;
}

static void sc_show_always(FILE *out)
{
	fprintf(out, "# always forbidden (fixed in judgebox, before every rule below)\n");
	for (size_t i = 0; i < ARRAY_SIZE(sc_always); i++) {
		const struct sc_always *a = &sc_always[i];
		if (a->errno_value)
			fprintf(out, "errno %s %s\n", policy_errno_name(a->errno_value), a->name);
		else
			fprintf(out, "kill %s\n", a->name);
	}
	fprintf(out, "kill ioctl if arg1 & 0xffffffff == 0x%x   # TIOCSTI\n", TIOCSTI);
	fprintf(out, "kill ioctl if arg1 & 0xffffffff == 0x%x   # TIOCLINUX\n", TIOCLINUX);
	fprintf(out, "# kill personality unless arg0 & 0xffffffff is 0 or 0xffffffff\n");
	fprintf(out, "# kill every i386 (int 0x80) and x32 call\n");
	fprintf(out, "# execve, execveat: the program's own first exec always runs\n");
	fprintf(out, "# exit_group, execve, execveat: always notified (init decides what is "
		     "queued first)\n");
}

int sc_policy_show(const char *name, char **ret_text, struct jb_err *err)
{
	const struct sc_filter *f;
	const struct sock_fprog *prog;
	int r = sc_filter_get(name, &f, err);
	if (r >= 0)
		r = sc_filter_compile(f, &prog, err);
	if (r < 0)
		return r;
	char *text = NULL, line[512];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return jb_fail(err, errno, "policy show '%s'", f->name);
	const struct policy *p = f->policy;
	fprintf(out, "# policy '%s' from '%s', %u BPF instructions\n", f->name, f->path, prog->len);
	sc_show_always(out);
	fprintf(out, "# rules\n");
	for (size_t i = 0; i < p->nrules; i++)
		fprintf(out, "%-60s # %s:%u\n",
			policy_rule_format(&p->rules[i], line, sizeof(line)), p->rules[i].loc.file,
			p->rules[i].loc.line);
	if (p->has_default && p->default_action == POLICY_ERRNO)
		fprintf(out, "default errno %s\n", policy_errno_name(p->default_errno) ?: "?");
	else
		fprintf(out, "default kill\n");
	if (fclose(out) != 0 || !text) {
		free(text);
		return jb_fail(err, ENOMEM, "policy show '%s'", f->name);
	}
	*ret_text = text;
	return 0;
}
