/* The musl build links Debian's static libseccomp, libcap, libprotobuf-c
 * libhiredis and libjansson, which were compiled against glibc with _FORTIFY_SOURCE:
 * they call glibc's checked variants of a few functions, which musl does
 * not have. These do what the unchecked ones do; the checks guard against
 * overflows the callers' own bounds already exclude. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap);
int __asprintf_chk(char **s, int flag, const char *fmt, ...);
void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen);
char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen);

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	(void) flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...)
{
	(void) flag;
	(void) slen;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	(void) flag;
	(void) slen;
	va_list ap;
	va_start(ap, fmt);
	int r = vsprintf(s, fmt, ap);
	va_end(ap);
	return r;
}

int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void) flag;
	(void) slen;
	return vsnprintf(s, n, fmt, ap);
}

int __asprintf_chk(char **s, int flag, const char *fmt, ...)
{
	(void) flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(s, fmt, ap);
	va_end(ap);
	return r;
}

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
	(void) dlen;
	return memcpy(d, s, n);
}

char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen)
{
	(void) dlen;
	return strncpy(d, s, n);
}
