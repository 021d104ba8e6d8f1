#pragma once
/* Accounting without cgroups: the CPU time of a live process tree read from
 * /proc, for the rlimit fallback's enforcement of limits.cpu_time_ms. */
#include <stdint.h>
#include <sys/types.h>

/* CPU (user + system, microseconds, clock-tick resolution) of every
 * descendant of root, live or reaped by its parent, root's own time
 * excluded. proc is "/proc" (a parameter for tests). Returns 0 when root is
 * gone. Never allocates: walks at most 4096 processes. */
uint64_t acct_tree_cpu_us(const char *proc, pid_t root);
