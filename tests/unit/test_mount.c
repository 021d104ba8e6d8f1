/* mount.c: the /etc plan a process's first init gets from its supervisor
 * (mnt_plan_export / mnt_plan_import) is the plan, byte for byte; a buffer
 * too small for it hands nothing over; a cut buffer is refused. */
#include <stdlib.h>
#include <string.h>

#include "mount.h"
#include "tap.h"

#define BUF (512 * 1024)

int main(void)
{
	struct jb_err err = {0};
	char *a = calloc(1, BUF), *b = calloc(1, BUF), *copy = calloc(1, BUF);
	if (!a || !b || !copy)
		return 1;
	ok(mnt_plan_export(a, BUF) == 0, "no plan before mnt_prepare: nothing exported");
	ok(mnt_prepare(&err) == 0 && mnt_prepared(), "mnt_prepare reads the host's /etc (%s)",
	   err.msg);
	size_t n = mnt_plan_export(a, BUF);
	ok(n > sizeof(unsigned), "exported: %zu bytes", n);
	ok(mnt_plan_export(b, n - 1) == 0, "a buffer one byte short: nothing exported");
	memcpy(copy, a, n);
	mnt_prepare_free();
	ok(!mnt_prepared(), "freed: no plan");
	ok(mnt_plan_import(copy, n) == 0 && mnt_prepared(), "imported");
	size_t m = mnt_plan_export(b, BUF);
	ok(m == n && memcmp(a, b, n) == 0, "the imported plan exports the same bytes");
	ok(mnt_plan_import(copy, n) < 0, "a second import is refused");
	mnt_prepare_free();
	ok(mnt_plan_import(copy, n / 2) < 0 && !mnt_prepared(), "a cut buffer is refused");
	mnt_prepare_free();
	free(a);
	free(b);
	free(copy);
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
