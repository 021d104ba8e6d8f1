#include "redis-conn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

#define BACKOFF_MIN_MS	 100
#define BACKOFF_MAX_MS	 5000
#define SETUP_TIMEOUT_MS 10000
#define PROGRESS_MS	 10000	    /* a reply still arriving is not late */
#define BIG_BULK	 (64 << 10) /* larger bulks bypass hiredis */
#define READ_CHUNK	 (64 << 10)
#define READS_PER_TURN	 16
#define MARK		 "\xffjudgebox-bulk:"

/* A bulk string of a reply larger than BIG_BULK (or than max_bulk), kept
 * out of hiredis: its reply holds a marker "MARK<nonce>:<no>" instead. */
struct bulk {
	struct bulk *next;
	uint64_t no;
	uint8_t *data; /* NULL: over max_bulk (or out of memory), discarded */
	size_t len, have;
	bool taken;
};

/* Where the input filter is in the RESP2 byte stream. */
enum rf_state { RF_TYPE, RF_LINE, RF_LEN, RF_BODY, RF_BIG };

struct rfilter {
	enum rf_state state;
	char len_line[24]; /* "$" lines: the length, held back */
	size_t len_n;
	uint64_t left; /* RF_BODY, RF_BIG: bytes still due, CRLF included */
	struct bulk *bulks, *cur;
	uint64_t next_no;
};

struct pending {
	struct pending *next;
	redis_reply_fn fn;
	void *opaque;
	uint64_t deadline_us;
};

struct redis_conn {
	struct redis_url url;
	struct redis_conn_hooks hooks;
	redisContext *ctx; /* NULL while disconnected */
	struct pending *head, *tail;
	size_t n_pending;
	uint64_t next_try_us;
	unsigned backoff_ms;
	bool want_write;  /* output waiting in hiredis' buffer */
	bool established; /* a reply came on this connection */
	size_t max_bulk;  /* 0: every bulk goes through hiredis */
	struct rfilter rf;
	char nonce[17]; /* of the markers: a reply cannot forge one */
};

/* ---- URL ---- */

static int copy_part(char *dst, size_t n, const char *src, size_t len, const char *what,
		     struct jb_err *err)
{
	if (len >= n)
		return jb_invalid(err, "redis url: the %s is too long", what);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* "[user]:password@" in front of the host (or of the socket path): the
 * last '@' before the first '/'. */
static int parse_auth(const char **s, struct redis_url *u, struct jb_err *err)
{
	const char *slash = strchr(*s, '/');
	size_t n = slash ? (size_t) (slash - *s) : strlen(*s);
	const char *at = memrchr(*s, '@', n);
	if (!at)
		return 0;
	const char *colon = memchr(*s, ':', (size_t) (at - *s));
	if (!colon)
		return jb_invalid(err, "redis url: credentials must be ':password@' or "
				       "'user:password@'");
	int r = copy_part(u->user, sizeof(u->user), *s, (size_t) (colon - *s), "user", err);
	if (r >= 0)
		r = copy_part(u->password, sizeof(u->password), colon + 1,
			      (size_t) (at - colon - 1), "password", err);
	*s = at + 1;
	return r;
}

static int parse_port_db(const char *p, struct redis_url *u, struct jb_err *err)
{
	char *end = NULL;
	if (*p == ':') {
		errno = 0;
		long port = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno || port < 1 || port > 65535)
			return jb_invalid(err, "redis url: bad port in '%s'", p);
		u->port = (int) port;
		p = end;
	}
	if (*p == '/' && p[1]) {
		errno = 0;
		long db = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end || errno || db < 0 || db > 1000000)
			return jb_invalid(err, "redis url: bad database number in '%s'", p);
		u->db = (int) db;
		return 0;
	}
	if (*p && strcmp(p, "/"))
		return jb_invalid(err, "redis url: unexpected '%s'", p);
	return 0;
}

static int parse_tcp(const char *s, struct redis_url *u, struct jb_err *err)
{
	const char *end;
	int r;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return jb_invalid(err, "redis url: missing ']' after the address");
		r = copy_part(u->host, sizeof(u->host), s + 1, (size_t) (end - s - 1), "host", err);
		end++;
	} else {
		end = s + strcspn(s, ":/");
		r = copy_part(u->host, sizeof(u->host), s, (size_t) (end - s), "host", err);
	}
	if (r < 0)
		return r;
	if (!u->host[0])
		snprintf(u->host, sizeof(u->host), "127.0.0.1");
	return parse_port_db(end, u, err);
}

int redis_url_parse(const char *s, struct redis_url *ret, struct jb_err *err)
{
	struct redis_url u = {.port = 6379};
	int r;
	if (!strncmp(s, "redis://", 8)) {
		s += 8;
		r = parse_auth(&s, &u, err);
		if (r >= 0)
			r = parse_tcp(s, &u, err);
	} else if (!strncmp(s, "unix://", 7)) {
		s += 7;
		u.unix_socket = true;
		r = parse_auth(&s, &u, err);
		if (r >= 0 && *s != '/')
			r = jb_invalid(err, "redis url: unix:// wants an absolute path, not '%s'",
				       s);
		if (r >= 0)
			r = copy_part(u.path, sizeof(u.path), s, strlen(s), "socket path", err);
	} else {
		r = jb_invalid(err, "redis url: '%s' is neither redis://... nor unix:///...", s);
	}
	if (r < 0)
		return r;
	const char *pw = getenv("JB_REDIS_PASSWORD");
	if (!u.password[0] && pw && pw[0])
		r = copy_part(u.password, sizeof(u.password), pw, strlen(pw), "password", err);
	if (r >= 0)
		*ret = u;
	return r;
}

void redis_url_describe(const struct redis_url *u, char *buf, size_t n)
{
	if (u->unix_socket)
		snprintf(buf, n, "unix://%s", u->path);
	else if (strchr(u->host, ':'))
		snprintf(buf, n, "redis://[%s]:%d/%d", u->host, u->port, u->db);
	else
		snprintf(buf, n, "redis://%s:%d/%d", u->host, u->port, u->db);
}

/* ---- connection ---- */

int redis_conn_new(const struct redis_url *url, const struct redis_conn_hooks *hooks,
		   struct redis_conn **ret, struct jb_err *err)
{
	struct redis_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return jb_fail(err, ENOMEM, "redis connection");
	c->url = *url;
	c->hooks = *hooks;
	c->backoff_ms = BACKOFF_MIN_MS;
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = jb_now_us() ^ (uint64_t) getpid() << 40; /* early boot: still unknown */
	snprintf(c->nonce, sizeof(c->nonce), "%016" PRIx64, rnd);
	*ret = c;
	return 0;
}

void redis_conn_set_max_bulk(struct redis_conn *c, size_t max_bytes)
{
	c->max_bulk = max_bytes;
}

static void free_bulks(struct redis_conn *c)
{
	while (c->rf.bulks) {
		struct bulk *b = c->rf.bulks;
		c->rf.bulks = b->next;
		free(b->data);
		free(b);
	}
	c->rf = (struct rfilter){.next_no = c->rf.next_no};
}

static void close_ctx(struct redis_conn *c)
{
	free_bulks(c);
	if (!c->ctx)
		return;
	if (c->hooks.watch)
		c->hooks.watch(c->hooks.opaque, c->ctx->fd, false);
	redisFree(c->ctx);
	c->ctx = NULL;
	c->want_write = false;
	c->established = false;
}

void redis_conn_free(struct redis_conn *c)
{
	if (!c)
		return;
	close_ctx(c);
	while (c->head) {
		struct pending *p = c->head;
		c->head = p->next;
		free(p);
	}
	free(c);
}

bool redis_conn_ready(const struct redis_conn *c)
{
	return c->ctx != NULL;
}

size_t redis_conn_pending(const struct redis_conn *c)
{
	return c->n_pending;
}

void redis_conn_drop(struct redis_conn *c, const char *why)
{
	if (!c->ctx)
		return;
	char msg[256];
	snprintf(msg, sizeof(msg), "%s", why); /* why may point into the context */
	close_ctx(c);
	c->next_try_us = jb_now_us() + c->backoff_ms * 1000ULL;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	/* Detach first: a callback may send again (and get -ENOTCONN). */
	struct pending *p = c->head;
	c->head = c->tail = NULL;
	c->n_pending = 0;
	while (p) {
		struct pending *next = p->next;
		p->fn(p->opaque, NULL);
		free(p);
		p = next;
	}
	if (c->hooks.down)
		c->hooks.down(c->hooks.opaque, msg);
}

static void flush(struct redis_conn *c)
{
	int done = 0;
	/* Each call is one write(2); stop when the socket is full (EAGAIN). */
	for (int k = 0; k < 64 && c->ctx && !done; k++) {
		size_t before = sdslen(c->ctx->obuf);
		if (redisBufferWrite(c->ctx, &done) != REDIS_OK) {
			redis_conn_drop(c, c->ctx->errstr);
			return;
		}
		if (!done && sdslen(c->ctx->obuf) == before)
			break;
	}
	if (c->ctx)
		c->want_write = !done;
}

static void push_pending(struct redis_conn *c, struct pending *p)
{
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->n_pending++;
}

int redis_conn_send(struct redis_conn *c, int argc, const char **argv, const size_t *lens,
		    int timeout_ms, redis_reply_fn fn, void *opaque)
{
	if (!c->ctx)
		return -ENOTCONN;
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (redisAppendCommandArgv(c->ctx, argc, argv, lens) != REDIS_OK) {
		free(p);
		return -ENOMEM;
	}
	p->fn = fn;
	p->opaque = opaque;
	p->deadline_us = jb_now_us() + (uint64_t) timeout_ms * 1000;
	push_pending(c, p);
	/* Written by the next redis_conn_service, never here: a failed write
	 * drops the connection and calls back, which the caller of send must
	 * not see before send returns. */
	c->want_write = true;
	return 0;
}

int redis_conn_sendv(struct redis_conn *c, int timeout_ms, redis_reply_fn fn, void *opaque,
		     int argc, const char **argv)
{
	_cleanup_free_ size_t *lens = calloc((size_t) argc, sizeof(*lens));
	if (!lens)
		return -ENOMEM;
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return redis_conn_send(c, argc, argv, lens, timeout_ms, fn, opaque);
}

/* AUTH and SELECT: a refusal drops the connection (and backs off). */
static void on_setup_reply(void *opaque, redisReply *r)
{
	struct redis_conn *c = opaque;
	if (r && r->type == REDIS_REPLY_ERROR) {
		char why[300];
		snprintf(why, sizeof(why), "set-up refused: %s", r->str);
		redis_conn_drop(c, why);
	}
}

static int send_setup(struct redis_conn *c)
{
	char db[16];
	int r = 0;
	if (c->url.password[0] && c->url.user[0])
		r = redis_conn_sendv(c, SETUP_TIMEOUT_MS, on_setup_reply, c, 3,
				     (const char *[]){"AUTH", c->url.user, c->url.password});
	else if (c->url.password[0])
		r = redis_conn_sendv(c, SETUP_TIMEOUT_MS, on_setup_reply, c, 2,
				     (const char *[]){"AUTH", c->url.password});
	snprintf(db, sizeof(db), "%d", c->url.db);
	if (r >= 0 && c->url.db)
		r = redis_conn_sendv(c, SETUP_TIMEOUT_MS, on_setup_reply, c, 2,
				     (const char *[]){"SELECT", db});
	return r;
}

static void connect_now(struct redis_conn *c)
{
	redisContext *ctx = c->url.unix_socket ? redisConnectUnixNonBlock(c->url.path)
					       : redisConnectNonBlock(c->url.host, c->url.port);
	c->next_try_us = jb_now_us() + c->backoff_ms * 1000ULL;
	if (!ctx || ctx->err) {
		char why[300];
		snprintf(why, sizeof(why), "connect: %s", ctx ? ctx->errstr : "out of memory");
		redisFree(ctx);
		c->backoff_ms =
			c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
		if (c->hooks.down)
			c->hooks.down(c->hooks.opaque, why);
		return;
	}
	/* hiredis opens its socket without SOCK_CLOEXEC; we are single-threaded,
	 * so no fork can come between the socket and this. */
	(void) fcntl(ctx->fd, F_SETFD, FD_CLOEXEC);
	if (!c->url.unix_socket)
		(void) redisEnableKeepAlive(ctx); /* best effort: notices a dead peer */
	c->ctx = ctx;
	c->established = false;
	if (c->hooks.watch)
		c->hooks.watch(c->hooks.opaque, ctx->fd, true);
	if (c->ctx && send_setup(c) < 0)
		redis_conn_drop(c, "cannot queue the set-up commands");
	if (c->ctx && c->hooks.up)
		c->hooks.up(c->hooks.opaque);
}

/* ---- the input filter: big bulks never reach hiredis ----
 *
 * hiredis holds a bulk whole in its read buffer, then copies it into the
 * reply: a 400 MB stream entry took 2 x its size there, and more in the
 * copies that follow. With max_bulk set, the bytes read go through a RESP2
 * scanner first: a bulk over BIG_BULK is read into a buffer of its own
 * size (taken by the owner without a copy, redis_conn_take), or, over
 * max_bulk, discarded as it arrives; hiredis gets a short marker string in
 * its place, so the reply keeps its shape and the connection its place. */

static int feed(struct redis_conn *c, const void *buf, size_t n)
{
	return n && redisReaderFeed(c->ctx->reader, buf, n) != REDIS_OK ? -EPROTO : 0;
}

static struct bulk *bulk_find(struct redis_conn *c, uint64_t no)
{
	for (struct bulk *b = c->rf.bulks; b; b = b->next)
		if (b->no == no)
			return b;
	return NULL;
}

/* The "$N\r\n" line is complete: pass it on, or start a big bulk. */
static int bulk_start(struct redis_conn *c)
{
	struct rfilter *f = &c->rf;
	char *end = NULL;
	f->len_line[f->len_n] = '\0';
	errno = 0;
	unsigned long long len = strtoull(f->len_line, &end, 10);
	bool number = end != f->len_line && !strcmp(end, "\r\n") && !errno && len < 1ULL << 62;
	if (!number || f->len_line[0] == '-' ||
	    len <= (c->max_bulk < BIG_BULK ? c->max_bulk : BIG_BULK)) {
		f->state = number && f->len_line[0] != '-' ? RF_BODY : RF_TYPE;
		f->left = len + 2;
		return feed(c, "$", 1) < 0 ? -EPROTO : feed(c, f->len_line, f->len_n);
	}
	struct bulk *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->no = f->next_no++;
	b->len = len;
	b->data = len <= c->max_bulk ? malloc(len + 1) : NULL; /* pages as they fill */
	b->next = f->bulks;
	f->bulks = f->cur = b;
	f->state = RF_BIG;
	f->left = len + 2;
	return 0;
}

/* The big bulk is complete: only now may hiredis see its marker, or it
 * could hand out a reply whose bulk is still arriving. */
static int bulk_end(struct redis_conn *c)
{
	char mark[80], head[32];
	int m = snprintf(mark, sizeof(mark), MARK "%s:%" PRIu64, c->nonce, c->rf.cur->no);
	int h = snprintf(head, sizeof(head), "$%d\r\n", m);
	c->rf.state = RF_TYPE;
	c->rf.cur = NULL;
	return feed(c, head, (size_t) h) < 0 || feed(c, mark, (size_t) m) < 0 ? -EPROTO
									      : feed(c, "\r\n", 2);
}

/* Consume what the current state can of p[0..n); returns bytes used. */
static ssize_t filter_step(struct redis_conn *c, const char *p, size_t n)
{
	struct rfilter *f = &c->rf;
	size_t k;
	const char *nl;
	switch (f->state) {
	case RF_TYPE:
		if (p[0] != '$')
			f->state = RF_LINE;
		else
			f->state = RF_LEN, f->len_n = 0;
		return p[0] == '$' ? 1 : feed(c, p, 1) < 0 ? -EPROTO : 1;
	case RF_LINE:
		nl = memchr(p, '\n', n);
		k = nl ? (size_t) (nl - p) + 1 : n;
		if (nl)
			f->state = RF_TYPE;
		return feed(c, p, k) < 0 ? -EPROTO : (ssize_t) k;
	case RF_LEN:
		if (f->len_n + 1 >= sizeof(f->len_line))
			return -EPROTO; /* no length is this long */
		f->len_line[f->len_n++] = p[0];
		return p[0] != '\n' ? 1 : bulk_start(c) < 0 ? -EPROTO : 1;
	case RF_BODY:
		k = n < f->left ? n : (size_t) f->left;
		f->left -= k;
		if (!f->left)
			f->state = RF_TYPE;
		return feed(c, p, k) < 0 ? -EPROTO : (ssize_t) k;
	case RF_BIG:
		k = n < f->left ? n : (size_t) f->left;
		if (f->cur->data && f->cur->have < f->cur->len) {
			size_t take =
				k < f->cur->len - f->cur->have ? k : f->cur->len - f->cur->have;
			memcpy(f->cur->data + f->cur->have, p, take);
			f->cur->have += take;
		}
		f->left -= k;
		return f->left ? (ssize_t) k : bulk_end(c) < 0 ? -EPROTO : (ssize_t) k;
	}
	return -EPROTO;
}

static int filter(struct redis_conn *c, const char *p, size_t n)
{
	if (!c->max_bulk)
		return feed(c, p, n);
	while (n) {
		ssize_t k = filter_step(c, p, n);
		if (k < 0)
			return (int) k;
		p += k;
		n -= (size_t) k;
	}
	return 0;
}

/* What redisBufferRead does, through the filter, a few reads at a time. */
static int read_input(struct redis_conn *c)
{
	char buf[READ_CHUNK];
	for (int k = 0; k < READS_PER_TURN; k++) {
		ssize_t n = read(c->ctx->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			redis_conn_drop(c, n ? strerror(errno) : "server closed the connection");
			return -EPIPE;
		}
		if (filter(c, buf, (size_t) n) < 0) {
			redis_conn_drop(c, c->ctx->reader->err ? c->ctx->reader->errstr
							       : "protocol error or out of memory");
			return -EPROTO;
		}
		uint64_t progress_us = jb_now_us() + PROGRESS_MS * 1000ULL;
		if (c->head && c->head->deadline_us < progress_us)
			c->head->deadline_us = progress_us; /* a reply on its way is not late */
		if ((size_t) n < sizeof(buf))
			return 0;
	}
	return 0;
}

/* The big bulk a marker string stands for, or NULL. */
static struct bulk *bulk_of(const struct redis_conn *c, const redisReply *s)
{
	size_t m = strlen(MARK);
	if (!c->rf.bulks || s->type != REDIS_REPLY_STRING || s->len <= m + 17 ||
	    memcmp(s->str, MARK, m) || memcmp(s->str + m, c->nonce, 16) || s->str[m + 16] != ':')
		return NULL;
	return bulk_find((struct redis_conn *) c, strtoull(s->str + m + 17, NULL, 10));
}

/* A reply has been handled: free the big bulks it stood for. */
static void release_bulks(struct redis_conn *c, const redisReply *r)
{
	struct bulk *b = bulk_of(c, r);
	if (b) {
		for (struct bulk **p = &c->rf.bulks; *p; p = &(*p)->next)
			if (*p == b) {
				*p = b->next;
				break;
			}
		free(b->data);
		free(b);
	}
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		release_bulks(c, r->element[i]);
}

size_t redis_conn_len(const struct redis_conn *c, const redisReply *s)
{
	const struct bulk *b = bulk_of(c, s);
	return b ? b->len : s->len;
}

int redis_conn_take(struct redis_conn *c, const redisReply *s, uint8_t **ret, size_t *ret_len)
{
	struct bulk *b = bulk_of(c, s);
	*ret_len = b ? b->len : s->len;
	if (b && b->len > c->max_bulk)
		return -EFBIG;
	if (b && (!b->data || b->taken))
		return b->taken ? -EALREADY : -ENOMEM;
	if (b) {
		b->data[b->len] = '\0';
		*ret = TAKE_PTR(b->data);
		b->taken = true;
		return 0;
	}
	*ret = malloc(s->len + 1);
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, s->str, s->len);
	(*ret)[s->len] = '\0';
	return 0;
}

static void dispatch(struct redis_conn *c)
{
	redisContext *ctx = c->ctx;
	while (c->ctx == ctx) {
		void *reply = NULL;
		if (redisGetReplyFromReader(ctx, &reply) != REDIS_OK) {
			redis_conn_drop(c, ctx->errstr);
			return;
		}
		if (!reply)
			return;
		struct pending *p = c->head;
		if (!p) {
			freeReplyObject(reply);
			redis_conn_drop(c, "a reply nobody asked for");
			return;
		}
		c->head = p->next;
		if (!c->head)
			c->tail = NULL;
		c->n_pending--;
		bool works = ((redisReply *) reply)->type != REDIS_REPLY_ERROR;
		if (works)
			c->backoff_ms = BACKOFF_MIN_MS;
		if (works && !c->established) {
			c->established = true;
			if (c->hooks.established)
				c->hooks.established(c->hooks.opaque);
		}
		p->fn(p->opaque, reply);
		if (c->ctx == ctx) /* else dropped: the bulks are gone already */
			release_bulks(c, reply);
		freeReplyObject(reply);
		free(p);
	}
}

static int until_ms(uint64_t when_us, uint64_t now_us)
{
	if (when_us <= now_us)
		return 0;
	uint64_t ms = (when_us - now_us + 999) / 1000;
	return ms > 60000 ? 60000 : (int) ms;
}

int redis_conn_service(struct redis_conn *c, bool readable)
{
	uint64_t now = jb_now_us();
	if (!c->ctx && now >= c->next_try_us)
		connect_now(c);
	if (c->ctx && c->want_write)
		flush(c);
	if (c->ctx && readable && read_input(c) >= 0)
		dispatch(c);
	now = jb_now_us();
	if (c->ctx && c->head && now > c->head->deadline_us)
		redis_conn_drop(c, "no reply in time");
	if (!c->ctx)
		return until_ms(c->next_try_us, now);
	if (c->want_write)
		return 1;
	return c->head ? until_ms(c->head->deadline_us, now) + 1 : -1;
}

/* ---- replies ---- */

bool redis_reply_is_error(const redisReply *r, const char *prefix)
{
	return r && r->type == REDIS_REPLY_ERROR &&
	       (!prefix || !strncmp(r->str, prefix, strlen(prefix)));
}

const redisReply *redis_reply_field(const redisReply *kv, const char *name)
{
	if (!kv || kv->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < kv->elements; i += 2) {
		const redisReply *k = kv->element[i], *v = kv->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && !strcmp(k->str, name) &&
		    v->type == REDIS_REPLY_STRING)
			return v;
	}
	return NULL;
}

int redis_id_parse(const char *s, uint64_t *ret_ms, uint64_t *ret_seq)
{
	char *end = NULL;
	errno = 0;
	uint64_t ms = strtoull(s, &end, 10);
	if (end == s || *end != '-' || errno)
		return -EINVAL;
	const char *q = end + 1;
	uint64_t seq = strtoull(q, &end, 10);
	if (end == q || *end || errno)
		return -EINVAL;
	*ret_ms = ms;
	*ret_seq = seq;
	return 0;
}
