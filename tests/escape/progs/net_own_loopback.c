// escape: with AF_INET allowed (test policy), reach the host's listener via 127.0.0.1 and LAN
// expect: OK
// run: --policy escape_net
// args: {port} {hostip}
// host: listener
#include "esc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void try_connect(const char *ip, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		esc_broken("socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	int r = connect(fd, (struct sockaddr *) &a, sizeof(a));
	if (r < 0 && errno == EINPROGRESS) {
		/* a host stack would answer at once: give it 300 ms */
		fd_set w;
		FD_ZERO(&w);
		FD_SET(fd, &w);
		struct timeval tv = {0, 300000};
		int n = select(fd + 1, NULL, &w, NULL, &tv);
		int e = 0;
		socklen_t l = sizeof(e);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
		r = n > 0 && e == 0 ? 0 : -1;
		errno = n > 0 ? e : ETIMEDOUT;
	}
	char what[128];
	snprintf(what, sizeof(what), "connect %s:%d", ip, port);
	ESC_REFUSED(r, what);
	close(fd);
	/* UDP to the same port: it must not arrive either */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0) {
		(void) sendto(fd, "x", 1, 0, (struct sockaddr *) &a, sizeof(a));
		close(fd);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		esc_broken("usage: net_own_loopback PORT HOSTIP");
	int port = atoi(argv[1]);
	try_connect("127.0.0.1", port);
	if (strcmp(argv[2], "none") != 0)
		try_connect(argv[2], port);
	/* the box has its own loopback: binding the host's port works here */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0)
		esc_ok("bind 127.0.0.1:%d inside: a loopback of its own", port);
	else
		esc_bad("bind 127.0.0.1:%d: %s (the host's port is visible?)", port,
			strerror(errno));
	return esc_done();
}
