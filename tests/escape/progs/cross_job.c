// escape: reach another job running at the same time (abstract socket, /tmp, /dev/shm, kill)
// expect: OK
// run: --policy ci
// args: {token}
// host: cross_job
#include "esc.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

/* Two roles: "hold TOKEN" leaves traces and listens for 3 s; "probe TOKEN
 * HOSTPID" (run by the runner while the holder lives) looks for them. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *token)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "jbesc-job-%s", token);
	return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + (size_t) n);
}

static int hold(const char *token)
{
	char p[256];
	const char *dirs[] = {"/tmp", "/dev/shm", "/box"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/secret-%s", dirs[i], token);
		int fd = open(p, O_WRONLY | O_CREAT, 0666);
		if (fd < 0 || write(fd, "secret\n", 7) != 7)
			esc_broken("create '%s': %s", p, strerror(errno));
		close(fd);
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a;
	socklen_t l = abstract_addr(&a, token);
	if (s < 0 || bind(s, (struct sockaddr *) &a, l) < 0 || listen(s, 8) < 0)
		esc_broken("listen: %s", strerror(errno));
	int accepted = 0;
	for (int i = 0; i < 60; i++) { /* 3 s */
		if (accept(s, NULL, NULL) >= 0)
			accepted++;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (accepted)
		esc_bad("accepted %d connections from outside the job", accepted);
	else
		esc_ok("holder: no connection arrived");
	return esc_done();
}

static int probe(const char *token, pid_t host_pid)
{
	char p[256];
	const char *dirs[] = {"/tmp", "/dev/shm", "/box"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/secret-%s", dirs[i], token);
		esc_open_refused(p, O_RDONLY);
	}
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	socklen_t l = abstract_addr(&a, token);
	ESC_REFUSED(connect(s, (struct sockaddr *) &a, l), "connect to the other job's socket");
	if (host_pid > 2) {
		ESC_REFUSED(kill(host_pid, 0), "kill(other job's host pid, 0)");
		(void) kill(host_pid, SIGKILL);
	}
	return esc_done();
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "probe"))
		return probe(argv[2], (pid_t) atoi(argv[3]));
	esc_broken("usage: cross_job hold TOKEN | probe TOKEN HOSTPID");
}
