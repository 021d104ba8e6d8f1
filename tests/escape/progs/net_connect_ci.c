// escape: TCP and UDP to the host's 127.0.0.1 under the ci policy (shell/build jobs)
// expect: SYSCALL_VIOLATION socket
// run: --policy ci
// args: {port}
// host: listener
#include "esc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: net_connect_ci PORT");
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t) atoi(argv[1]))};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		(void) sendto(fd, "x", 1, 0, (struct sockaddr *) &a, sizeof(a));
	}
	esc_survived("socket(AF_INET, SOCK_DGRAM)", fd);
}
