// escape: IPv4/IPv6 sockets to reach a listener on the host's 127.0.0.1 under default (EACCES, no kill)
// expect: OK
// args: {port}
// host: listener
// check: denied~socket
#include "esc.h"
#include <sys/socket.h>

/* Under default an IPv4/IPv6 socket is EACCES (the JVM probes both while
 * opening files) and the job goes on; with no descriptor there is nothing
 * to connect (connect is a violation; the runner's listener checks that
 * nobody came). */
static void try_family(int family, int type, const char *what)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		esc_bad("%s gave fd %d", what, fd);
		close(fd);
	} else if (errno != EACCES) {
		esc_bad("%s: %s, expected EACCES", what, strerror(errno));
	} else {
		esc_ok("%s: %s", what, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: net_connect_default PORT");
	(void) argv; /* the port is the listener's: nothing may reach it */
	try_family(AF_INET, SOCK_STREAM, "socket(AF_INET, SOCK_STREAM)");
	try_family(AF_INET, SOCK_DGRAM, "socket(AF_INET, SOCK_DGRAM)");
	try_family(AF_INET6, SOCK_STREAM, "socket(AF_INET6, SOCK_STREAM)");
	return esc_done();
}
