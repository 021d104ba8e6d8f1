// escape: set the hostname (the host's, if the UTS namespace were shared)
// expect: SYSCALL_VIOLATION sethostname
// args: {token}
// host: hostname
#include "esc.h"

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "escaped";
	long r = sethostname(name, strlen(name));
	esc_survived("sethostname", r);
}
