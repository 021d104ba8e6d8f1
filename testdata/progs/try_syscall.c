/* Make the system call named by argv[1] with harmless or invalid arguments
 * (bad pointers, bad flags, fd -1), so that it fails without side effects
 * even where a policy lets it through. When the call returns, print
 * "NAME ret=R errno=E ENAME" on stdout and exit 0: a test then sees the
 * errno a policy answered with. An unknown name exits 2. */
#define _GNU_SOURCE /* strerrorname_np, accept4 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup    425
#define SYS_io_uring_enter    426
#define SYS_io_uring_register 427
#endif
#ifndef SYS_rseq
#define SYS_rseq 334
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif

#define BAD ((long) 1) /* an unmapped user address: EFAULT if dereferenced */

struct call {
	const char *name;
	long nr;
	long a[6];
};

/* Arguments chosen so that an allowed call fails: PTRACE_TRACEME is the one
 * exception (it succeeds but only marks us traceable by init, which exits). */
static const struct call calls[] = {
	{"ptrace", SYS_ptrace, {0 /* PTRACE_TRACEME */}},
	{"mount", SYS_mount, {BAD, BAD, BAD, 0, 0}},
	{"umount2", SYS_umount2, {BAD, 0}},
	{"unshare", SYS_unshare, {0x00020000 /* CLONE_NEWNS */}},
	{"setns", SYS_setns, {-1, 0}},
	{"bpf", SYS_bpf, {5 /* BPF_PROG_LOAD */, BAD, 8}},
	{"keyctl", SYS_keyctl, {0 /* KEYCTL_GET_KEYRING_ID */, 0x7fffff00, 0}},
	{"add_key", SYS_add_key, {BAD, BAD, 0, 0, 0}},
	{"request_key", SYS_request_key, {BAD, BAD, 0, 0}},
	{"perf_event_open", SYS_perf_event_open, {BAD, 0, -1, -1, 0}},
	{"io_uring_setup", SYS_io_uring_setup, {0, BAD}},
	{"io_uring_enter", SYS_io_uring_enter, {-1, 0, 0, 0, 0, 0}},
	{"io_uring_register", SYS_io_uring_register, {-1, 0, 0, 0}},
	{"clone3", SYS_clone3, {0, 0}},
	{"rseq", SYS_rseq, {0, 0, 0, 0}},
	{"userfaultfd", SYS_userfaultfd, {-1}},
	{"memfd_secret", SYS_memfd_secret, {-1}},
	{"kexec_load", SYS_kexec_load, {0, 0, 0, -1}},
	{"kexec_file_load", SYS_kexec_file_load, {-1, -1, 0, 0, -1}},
	{"init_module", SYS_init_module, {BAD, 0, BAD}},
	{"finit_module", SYS_finit_module, {-1, BAD, 0}},
	{"delete_module", SYS_delete_module, {BAD, 0}},
	{"reboot", SYS_reboot, {0, 0, 0, 0}}, /* bad magic: EINVAL */
	{"swapon", SYS_swapon, {BAD, 0}},
	{"pivot_root", SYS_pivot_root, {BAD, BAD}},
	{"chroot", SYS_chroot, {BAD}},
	{"acct", SYS_acct, {BAD}},
	{"settimeofday", SYS_settimeofday, {BAD, BAD}},
	{"fsopen", SYS_fsopen, {BAD, 0}},
	{"open_tree", SYS_open_tree, {-1, BAD, 0}},
	{"process_vm_readv", SYS_process_vm_readv, {1, 0, 0, 0, 0, 0}},
	{"getpid", SYS_getpid, {0}}, /* a control: always allowed */
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: try_syscall NAME\n", stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		long r;

		if (strcmp(c->name, argv[1]) != 0)
			continue;
		errno = 0;
		r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
		printf("%s ret=%ld errno=%d %s\n", c->name, r, r < 0 ? errno : 0,
		       r < 0 ? strerrorname_np(errno) : "OK");
		return 0;
	}
	fprintf(stderr, "try_syscall: unknown call '%s'\n", argv[1]);
	return 2;
}
