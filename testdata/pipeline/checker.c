/* A small testlib-style checker for "sum and maximum" (see sol.c).
 *
 *     checker INPUT OUTPUT ANSWER
 *
 * INPUT is the test, OUTPUT the contestant's output, ANSWER the jury's. The
 * verdict is the exit code, as in testlib:
 *
 *     0  OK                   both numbers right
 *     1  WRONG_ANSWER         both numbers wrong
 *     2  PRESENTATION_ERROR   the output is not two integers
 *     3  FAIL                 the checker or the jury is wrong (bad input,
 *                             bad answer, answer not matching the input)
 *     7  POINTS               exactly one number right: partial credit
 *
 * With exit code 7 the score (a fraction of the test's value, here 0.5) is
 * the only thing on stdout, as "0.5\n". Every verdict also writes one line
 * of explanation on stderr ("ok ...", "wrong answer ...", ...), as testlib
 * does. The checker needs nothing but libc and runs in the box as its own
 * job, with the three files placed there by --file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

enum { CHK_OK = 0, CHK_WA = 1, CHK_PE = 2, CHK_FAIL = 3, CHK_POINTS = 7 };

static const char *const chk_words[] = {
	[CHK_OK] = "ok",     [CHK_WA] = "wrong answer", [CHK_PE] = "wrong output format",
	[CHK_FAIL] = "FAIL", [CHK_POINTS] = "points",
};

static __attribute__((noreturn, format(printf, 2, 3))) void quit(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s ", chk_words[code]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* The next whitespace-separated token of f as a 64-bit integer. A missing
 * or malformed token quits with fail_code (PE for the contestant's output,
 * FAIL for the jury's files). */
static long long read_int(FILE *f, const char *what, int fail_code)
{
	char tok[32], *end;
	if (fscanf(f, "%31s", tok) != 1)
		quit(fail_code, "%s: unexpected end of file, an integer expected", what);
	errno = 0;
	long long v = strtoll(tok, &end, 10);
	if (errno != 0 || end == tok || *end != '\0')
		quit(fail_code, "%s: '%s' is not a 64-bit integer", what, tok);
	return v;
}

/* Nothing but whitespace may follow. */
static void read_eof(FILE *f, const char *what, int fail_code)
{
	char tok[2];
	if (fscanf(f, "%1s", tok) == 1)
		quit(fail_code, "%s: extra data after the answer", what);
}

static FILE *open_or_fail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		quit(CHK_FAIL, "cannot open '%s'", path);
	return f;
}

/* Sum and maximum of the test input, checked against its constraints. */
static void solve(FILE *in, long long *sum, long long *max)
{
	long long n = read_int(in, "input", CHK_FAIL);
	if (n < 1 || n > 100000)
		quit(CHK_FAIL, "input: n = %lld out of range", n);
	*sum = 0;
	for (long long i = 0; i < n; i++) {
		long long a = read_int(in, "input", CHK_FAIL);
		if (a < -1000000000000LL || a > 1000000000000LL)
			quit(CHK_FAIL, "input: a[%lld] = %lld out of range", i, a);
		*sum += a;
		if (i == 0 || a > *max)
			*max = a;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		quit(CHK_FAIL, "usage: checker INPUT OUTPUT ANSWER");
	FILE *in = open_or_fail(argv[1]), *ouf = open_or_fail(argv[2]);
	FILE *ans = open_or_fail(argv[3]);
	long long sum, max;
	solve(in, &sum, &max);
	long long jsum = read_int(ans, "answer", CHK_FAIL);
	long long jmax = read_int(ans, "answer", CHK_FAIL);
	if (jsum != sum || jmax != max)
		quit(CHK_FAIL, "the jury's answer %lld %lld is not %lld %lld", jsum, jmax, sum,
		     max);
	long long psum = read_int(ouf, "output", CHK_PE);
	long long pmax = read_int(ouf, "output", CHK_PE);
	read_eof(ouf, "output", CHK_PE);
	bool sum_ok = psum == jsum, max_ok = pmax == jmax;
	if (sum_ok && max_ok)
		quit(CHK_OK, "sum %lld and maximum %lld", jsum, jmax);
	if (!sum_ok && !max_ok)
		quit(CHK_WA, "sum: expected %lld, found %lld; maximum: expected %lld, found %lld",
		     jsum, psum, jmax, pmax);
	printf("0.5\n");
	fflush(stdout);
	if (sum_ok)
		quit(CHK_POINTS, "0.5: sum right, maximum: expected %lld, found %lld", jmax, pmax);
	quit(CHK_POINTS, "0.5: maximum right, sum: expected %lld, found %lld", jsum, psum);
}
