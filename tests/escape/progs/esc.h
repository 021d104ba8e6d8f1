/* Helpers shared by the escape payloads. A payload runs inside judgebox and
 * tries one way out. Conventions (run_escape.py relies on them):
 * - exit 0: every attempt was refused the way it should be;
 * - exit 3 (ESC_ESCAPED): an attempt worked, the line on stdout says which;
 * - exit 4: the payload itself could not run (bad arguments, ...);
 * - a payload that expects SYSCALL_VIOLATION prints "survived" and exits 3
 *   if the forbidden call ever returns.
 * Lines on stdout are "ok: ..." or "ESCAPED: ..."; the runner greps them. */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ESC_ESCAPED 3
#define ESC_BROKEN  4

static int esc_failures;

static inline void esc_say(const char *tag, const char *fmt, va_list ap)
{
	printf("%s: ", tag);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

/* Record a contained attempt. */
static inline __attribute__((format(printf, 1, 2))) void esc_ok(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_say("ok", fmt, ap);
	va_end(ap);
}

/* Record an attempt that worked: the payload will exit ESC_ESCAPED. */
static inline __attribute__((format(printf, 1, 2))) void esc_bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_say("ESCAPED", fmt, ap);
	va_end(ap);
	esc_failures++;
}

static inline __attribute__((noreturn, format(printf, 1, 2))) void esc_broken(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_say("BROKEN", fmt, ap);
	va_end(ap);
	exit(ESC_BROKEN);
}

/* The end of a payload: 0 when nothing got through. */
static inline int esc_done(void)
{
	fflush(stdout);
	return esc_failures ? ESC_ESCAPED : 0;
}

/* For SYSCALL_VIOLATION payloads: the forbidden call came back. */
static inline __attribute__((noreturn)) void esc_survived(const char *call, long r)
{
	printf("ESCAPED: survived %s (returned %ld, errno %d %s)\n", call, r, errno,
	       strerror(errno));
	fflush(stdout);
	_exit(ESC_ESCAPED);
}

/* The call r (already made) must have failed; say with what. */
#define ESC_REFUSED(r, what)                                                                       \
	do {                                                                                       \
		if ((long) (r) < 0)                                                                \
			esc_ok("%s: %s", (what), strerror(errno));                                 \
		else                                                                               \
			esc_bad("%s succeeded", (what));                                           \
	} while (0)

/* Allocate n bytes and touch every page (through volatile: the compiler may
 * not drop the writes, nor the allocation with them). NULL when malloc fails. */
static inline void *esc_hog(size_t n)
{
	volatile char *p = malloc(n);
	for (size_t i = 0; p && i < n; i += 4096)
		p[i] = 1;
	return (void *) p;
}

/* Open path with flags; it must fail. */
static inline void esc_open_refused(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	char what[4200];
	snprintf(what, sizeof(what), "open '%s' flags 0%o", path, flags);
	ESC_REFUSED(fd, what);
	if (fd >= 0)
		close(fd);
}
