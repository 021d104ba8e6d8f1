#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fill(struct jb_err *err, int code, int kind, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (!err)
		return code ? -code : -EINVAL;
	err->code = code ? code : EINVAL;
	err->kind = kind;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (code && kind == JB_ERR_INTERNAL && (size_t) n < sizeof(err->msg)) {
		/* strerror, not strerror_r: the GNU and the XSI (musl) ones differ,
		 * and judgebox has no threads. */
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	}
	return -err->code;
}

int jb_fail(struct jb_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fill(err, code, JB_ERR_INTERNAL, fmt, ap);
	va_end(ap);
	return r;
}

int jb_invalid(struct jb_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fill(err, EINVAL, JB_ERR_INVALID, fmt, ap);
	va_end(ap);
	return r;
}

void jb_err_prefix(struct jb_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[JB_ERR_MSG_MAX], old[JB_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

void jb_err_clear(struct jb_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->kind = JB_ERR_INTERNAL;
	err->msg[0] = '\0';
}
