/* judgebox-vg (cmake: built when <valgrind/valgrind.h> exists): the
 * supervisor under memcheck, its init on the real CPU.
 *
 * valgrind <= 3.21 implements neither clone3(2) nor seccomp(2), nor the
 * new mount API init uses (fsopen, open_tree, move_mount, mount_setattr):
 * an init run by memcheck cannot set a box up at all. So the supervisor's
 * clone goes through jb_vg_clone_init (spawn_init's only JB_VALGRIND
 * hook): clone(2) when clone3 is missing (same flags, same pidfd), and in
 * the child, when it runs under valgrind, init_main is called on the real
 * CPU with VALGRIND_NON_SIMD_CALL1, never to return to the simulator. The
 * supervisor itself (policy, cgroups, id maps, the handshake, the event
 * loop, reaping, the verdict) is what memcheck checks; init and the
 * program run natively, as in any other build.
 *
 * On the real CPU nothing of the simulator's set-up holds, so before init
 * runs: the thread pointer (%fs: errno, the stack protector's canary) and
 * the signal mask are set to the ones the program had, a stack of its own
 * replaces valgrind's small one, and glibc's malloc takes its memory with
 * mmap (its brk would be the simulated one). init never frees what the
 * supervisor allocated (it ends with _exit), so the two allocators never
 * meet: if it did, glibc's free would abort init, and the case fail. The binary is linked with -z now and run with LD_BIND_NOW=1: no
 * lazy symbol binding may happen on the real CPU (glibc's resolver sized
 * its register save area by valgrind's CPUID). */
#include <asm/prctl.h>
#include <errno.h>
#include <linux/sched.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "init.h"

#define NATIVE_STACK_BYTES (8UL << 20)

pid_t jb_vg_clone_init(struct clone_args *args, const struct init_ctx *ctx);

struct native {
	unsigned long fs_base;
	uint64_t mask; /* the kernel's sigset_t */
	const struct init_ctx *ctx;
};

static long raw_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

/* On the real CPU, with the program's thread pointer: glibc works. */
static __attribute__((noreturn, used, noipa)) void native_main(const struct native *n)
{
	(void) mallopt(M_MMAP_THRESHOLD, 0); /* every block from mmap, none from brk */
	init_main(n->ctx);
}

/* Entered from valgrind's scheduler on the real CPU, on valgrind's stack,
 * with valgrind's thread pointer and every signal blocked: nothing here
 * may touch %fs (no stack protector, no errno) until it is set. */
static __attribute__((no_stack_protector, noreturn)) long native_entry(long tid, long arg)
{
	const struct native *n = (const struct native *) arg;
	(void) tid;
	if (raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long) n->fs_base, 0, 0, 0, 0) < 0)
		raw_syscall(SYS_exit_group, 125, 0, 0, 0, 0, 0);
	(void) raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long) &n->mask, 0, sizeof(n->mask), 0,
			   0);
	long stack = raw_syscall(SYS_mmap, 0, NATIVE_STACK_BYTES, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack < 0 && stack > -4096)
		raw_syscall(SYS_exit_group, 125, 0, 0, 0, 0, 0);
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call native_main\n\t"
			 "ud2"
			 :
			 : "r"(stack + NATIVE_STACK_BYTES), "D"(n)
			 : "memory");
	__builtin_unreachable();
}

/* clone3, or clone(2) with the same flags where clone3 is missing
 * (valgrind < 3.22 answers ENOSYS): CLONE_PIDFD's descriptor then lands
 * in the parent_tid argument, the exit signal goes in the flags. */
static pid_t clone_init(struct clone_args *args)
{
	pid_t pid = (pid_t) syscall(SYS_clone3, args, sizeof(*args));
	if (pid >= 0 || errno != ENOSYS)
		return pid;
	return (pid_t) syscall(SYS_clone, (unsigned long) (args->flags | args->exit_signal), NULL,
			       (void *) (uintptr_t) args->pidfd, NULL, NULL);
}

/* spawn_init's clone: returns in the supervisor only (the child's pid, or
 * -1 with errno); the child becomes init and never returns. */
pid_t jb_vg_clone_init(struct clone_args *args, const struct init_ctx *ctx)
{
	pid_t pid = clone_init(args);
	if (pid != 0)
		return pid;
	if (!RUNNING_ON_VALGRIND)
		init_main(ctx);
	static struct native n; /* the child's own copy */
	sigset_t mask;
	(void) sigprocmask(SIG_SETMASK, NULL, &mask); /* valgrind's record of ours */
	n.mask = *(const uint64_t *) &mask;
	__asm__("mov %%fs:0, %0" : "=r"(n.fs_base)); /* the TCB points to itself */
	n.ctx = ctx;
	(void) VALGRIND_NON_SIMD_CALL1(native_entry, (long) &n);
	abort(); /* not reached: init ends with _exit */
}
