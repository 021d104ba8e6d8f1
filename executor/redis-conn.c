#include "redis-conn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BACKOFF_MIN_MS	 100
#define BACKOFF_MAX_MS	 5000
#define SETUP_TIMEOUT_MS 10000

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
	*ret = c;
	return 0;
}

static void close_ctx(struct redis_conn *c)
{
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
	if (c->ctx && readable) {
		if (redisBufferRead(c->ctx) != REDIS_OK)
			redis_conn_drop(c, c->ctx->errstr);
		else
			dispatch(c);
	}
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
