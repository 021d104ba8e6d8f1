// escape: connect to a TCP listener the runner opened on the host's 127.0.0.1
// expect: SYSCALL_VIOLATION socket
// args: {port}
// host: listener
#include "esc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		esc_broken("usage: net_connect_default PORT");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		esc_survived("socket(AF_INET)", fd);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[1]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	long r = connect(fd, (struct sockaddr *) &a, sizeof(a));
	esc_survived("socket(AF_INET) and connect", r);
}
