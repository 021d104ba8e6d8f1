// escape: a netlink socket (routing, audit, the kernel's uevents) under default
// expect: SYSCALL_VIOLATION socket
#include "esc.h"
#include <linux/netlink.h>
#include <sys/socket.h>

int main(void)
{
	/* only IPv4/IPv6 get an errno under default; every other family is a
	 * violation */
	long r = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	esc_survived("socket(AF_NETLINK)", r);
}
