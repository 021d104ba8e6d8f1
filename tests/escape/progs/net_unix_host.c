// escape: connect to the host's AF_UNIX listeners (abstract name and a path in host /tmp)
// expect: OK
// run: --policy ci
// args: {abstract} {unixpath}
// host: unix_listener
#include "esc.h"
#include <sys/socket.h>
#include <sys/un.h>

static void try_unix(const char *name, int abstract)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		esc_broken("socket(AF_UNIX): %s", strerror(errno));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n + 2 > sizeof(a.sun_path))
		esc_broken("name too long");
	memcpy(a.sun_path + (abstract ? 1 : 0), name, n);
	socklen_t len =
		(socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 1 : 0));
	int r = connect(fd, (struct sockaddr *) &a, len);
	char what[200];
	snprintf(what, sizeof(what), "connect %s'%s'", abstract ? "@" : "", name);
	ESC_REFUSED(r, what);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		esc_broken("usage: net_unix_host ABSTRACT PATH");
	try_unix(argv[1], 1);
	try_unix(argv[2], 0);
	/* the usual host daemons' sockets */
	try_unix("/run/systemd/private", 0);
	try_unix("/var/run/docker.sock", 0);
	try_unix("/run/dbus/system_bus_socket", 0);
	try_unix("/dev/log", 0);
	return esc_done();
}
