// escape: read the operator's environment (secrets in judgebox's env): only PATH and HOME
// expect: OK
#include "esc.h"

extern char **environ;

int main(void)
{
	int n = 0;
	for (char **e = environ; *e; e++, n++)
		if (strncmp(*e, "PATH=", 5) && strncmp(*e, "HOME=", 5))
			esc_bad("environment entry '%s'", *e);
	if (getenv("JBESC_SECRET"))
		esc_bad("JBESC_SECRET leaked: '%s'", getenv("JBESC_SECRET"));
	esc_ok("%d environment entries", n);
	return esc_done();
}
