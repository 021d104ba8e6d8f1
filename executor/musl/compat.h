/* Force-included (-include) into every file of the musl build of judgebox.
 *
 * musl defines stdin, stdout and stderr as parenthesised macros, which break
 * member names such as Verdict.stdout in the generated protobuf code;
 * glibc's self-referential definitions do not. The objects are the same. */
#pragma once
#include <stdio.h>
#undef stdin
#undef stdout
#undef stderr
/* Code that relies on the musl build's own allocator and libc (init.c:
 * clone_shared) tests this. */
#define JB_MUSL_BUILD 1

#define stdin  stdin
#define stdout stdout
#define stderr stderr

/* musl 1.2.3's <sys/prctl.h> predates PR_SET_VMA (Linux 5.17). */
#include <sys/prctl.h>
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
