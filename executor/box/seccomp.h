#pragma once
/* Policies turned into seccomp filters, loaded in the program's process, and
 * the decision taken for a call the filter hands to the listener (init).
 *
 * Filter shape: calls a policy allows return SECCOMP_RET_ALLOW in the BPF
 * itself (cheap, cacheable by the kernel). Every other call, every call of a
 * foreign ABI (i386 via int 0x80, x32) and every always-forbidden call returns
 * SECCOMP_RET_USER_NOTIF: init, the listener, asks sc_decide() what to do:
 * answer with an errno (listed in Verdict.denied_syscalls) or end the job
 * with SYSCALL_VIOLATION naming the call. The program stays blocked in the
 * call until init answers, so it can neither hide nor outlive the report. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"

enum sc_action {
	SC_ACTION_ALLOW = 0, /* let the call run (never seen by init in practice) */
	SC_ACTION_ERRNO = 1, /* fail it with *ret_errno, the job goes on */
	SC_ACTION_KILL = 2,  /* SYSCALL_VIOLATION */
};

struct sc_filter;

/* The calls that end a process's other threads (exit_group, and execve and
 * execveat, which kill them before the new image runs) are always notified,
 * even when the policy allows them: notifications are received in order, so
 * init reads every forbidden call made before one of them, and drains what
 * is queued before letting it run (init.c). Otherwise a thread blocked in a
 * forbidden call, killed by another's exit before init read its
 * notification, took the violation with it (the kernel withdraws the
 * notification). True for those (x86_64) calls. */
bool sc_is_barrier(const struct seccomp_data *d);

/* The parsed and checked policy NAME ("" = "default"), loaded once per
 * process and cached (its BPF comes later, see sc_filter_compile); the result is owned by the cache (freed by sc_cache_clear).
 * An unknown name or a broken policy is JB_ERR_INVALID with FILE:LINE text. */
int sc_filter_get(const char *name, const struct sc_filter **ret, struct jb_err *err);

/* Free every cached filter (tests, valgrind). */
void sc_cache_clear(void);

/* The BPF program to install, built by bpfgen.c on first use and kept (a
 * few microseconds; the supervisor still builds it while init sets up the
 * mounts). libseccomp only resolves syscall names. NULL when the build fails
 * (see sc_filter_compile for why: out of memory, over BPF_MAXINSNS). */
const struct sock_fprog *sc_filter_prog(const struct sc_filter *f);
int sc_filter_compile(const struct sc_filter *f, const struct sock_fprog **ret, struct jb_err *err);

/* Install prog on the calling thread with SECCOMP_FILTER_FLAG_NEW_LISTENER.
 * Requires no_new_privs. Returns the listener fd (close-on-exec) or -errno.
 * Raw syscall: safe between fork and exec. */
int sc_install(const struct sock_fprog *prog);

/* What sc_decide needs of a filter, flat (no pointers): the supervisor
 * copies it into memory it shares with init, so a policy can be parsed
 * after init was cloned (a first job's policy costs 0.1-0.2 ms to parse,
 * which no longer delays the sandbox's set-up). */
struct sc_table_rule {
	int nr;
	enum policy_action action;
	int errno_value;
	unsigned ncond;
	struct policy_cond cond[POLICY_COND_MAX];
};
struct sc_table {
	bool has_default;
	enum policy_action default_action;
	int default_errno;
	unsigned n;
	struct sc_table_rule rules[];
};
#define SC_TABLE_RULES_MAX 2048
#define SC_TABLE_BYTES	   (sizeof(struct sc_table) + SC_TABLE_RULES_MAX * sizeof(struct sc_table_rule))

/* The filter's table and its size in bytes (at most SC_TABLE_BYTES: a
 * policy with more rules is refused as too big when it is loaded). */
const struct sc_table *sc_filter_table(const struct sc_filter *f, size_t *ret_bytes);

/* What to do with a notified call: pure, no allocation (runs in init).
 * Policies that forbid exec still need the program's own first execve: the
 * filter notifies execve/execveat and, while first_exec_pending is true,
 * sc_decide answers SC_ACTION_ALLOW (init replies CONTINUE and then clears
 * the flag); afterwards it answers SC_ACTION_KILL. */
enum sc_action sc_decide(const struct sc_filter *f, const struct seccomp_data *d,
			 bool first_exec_pending, int *ret_errno);
enum sc_action sc_decide_table(const struct sc_table *t, const struct seccomp_data *d,
			       bool first_exec_pending, int *ret_errno);

/* Name of the call (e.g. "ptrace", "i386:mount", "x32:read", "syscall#999")
 * written to buf (size n), which is returned. */
const char *sc_syscall_name(uint32_t arch, int nr, char *buf, size_t n);

/* `judgebox policy check FILE`: parse FILE (and what it includes). Returns 0
 * when valid, -EINVAL when not, with *ret_report (malloc'ed) holding every
 * error as "FILE:LINE:COL: message" lines; other failures fill err. */
int sc_policy_check_file(const char *path, char **ret_report, struct jb_err *err);

/* `judgebox policy show NAME`: the resolved rules (includes expanded, the
 * always-forbidden list applied), one per line, malloc'ed in *ret_text. */
int sc_policy_show(const char *name, char **ret_text, struct jb_err *err);
