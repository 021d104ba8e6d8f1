// escape: never read stdin while 64 MiB are offered (a writer that blocks would hang the judge)
// expect: OK
// run: --stdin {stdin64}
// check: wall<5
#include "esc.h"

int main(void)
{
	esc_ok("exit without reading stdin");
	return esc_done();
}
