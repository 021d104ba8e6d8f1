#pragma once
/* The unit tests' TAP output: "ok N - what" / "not ok N - what", counted so
 * that main can print the plan and choose the exit code (0 pass, 1 fail). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static int t_n, t_failed;

static bool ok(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static bool ok(bool pass, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", pass ? "ok" : "not ok", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass)
		t_failed++;
	return pass;
}

/* xorshift64: reproducible random numbers, one state per test file. */
static uint64_t t_xorshift(uint64_t *state) __attribute__((unused));
static uint64_t t_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}
