#include "procev.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Open addressing, tgid -> token; a job has at most its processes limit
 * alive, the whole supervisor a few thousand. Forgetting a job is O(1): its
 * token's generation moves on and its entries go stale. Stale entries and
 * tombstones are swept when they fill half the table, so that lookups (one
 * per fork and exit on the whole host) stay short in a long-running worker. */
#define SLOTS 65536
#define EMPTY 0
#define GONE  (-1)

struct slot {
	pid_t tgid;
	unsigned token, gen;
};

struct procev {
	int fd;
	struct slot *table;
	size_t used;	/* slots not EMPTY */
	unsigned *gens; /* per token: the generation now followed */
	size_t ngens;
};

static size_t hash(pid_t t)
{
	return ((uint32_t) t * 2654435761u) & (SLOTS - 1);
}

static bool live(const struct procev *p, const struct slot *s)
{
	return s->tgid > 0 && s->token < p->ngens && p->gens[s->token] == s->gen;
}

static struct slot *find(struct procev *p, pid_t t)
{
	for (size_t i = hash(t), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
		if (p->table[i].tgid == t)
			return live(p, &p->table[i]) ? &p->table[i] : NULL;
		if (p->table[i].tgid == EMPTY)
			return NULL;
	}
	return NULL;
}

static void put(struct procev *p, struct slot e)
{
	for (size_t i = hash(e.tgid), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
		struct slot *s = &p->table[i];
		if (s->tgid == EMPTY || s->tgid == GONE || s->tgid == e.tgid || !live(p, s)) {
			p->used += s->tgid == EMPTY;
			*s = e;
			return;
		}
	}
	/* full: the process goes unwatched, as without the connector */
}

/* Rebuild without the tombstones and stale entries. */
static void sweep(struct procev *p)
{
	struct slot *old = p->table, *fresh = calloc(SLOTS, sizeof(*fresh));
	if (!fresh)
		return;
	p->table = fresh;
	p->used = 0;
	for (size_t i = 0; i < SLOTS; i++)
		if (live(p, &old[i]))
			put(p, old[i]);
	free(old);
}

static void insert(struct procev *p, pid_t t, unsigned token)
{
	if (token >= p->ngens)
		return; /* procev_track grows gens first */
	if (p->used >= SLOTS / 2)
		sweep(p);
	put(p, (struct slot){t, token, p->gens[token]});
}

static int subscribe(int fd, enum proc_cn_mcast_op op)
{
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg = {0};
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (uint32_t) getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(op);
	msg.op = op;
	return send(fd, &msg, sizeof(msg), 0) == (ssize_t) sizeof(msg) ? 0 : -errno;
}

int procev_open(struct procev **ret, struct jb_err *err)
{
	_cleanup_close_ int fd =
		socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (fd < 0)
		return jb_fail(err, errno, "netlink connector socket");
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		return jb_fail(err, errno, "bind the proc connector");
	int big = 8 << 20; /* a fork storm must not overflow it quickly */
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	int r = subscribe(fd, PROC_CN_MCAST_LISTEN);
	if (r < 0)
		return jb_fail(err, -r, "listen to process events");
	struct procev *p = calloc(1, sizeof(*p));
	if (p)
		p->table = calloc(SLOTS, sizeof(*p->table));
	if (!p || !p->table) {
		free(p);
		return jb_fail(err, ENOMEM, "process event table");
	}
	p->fd = TAKE_FD(fd);
	*ret = p;
	return 0;
}

void procev_free(struct procev *p)
{
	if (!p)
		return;
	(void) subscribe(p->fd, PROC_CN_MCAST_IGNORE);
	close(p->fd);
	free(p->table);
	free(p->gens);
	free(p);
}

int procev_fd(const struct procev *p)
{
	return p->fd;
}

void procev_track(struct procev *p, pid_t root, unsigned token)
{
	if (token >= p->ngens) {
		size_t n = token + 16;
		unsigned *g = realloc(p->gens, n * sizeof(*g));
		if (!g)
			return; /* unwatched, as without the connector */
		memset(g + p->ngens, 0, (n - p->ngens) * sizeof(*g));
		p->gens = g;
		p->ngens = n;
	}
	insert(p, root, token);
}

void procev_untrack(struct procev *p, unsigned token)
{
	if (token < p->ngens)
		p->gens[token]++;
}

static void on_event(struct procev *p, const struct proc_event *ev,
		     void (*on_xfsz)(void *, unsigned), void *opaque)
{
	if (ev->what == PROC_EVENT_FORK) {
		const struct fork_proc_event *f = &ev->event_data.fork;
		struct slot *s = find(p, f->parent_tgid);
		if (s && f->child_pid == f->child_tgid) /* a process, not a thread */
			insert(p, f->child_tgid, s->token);
	} else if (ev->what == PROC_EVENT_EXIT) {
		const struct exit_proc_event *x = &ev->event_data.exit;
		if (x->process_pid != x->process_tgid)
			return; /* a thread: the leader reports the group's end */
		struct slot *s = find(p, x->process_tgid);
		if (!s)
			return;
		int st = (int) x->exit_code;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ)
			on_xfsz(opaque, s->token);
		s->tgid = GONE;
	}
}

int procev_read(struct procev *p, void (*on_xfsz)(void *opaque, unsigned token), void *opaque)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int lost = 0;
	for (;;) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				lost = -ENOBUFS;
				continue;
			}
			return lost; /* EAGAIN: all read */
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
		     h = NLMSG_NEXT(h, n)) {
			/* The event sits 4 bytes past an 8-byte boundary: copy it
			 * out before touching its 64-bit fields. */
			struct cn_msg cn;
			struct proc_event ev;
			memcpy(&cn, NLMSG_DATA(h), sizeof(cn));
			if (cn.id.idx != CN_IDX_PROC || cn.len < sizeof(ev))
				continue;
			memcpy(&ev, (const char *) NLMSG_DATA(h) + sizeof(cn), sizeof(ev));
			on_event(p, &ev, on_xfsz, opaque);
		}
	}
}
