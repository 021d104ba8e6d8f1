#include "verdict.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char *fmt_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_message(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Without a cgroup the figure is RLIMIT_DATA's failure plus the peak RSS: the
 * contract's inexact rule (a non-OK end within 1 MiB of the limit). */
static bool memory_limit_hit(const struct vd_facts *f, const struct lim *l, bool ok_end)
{
	if (f->cgroup)
		return f->oom_kills > 0;
	return !ok_end && f->memory_peak_bytes + (1ULL << 20) >= l->memory_bytes;
}

static void how_it_ended(const struct vd_facts *f, int *code, int *sig)
{
	*code = 0;
	*sig = 0;
	if (!f->main_reaped) {
		*sig = SIGKILL; /* judgebox killed it */
		return;
	}
	if (WIFEXITED(f->main_status))
		*code = WEXITSTATUS(f->main_status);
	else if (WIFSIGNALED(f->main_status))
		*sig = WTERMSIG(f->main_status);
}

Judgebox__Status vd_decide(const struct vd_facts *f, const struct lim *l, int *ret_exit_code,
			   int *ret_signal, char **ret_message)
{
	how_it_ended(f, ret_exit_code, ret_signal);
	*ret_message = NULL;
	if (f->internal_error && f->internal.kind == JB_ERR_INVALID) {
		/* nothing of the job ran: how "it" ended means nothing */
		*ret_exit_code = *ret_signal = 0;
		*ret_message = fmt_message("%s", f->internal.msg);
		return JUDGEBOX__STATUS__INVALID_JOB;
	}
	if (f->internal_error) {
		*ret_message = fmt_message("%s", f->internal.msg);
		return JUDGEBOX__STATUS__INTERNAL_ERROR;
	}
	if (f->stopping) {
		*ret_message = fmt_message("worker stopping");
		return JUDGEBOX__STATUS__INTERNAL_ERROR;
	}
	if (f->violation) {
		*ret_message = fmt_message("forbidden system call '%s'", f->syscall);
		return JUDGEBOX__STATUS__SYSCALL_VIOLATION;
	}
	bool ok_end = *ret_signal == 0 && *ret_exit_code == 0;
	if (memory_limit_hit(f, l, ok_end)) {
		*ret_message = f->cgroup ? fmt_message("out of memory: the OOM killer acted in "
						       "the job's cgroup")
					 : fmt_message("memory limit probably hit (the figure is "
						       "inexact: rlimits, no cgroup)");
		return JUDGEBOX__STATUS__MEMORY_LIMIT;
	}
	if (f->output_over || f->sigxfsz) {
		*ret_message = fmt_message(f->output_over ? "output over limits.output_bytes"
							  : "file over limits.file_size_bytes");
		return JUDGEBOX__STATUS__OUTPUT_LIMIT;
	}
	if (f->cpu_us > l->cpu_time_ms * 1000) {
		*ret_message = fmt_message("cpu time over the limit of %llu ms",
					   (unsigned long long) l->cpu_time_ms);
		return JUDGEBOX__STATUS__TIME_LIMIT;
	}
	if (f->wall_us > l->wall_time_ms * 1000) {
		*ret_message = fmt_message("wall time over the limit of %llu ms",
					   (unsigned long long) l->wall_time_ms);
		return JUDGEBOX__STATUS__WALL_TIME_LIMIT;
	}
	if (*ret_signal) {
		*ret_message = f->ended_by_peer
				       ? fmt_message("killed 1 s after its interactor ended")
				       : fmt_message("killed by signal %d (%s)", *ret_signal,
						     strsignal(*ret_signal));
		return JUDGEBOX__STATUS__SIGNALED;
	}
	if (f->exec_errno) {
		*ret_message = fmt_message("cannot execute '%s': %s", f->exec_path,
					   strerror(f->exec_errno));
		return JUDGEBOX__STATUS__RUNTIME_ERROR;
	}
	if (*ret_exit_code)
		return JUDGEBOX__STATUS__RUNTIME_ERROR;
	return JUDGEBOX__STATUS__OK;
}
