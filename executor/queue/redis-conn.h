#pragma once
/* One Redis connection for an event loop: non-blocking hiredis, commands
 * pipelined with a callback each, reconnection with backoff (100 ms doubling
 * to 5 s). The owner watches the descriptor for input (through the watch
 * hook) and calls redis_conn_service; nothing here ever blocks, except the
 * name lookup of a TCP host at connect (use an address to avoid it). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "err.h"

/* redis://[[user]:password@]host[:port][/db] or unix://[[user]:password@]/path. */
struct redis_url {
	bool unix_socket;
	char host[256]; /* TCP: name or address ("[::1]" without brackets) */
	int port;	/* TCP: 6379 by default */
	char path[256]; /* unix: socket path */
	char user[128]; /* "" = the default user */
	char password[256];
	int db; /* SELECT db when non-zero */
};

/* Parse s; the password may also come from $JB_REDIS_PASSWORD when the URL
 * has none. Usage-level errors (JB_ERR_INVALID) name the part at fault. */
int redis_url_parse(const char *s, struct redis_url *ret, struct jb_err *err);

/* "redis://host:port/db" or "unix:///path", never the password. */
void redis_url_describe(const struct redis_url *u, char *buf, size_t n);

/* Called with the reply (owned by the connection: do not free), or NULL
 * when the connection was lost before it came: the command may or may not
 * have run. */
typedef void (*redis_reply_fn)(void *opaque, redisReply *reply);

/* Any hook may be NULL. */
struct redis_conn_hooks {
	void (*watch)(void *opaque, int fd, bool on); /* start/stop polling fd for input */
	void (*up)(void *opaque);		      /* socket open: queue set-up commands */
	void (*established)(void *opaque);	      /* the first non-error reply came */
	void (*down)(void *opaque, const char *why);  /* lost; pending replies already failed */
	void *opaque;
};

struct redis_conn;

/* The url and hooks are copied. The first connection attempt happens at the
 * first redis_conn_service. */
int redis_conn_new(const struct redis_url *url, const struct redis_conn_hooks *hooks,
		   struct redis_conn **ret, struct jb_err *err);
/* Close; pending callbacks are dropped without being called. NULL is a no-op. */
void redis_conn_free(struct redis_conn *c);

/* Connected (commands can be sent). */
bool redis_conn_ready(const struct redis_conn *c);
/* Commands sent whose reply has not come yet. */
size_t redis_conn_pending(const struct redis_conn *c);

/* Queue a command (arguments copied) whose reply must come within
 * timeout_ms, else the connection is dropped and reopened. It is written by
 * the next redis_conn_service, so fn is never called before this returns.
 * Returns -ENOTCONN when not connected (fn is not called), -ENOMEM. */
int redis_conn_send(struct redis_conn *c, int argc, const char **argv, const size_t *lens,
		    int timeout_ms, redis_reply_fn fn, void *opaque);
/* The same for arguments that are all C strings. */
int redis_conn_sendv(struct redis_conn *c, int timeout_ms, redis_reply_fn fn, void *opaque,
		     int argc, const char **argv);

/* Keep the bulk strings of replies larger than 64 KiB (or max_bytes) out of
 * hiredis' buffers: each is read into a buffer of its own size, handed
 * over by redis_conn_take without a copy, and one over max_bytes is
 * discarded as it arrives, never held. The reply holds a marker string in
 * its place (see redis_conn_len). 0, the default: off. */
void redis_conn_set_max_bulk(struct redis_conn *c, size_t max_bytes);

/* The size of string s of a reply of c, during its callback: its own, or
 * that of the big bulk it stands for. */
size_t redis_conn_len(const struct redis_conn *c, const redisReply *s);

/* The bytes of string s of a reply of c, during its callback, in *ret
 * (NUL-terminated, caller frees) and *ret_len: a big bulk is handed over
 * without a copy, once. -EFBIG: over max_bytes, not kept (*ret_len is its
 * size); -ENOMEM. */
int redis_conn_take(struct redis_conn *c, const redisReply *s, uint8_t **ret, size_t *ret_len);

/* Drop the connection now (why says so) and reconnect after the backoff. */
void redis_conn_drop(struct redis_conn *c, const char *why);

/* Do what is due: connect when the backoff allows, flush queued output, read
 * and dispatch replies (readable: the descriptor polled readable), enforce
 * reply deadlines. Returns the longest the owner may wait before calling
 * again, in ms (-1: until the descriptor is readable). */
int redis_conn_service(struct redis_conn *c, bool readable);

/* Reply helpers. */
bool redis_reply_is_error(const redisReply *r, const char *prefix);
/* In a flat [name, value, ...] array, the value of name (a string) or NULL. */
const redisReply *redis_reply_field(const redisReply *kv, const char *name);
/* Entry ids "ms-seq" as numbers, for ordering; -EINVAL if malformed. */
int redis_id_parse(const char *s, uint64_t *ret_ms, uint64_t *ret_seq);
