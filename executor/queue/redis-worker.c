/* `judgebox worker`: jobs from a Redis stream through a consumer group, run
 * on the supervisor's slots exactly as `exec --stream` runs them.
 *
 * Event loop: everything waits in one sup_wait. Both Redis connections are
 * non-blocking (redis-conn.c) and their descriptors are registered with
 * sup_watch_fd, so no Redis call ever blocks the loop and the supervisor's
 * 100 ms kill latency holds whatever Redis does. XREADGROUP BLOCK runs on a
 * connection of its own (a blocked command would hold up every command
 * queued behind it); XADD, XACK and the claims go on the other.
 *
 * Delivery: at least once. A verdict is XADDed to the entry's reply stream
 * and the entry XACKed only once the XADD was confirmed; a lost connection
 * sends the XADD again (a duplicate verdict carries the same `entry`). A
 * heartbeat (XCLAIM JUSTID of our own entries every claim-after/3) keeps
 * long jobs from being claimed by other workers: --claim-after bounds how
 * long a dead worker's entries wait, not how long a job may run. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cgroup.h"
#include "job.h"
#include "lim.h"
#include "opflags.h"
#include "redis-conn.h"
#include "redis.h"
#include "seccomp.h"
#include "supervisor.h"
#include "util.h"

#define READ_BLOCK_MS	  2000
#define CMD_TIMEOUT_MS	  10000
#define RELEASE_IDLE_MS	  "31536000000" /* a year: claimable by anyone at once */
#define BEAT_BATCH	  256
#define XADD_RETRY_MAX_MS 30000

enum { TOKEN_SIGNAL = 0, TOKEN_CMD = 1, TOKEN_READ = 2 };

static struct {
	const char *url, *stream, *group, *consumer;
	uint32_t claim_after_ms, max_attempts;
	uint64_t max_entry; /* bytes */
	struct opflags op;  /* exec's operator flags: ceilings, slots, ... */
} arg_w;

enum went_state {
	WE_CLAIMED,	 /* taken over by XAUTOCLAIM, delivery count being asked */
	WE_QUEUED,	 /* decoded, waiting for a free slot */
	WE_RUNNING,	 /* in a supervisor slot */
	WE_XADD,	 /* verdict ready to be written */
	WE_XADD_SENT,	 /* ... and sent */
	WE_XACK,	 /* verdict written: ack to send */
	WE_XACK_SENT,	 /* ... and sent */
	WE_RELEASE,	 /* never ran (stopping): hand back to the group */
	WE_RELEASE_SENT, /* ... and sent */
};

struct worker;

/* One entry of the jobs stream, from its delivery until its ack. */
struct went {
	struct went *next;
	struct worker *w;
	char *id, *job_id;
	char *reply; /* any bytes: a stream name is binary-safe */
	size_t reply_len;
	char *message; /* the verdict's, for a note added to it */
	uint64_t seq;
	unsigned deliveries; /* delivery count, 0 = unknown */
	enum went_state state;
	uint8_t *raw; /* the job field until admitted */
	size_t raw_len;
	bool has_job;
	uint64_t entry_bytes; /* over --max-entry: refused, job never read */
	size_t reply_over;    /* size of a reply name over --max-entry */
	struct job *job;      /* WE_QUEUED */
	uint8_t *verdict;     /* packed, WE_XADD* */
	size_t verdict_len;
	uint64_t retry_us; /* next XADD after a refusal */
	unsigned retry_ms;
};

/* One of the two connections. */
struct wlink {
	struct worker *w;
	struct redis_conn *c;
	const char *name;
	unsigned token;
	bool up, complained;
};

struct worker {
	struct sup *s;
	struct wlink cmd, rd;
	char url_desc[300];
	char *reply_default;
	struct went *head;
	uint64_t seq;
	int sfd;
	bool stopping, forced;
	bool reading, claiming, beating, unblock_sent;
	bool group_ok, group_sent;
	long long rd_client_id; /* CLIENT ID of the read connection, -1 unknown */
	char cursor[48];	/* XAUTOCLAIM's scan position */
	uint64_t next_claim_us, next_beat_us, next_read_us, group_retry_us, stop_us;
};

static uint64_t claim_interval_us(void)
{
	uint64_t us = arg_w.claim_after_ms * 500ULL; /* half of claim-after */
	return us < 20000 ? 20000 : us > 5000000 ? 5000000 : us;
}

static uint64_t beat_interval_us(void)
{
	uint64_t us = arg_w.claim_after_ms * 1000ULL / 3;
	return us < 10000 ? 10000 : us;
}

/* ---- entries ---- */

static void went_free(struct went *e)
{
	free(e->id);
	free(e->reply);
	free(e->message);
	free(e->job_id);
	free(e->raw);
	job_free(e->job);
	free(e->verdict);
	free(e);
}

static void went_remove(struct worker *w, struct went *e)
{
	for (struct went **p = &w->head; *p; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			break;
		}
	went_free(e);
}

static struct went *went_find_id(struct worker *w, const char *id)
{
	for (struct went *e = w->head; e; e = e->next)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

static unsigned count_state(const struct worker *w, enum went_state st)
{
	unsigned n = 0;
	for (const struct went *e = w->head; e; e = e->next)
		n += e->state == st;
	return n;
}

/* Slots that no queued entry waits for yet. */
static unsigned available(const struct worker *w)
{
	unsigned free_slots = sup_free_slots(w->s);
	unsigned waiting = count_state(w, WE_QUEUED) + count_state(w, WE_CLAIMED);
	return free_slots > waiting ? free_slots - waiting : 0;
}

/* Verdicts computed and not yet acked: reading stops when too many wait. */
static bool outbox_full(const struct worker *w)
{
	unsigned n = 0;
	for (const struct went *e = w->head; e; e = e->next)
		n += e->state >= WE_XADD && e->state <= WE_XACK_SENT;
	return n >= 4 * arg_w.op.parallel + 16;
}

static void set_reply(struct went *e, const char *name, size_t len)
{
	free(e->reply);
	e->reply = malloc(len + 1);
	if (e->reply) {
		memcpy(e->reply, name, len);
		e->reply[len] = '\0';
	}
	e->reply_len = len;
}

/* The size of an entry as Redis holds it: its id, field names and values. */
static uint64_t entry_bytes(const struct redis_conn *c, const redisReply *entry)
{
	uint64_t n = entry->element[0]->len;
	const redisReply *f = entry->element[1];
	for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i < f->elements; i++)
		n += redis_conn_len(c, f->element[i]);
	return n;
}

/* The reply stream and the job's bytes, taken from the reply (a big job
 * without a copy); an entry over --max-entry keeps no job: it was never
 * read (redis_conn_set_max_bulk) or is dropped here. */
static int went_fields(struct worker *w, struct redis_conn *c, struct went *e,
		       const redisReply *entry)
{
	const redisReply *job = redis_reply_field(entry->element[1], "job");
	const redisReply *reply = redis_reply_field(entry->element[1], "reply");
	int r = 0;
	e->entry_bytes = entry_bytes(c, entry);
	e->has_job = job != NULL;
	if (reply && redis_conn_len(c, reply) > 0)
		r = redis_conn_take(c, reply, (uint8_t **) &e->reply, &e->reply_len);
	if (r == -EFBIG)
		e->reply_over = e->reply_len; /* unknown: the default stream */
	else if (r < 0)
		return r;
	if (!e->reply)
		set_reply(e, w->reply_default, strlen(w->reply_default));
	if (!e->reply)
		return -ENOMEM;
	if (job && e->entry_bytes <= arg_w.max_entry)
		return redis_conn_take(c, job, &e->raw, &e->raw_len);
	return 0;
}

/* A new entry of a reply of c at the tail (list order = arrival order, for
 * fairness). NULL: out of memory (the entry stays pending). */
static struct went *went_new(struct worker *w, struct redis_conn *c, const redisReply *entry,
			     unsigned deliveries)
{
	struct went *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->w = w;
	e->seq = w->seq++;
	e->deliveries = deliveries;
	e->id = strdup(entry->element[0]->str);
	if (!e->id || went_fields(w, c, e, entry) < 0) {
		went_free(e);
		return NULL;
	}
	struct went **p = &w->head;
	while (*p)
		p = &(*p)->next;
	*p = e;
	return e;
}

/* ---- verdicts ---- */

static void set_verdict(struct went *e, Judgebox__Verdict *v)
{
	struct jb_err err = {0};
	free(e->job_id);
	e->job_id = strdup(v->id ? v->id : "");
	free(e->message);
	e->message = strdup(v->message ? v->message : "");
	if (job_verdict_pack(v, &e->verdict, &e->verdict_len, &err) < 0) {
		/* Still a verdict, so the entry can be acked. */
		Judgebox__Verdict *small = sup_verdict_error(JUDGEBOX__STATUS__INTERNAL_ERROR,
							     v->id, v->seq, err.msg, NULL);
		if (small)
			(void) job_verdict_pack(small, &e->verdict, &e->verdict_len, &err);
		sup_verdict_free(small);
	}
	sup_verdict_free(v);
	e->state = WE_XADD;
}

static void worker_sink(void *opaque, Judgebox__Verdict *v)
{
	struct worker *w = opaque;
	for (struct went *e = w->head; e; e = e->next)
		if (e->state == WE_RUNNING && e->seq == v->seq) {
			set_verdict(e, v);
			return;
		}
	sup_verdict_free(v); /* not ours: cannot happen */
}

/* INVALID_JOB for an entry over --max-entry, to its reply stream when its
 * name could be read. */
static void too_big(struct worker *w, struct went *e)
{
	char msg[400];
	int n = snprintf(msg, sizeof(msg),
			 "redis: entry '%s': %" PRIu64 " bytes is over --max-entry (%" PRIu64
			 " bytes); not read",
			 e->id, e->entry_bytes, arg_w.max_entry);
	if (e->reply_over)
		snprintf(msg + n, sizeof(msg) - (size_t) n,
			 "; its reply stream name is %zu bytes (verdict sent to '%s')",
			 e->reply_over, w->reply_default);
	set_verdict(e, sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", e->seq, msg, NULL));
}

/* Decide what becomes of a delivered entry: run it, refuse it, give up on
 * it, or hand it back when stopping. attempts: deliveries before this one. */
static void admit(struct worker *w, struct went *e, unsigned attempts)
{
	struct jb_err err = {0};
	char msg[200];
	if (w->stopping) {
		e->state = WE_RELEASE;
	} else if (e->entry_bytes > arg_w.max_entry) {
		too_big(w, e);
	} else if (!e->has_job) {
		snprintf(msg, sizeof(msg), "redis: entry '%s' has no 'job' field", e->id);
		set_verdict(
			e, sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", e->seq, msg, NULL));
	} else if (attempts >= arg_w.max_attempts) {
		jb_fail(&err, 0, "redis: gave up after %u attempts (each ended without a verdict)",
			attempts);
		err.kind = JB_ERR_INTERNAL;
		set_verdict(e, sup_verdict_invalid(e->raw, e->raw_len, e->seq, &err));
	} else if (job_decode(e->raw, e->raw_len, sup_job_config(w->s), &e->job, &err) < 0) {
		set_verdict(e, sup_verdict_invalid(e->raw, e->raw_len, e->seq, &err));
	} else {
		e->state = WE_QUEUED;
	}
	free(e->raw);
	e->raw = NULL;
}

static void start_queued(struct worker *w)
{
	for (struct went *e = w->head; e && sup_free_slots(w->s) > 0; e = e->next) {
		if (e->state != WE_QUEUED)
			continue;
		/* RUNNING first: a job that cannot start has its verdict at once. */
		e->state = WE_RUNNING;
		struct job *job = TAKE_PTR(e->job);
		if (!sup_start(w->s, job, e->seq)) {
			e->job = job;
			e->state = WE_QUEUED;
			return;
		}
	}
}

/* ---- the consumer group ---- */

static void on_group(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	w->group_sent = false;
	if (!r)
		return;
	if (r->type != REDIS_REPLY_ERROR || redis_reply_is_error(r, "BUSYGROUP")) {
		w->group_ok = true;
		return;
	}
	if (redis_reply_is_error(r, "LOADING")) {
		w->group_retry_us = jb_now_us() + 200000; /* restarted, reading its dump */
		return;
	}
	fprintf(stderr, "judgebox: worker: create group '%s' on '%s': %s\n", arg_w.group,
		arg_w.stream, r->str);
	w->group_retry_us = jb_now_us() + 5000000;
}

static void ensure_group(struct worker *w)
{
	if (w->group_ok || w->group_sent || !redis_conn_ready(w->cmd.c) ||
	    jb_now_us() < w->group_retry_us)
		return;
	/* "0": jobs queued before the first worker started are read too. */
	if (redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_group, w, 6,
			     (const char *[]){"XGROUP", "CREATE", arg_w.stream, arg_w.group, "0",
					      "MKSTREAM"}) >= 0)
		w->group_sent = true;
}

/* A reply that says the group is gone (Redis restarted without its data). */
static bool lost_group(struct worker *w, const redisReply *r)
{
	if (!redis_reply_is_error(r, "NOGROUP"))
		return false;
	w->group_ok = false;
	return true;
}

static void complain(const char *what, const redisReply *r)
{
	fprintf(stderr, "judgebox: worker: %s: %s\n", what, r->str);
}

/* ---- reading new entries ---- */

static void take_entries(struct worker *w, const redisReply *streams)
{
	for (size_t i = 0; streams->type == REDIS_REPLY_ARRAY && i < streams->elements; i++) {
		const redisReply *st = streams->element[i];
		if (st->type != REDIS_REPLY_ARRAY || st->elements != 2)
			continue;
		const redisReply *entries = st->element[1];
		for (size_t k = 0; entries->type == REDIS_REPLY_ARRAY && k < entries->elements;
		     k++) {
			const redisReply *en = entries->element[k];
			if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
			    en->element[0]->type != REDIS_REPLY_STRING ||
			    went_find_id(w, en->element[0]->str))
				continue;
			struct went *e = went_new(w, w->rd.c, en, 1);
			if (e)
				admit(w, e, 0);
			/* else out of memory: it stays pending, claimed later */
		}
	}
}

static void on_read(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	w->reading = false;
	if (!r || lost_group(w, r))
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		complain("XREADGROUP", r);
		w->next_read_us = jb_now_us() + 1000000; /* not at loop speed */
		return;
	}
	take_entries(w, r);
}

static void maybe_read(struct worker *w)
{
	unsigned n = available(w);
	if (w->stopping || w->reading || !w->group_ok || !n || outbox_full(w) ||
	    !redis_conn_ready(w->rd.c) || jb_now_us() < w->next_read_us)
		return;
	char count[16], block[16];
	snprintf(count, sizeof(count), "%u", n);
	snprintf(block, sizeof(block), "%d", READ_BLOCK_MS);
	const char *argv[] = {"XREADGROUP", "GROUP", arg_w.group, arg_w.consumer, "COUNT", count,
			      "BLOCK",	    block,   "STREAMS",	  arg_w.stream,	  ">"};
	if (redis_conn_sendv(w->rd.c, READ_BLOCK_MS + CMD_TIMEOUT_MS, on_read, w, ARRAY_SIZE(argv),
			     argv) >= 0)
		w->reading = true;
}

static void on_client_id(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	if (r && r->type == REDIS_REPLY_INTEGER)
		w->rd_client_id = r->integer;
}

static void on_unblock(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	if (!r)
		w->unblock_sent = false; /* try again on the next connection */
}

/* Stopping: end a blocked XREADGROUP now instead of at its timeout. */
static void stop_reading(struct worker *w)
{
	if (!w->stopping || !w->reading || w->unblock_sent || w->rd_client_id < 0 ||
	    !redis_conn_ready(w->cmd.c))
		return;
	char id[32];
	snprintf(id, sizeof(id), "%lld", w->rd_client_id);
	if (redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_unblock, w, 3,
			     (const char *[]){"CLIENT", "UNBLOCK", id}) >= 0)
		w->unblock_sent = true;
}

/* ---- taking over entries of dead workers ---- */

static void on_pending(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	w->claiming = false;
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *p = r->element[i];
		if (p->type != REDIS_REPLY_ARRAY || p->elements < 4 ||
		    p->element[0]->type != REDIS_REPLY_STRING)
			continue;
		struct went *e = went_find_id(w, p->element[0]->str);
		if (e && e->state == WE_CLAIMED && p->element[3]->type == REDIS_REPLY_INTEGER)
			e->deliveries = (unsigned) p->element[3]->integer;
	}
	/* Unknown count (lost connection): it was delivered at least once. */
	for (struct went *e = w->head; e; e = e->next)
		if (e->state == WE_CLAIMED)
			admit(w, e, e->deliveries ? e->deliveries - 1 : 1);
}

/* Ask the delivery counts of what was just claimed (between ids lo, hi). */
static void ask_pending(struct worker *w, const char *lo, const char *hi, size_t n)
{
	char count[24];
	snprintf(count, sizeof(count), "%zu", n);
	const char *argv[] = {"XPENDING", arg_w.stream, arg_w.group, lo, hi, count, arg_w.consumer};
	if (redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_pending, w, ARRAY_SIZE(argv), argv) < 0)
		on_pending(w, NULL);
}

/* Entries of a XAUTOCLAIM reply; returns how many are new to us. */
static size_t take_claimed(struct worker *w, const redisReply *entries, const char **lo,
			   const char **hi)
{
	size_t n = 0;
	for (size_t k = 0; entries->type == REDIS_REPLY_ARRAY && k < entries->elements; k++) {
		const redisReply *en = entries->element[k];
		if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
		    en->element[0]->type != REDIS_REPLY_STRING)
			continue; /* Redis 6.2: a deleted entry is nil */
		if (!*lo)
			*lo = en->element[0]->str;
		*hi = en->element[0]->str;
		if (went_find_id(w, en->element[0]->str))
			continue; /* ours already */
		struct went *e = went_new(w, w->cmd.c, en, 0);
		if (!e)
			continue;
		if (en->element[1]->type == REDIS_REPLY_NIL) {
			/* Redis 6.2: deleted from the stream, so nothing to run
			 * and nobody to answer; only its pending record is left. */
			e->state = WE_XACK;
			continue;
		}
		e->state = WE_CLAIMED;
		n++;
	}
	return n;
}

static void on_autoclaim(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	w->claiming = false;
	w->next_claim_us = jb_now_us() + claim_interval_us();
	if (!r || lost_group(w, r))
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		complain("XAUTOCLAIM", r);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	snprintf(w->cursor, sizeof(w->cursor), "%s", r->element[0]->str);
	if (strcmp(w->cursor, "0-0"))
		w->next_claim_us = 0; /* more to scan: go on at once */
	const char *lo = NULL, *hi = NULL;
	size_t n = take_claimed(w, r->element[1], &lo, &hi);
	if (n) {
		w->claiming = true;
		ask_pending(w, lo, hi, r->element[1]->elements + 16);
	}
}

static void maybe_claim(struct worker *w)
{
	unsigned n = available(w);
	if (w->stopping || w->claiming || !w->group_ok || !n || outbox_full(w) ||
	    !redis_conn_ready(w->cmd.c) || jb_now_us() < w->next_claim_us)
		return;
	char idle[16], count[16];
	snprintf(idle, sizeof(idle), "%" PRIu32, arg_w.claim_after_ms);
	snprintf(count, sizeof(count), "%u", n);
	const char *argv[] = {"XAUTOCLAIM", arg_w.stream, arg_w.group, arg_w.consumer,
			      idle,	    w->cursor,	  "COUNT",     count};
	if (redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_autoclaim, w, ARRAY_SIZE(argv), argv) >=
	    0)
		w->claiming = true;
}

/* ---- heartbeat: our entries are never idle while we hold them ---- */

static void on_beat(void *opaque, redisReply *r)
{
	struct worker *w = opaque;
	w->beating = false;
	if (r)
		(void) lost_group(w, r);
}

static bool held(const struct went *e)
{
	return e->state >= WE_QUEUED && e->state <= WE_XACK_SENT;
}

static void maybe_beat(struct worker *w)
{
	uint64_t now = jb_now_us();
	if (w->beating || !w->group_ok || !redis_conn_ready(w->cmd.c) || now < w->next_beat_us)
		return;
	const char *argv[6 + BEAT_BATCH + 1] = {"XCLAIM", arg_w.stream, arg_w.group, arg_w.consumer,
						"0"};
	int argc = 5;
	for (struct went *e = w->head; e && argc < 5 + BEAT_BATCH; e = e->next)
		if (held(e))
			argv[argc++] = e->id;
	w->next_beat_us = now + beat_interval_us();
	if (argc == 5)
		return;
	argv[argc++] = "JUSTID"; /* JUSTID: the delivery count stays as it is */
	if (redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_beat, w, argc, argv) >= 0)
		w->beating = true;
}

/* ---- writing verdicts, acking, handing back ---- */

static void on_xack(void *opaque, redisReply *r)
{
	struct went *e = opaque;
	if (!r) {
		e->state = WE_XACK;
		return;
	}
	if (r->type == REDIS_REPLY_ERROR && !lost_group(e->w, r))
		complain("XACK", r); /* nothing better to do: the verdict is out */
	went_remove(e->w, e);
}

/* Error replies that say Redis cannot write now, whatever the key: OOM
 * (maxmemory, until clients take their verdicts or the operator raises it),
 * a loading, busy or read-only server, a lost master, a failed save. Any
 * other error reply (WRONGTYPE, NOPERM, ERR, a code we do not know) is
 * about this key and stays: retrying it would hold the entry forever. */
static bool transient_error(const redisReply *r)
{
	static const char *const codes[] = {
		"OOM",	   "LOADING",	 "BUSY",	"TRYAGAIN", "READONLY",	   "MASTERDOWN",
		"MISCONF", "NOREPLICAS", "CLUSTERDOWN", "NOAUTH",   "NOMASTERLINK"};
	size_t n = strcspn(r->str, " ");
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (strlen(codes[i]) == n && !strncmp(r->str, codes[i], n))
			return true;
	return false;
}

/* s (len bytes, any bytes: names and Redis' words) for a message: printable
 * ASCII, other bytes as \xHH, quotes and backslashes escaped, cut with "..."
 * to fit n. Always valid UTF-8, as a proto string must be. */
static void printable(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];
		bool plain = ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\';
		if (o + (plain ? 1 : 4) + 4 > n) {
			snprintf(out + o, n - o, "...");
			return;
		}
		o += (size_t) snprintf(out + o, n - o, plain ? "%c" : "\\x%02x", ch);
	}
	out[o] = '\0';
}

/* Replace the packed verdict's message. Parsers keep the last occurrence
 * of a non-repeated field (protobuf encoding spec), so appending field 13
 * does it without unpacking a verdict that may hold megabytes of output. */
static int append_message(struct went *e, const char *msg)
{
	size_t len = strlen(msg);
	uint8_t head[11] = {13 << 3 | 2}; /* field 13, length-delimited */
	size_t n = 1 + job_varint(len, head + 1);
	uint8_t *p = realloc(e->verdict, e->verdict_len + n + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + e->verdict_len, head, n);
	memcpy(p + e->verdict_len + n, msg, len);
	e->verdict = p;
	e->verdict_len += n + len;
	return 0;
}

static bool to_default(const struct worker *w, const struct went *e)
{
	return e->reply_len == strlen(w->reply_default) &&
	       !memcmp(e->reply, w->reply_default, e->reply_len);
}

/* XADD refused for good. To the entry's own reply stream: send the verdict
 * to the default one, saying why in its message. To the default one: it
 * cannot be delivered anywhere, and an entry is never acked without its
 * verdict, so forget it, pending: it is claimed again after --claim-after
 * (run again until --max-attempts, then only answered) until the operator
 * repairs the key. Either way the outbox does not fill up with it. */
static void undeliverable(struct worker *w, struct went *e, const redisReply *r)
{
	char name[160], why[200], msg[1200];
	printable(e->reply, e->reply_len, name, sizeof(name));
	printable(r->str, strlen(r->str), why, sizeof(why));
	if (to_default(w, e)) {
		fprintf(stderr,
			"judgebox: worker: entry %s: the default reply stream '%s' refuses its "
			"verdict: %s; left pending (claimed again after --claim-after)\n",
			e->id, name, why);
		went_remove(w, e);
		return;
	}
	const char *old = e->message ? e->message : "";
	snprintf(msg, sizeof(msg), "%s%sreply stream '%s': %s (verdict sent to '%s')", old,
		 old[0] ? "; " : "", name, why, w->reply_default);
	if (append_message(e, msg) < 0)
		fprintf(stderr, "judgebox: worker: entry %s: out of memory for the message\n",
			e->id); /* still delivered, without it */
	fprintf(stderr, "judgebox: worker: entry %s: %s\n", e->id, msg);
	set_reply(e, w->reply_default, strlen(w->reply_default));
	if (!e->reply)
		went_remove(w, e); /* out of memory: pending, claimed again later */
}

static void on_xadd(void *opaque, redisReply *r)
{
	struct went *e = opaque;
	e->state = WE_XADD;
	if (!r)
		return; /* sent again once reconnected */
	if (r->type == REDIS_REPLY_ERROR && !transient_error(r)) {
		undeliverable(e->w, e, r);
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		char name[160];
		printable(e->reply, e->reply_len, name, sizeof(name));
		fprintf(stderr, "judgebox: worker: XADD to '%s': %s (retrying)\n", name, r->str);
		e->retry_ms = e->retry_ms ? e->retry_ms * 2 : 1000;
		if (e->retry_ms > XADD_RETRY_MAX_MS)
			e->retry_ms = XADD_RETRY_MAX_MS;
		e->retry_us = jb_now_us() + e->retry_ms * 1000ULL;
		return;
	}
	free(e->verdict);
	e->verdict = NULL;
	e->state = WE_XACK;
}

static void on_release(void *opaque, redisReply *r)
{
	struct went *e = opaque;
	went_remove(e->w, e); /* if lost, the entry is claimed after claim-after */
}

static int send_xadd(struct worker *w, struct went *e)
{
	const char *argv[] = {"XADD",
			      e->reply,
			      "*",
			      "verdict",
			      (const char *) e->verdict,
			      "id",
			      e->job_id ? e->job_id : "",
			      "entry",
			      e->id};
	size_t lens[ARRAY_SIZE(argv)];
	for (size_t i = 0; i < ARRAY_SIZE(argv); i++)
		lens[i] = i == 1 ? e->reply_len : i == 4 ? e->verdict_len : strlen(argv[i]);
	return redis_conn_send(w->cmd.c, ARRAY_SIZE(argv), argv, lens, CMD_TIMEOUT_MS, on_xadd, e);
}

/* Hand an entry that never ran back: idle for long, so that any worker
 * claims it at once, with its delivery count as before this delivery. */
static int send_release(struct worker *w, struct went *e)
{
	char retry[16];
	snprintf(retry, sizeof(retry), "%u", e->deliveries ? e->deliveries - 1 : 0);
	const char *argv[] = {"XCLAIM", arg_w.stream,	 arg_w.group, arg_w.consumer, "0",  e->id,
			      "IDLE",	RELEASE_IDLE_MS, "JUSTID",    "RETRYCOUNT",   retry};
	return redis_conn_sendv(w->cmd.c, CMD_TIMEOUT_MS, on_release, e,
				ARRAY_SIZE(argv) - (e->deliveries ? 0 : 2), argv);
}

static void pump(struct worker *w)
{
	uint64_t now = jb_now_us();
	for (struct went *e = w->head; e && redis_conn_ready(w->cmd.c); e = e->next) {
		if (e->state == WE_XADD && now >= e->retry_us && send_xadd(w, e) >= 0)
			e->state = WE_XADD_SENT;
		else if (e->state == WE_XACK &&
			 redis_conn_sendv(
				 w->cmd.c, CMD_TIMEOUT_MS, on_xack, e, 4,
				 (const char *[]){"XACK", arg_w.stream, arg_w.group, e->id}) >= 0)
			e->state = WE_XACK_SENT;
		else if (e->state == WE_RELEASE && send_release(w, e) >= 0)
			e->state = WE_RELEASE_SENT;
	}
}

/* ---- connections ---- */

static void link_watch(void *opaque, int fd, bool on)
{
	struct wlink *l = opaque;
	int r = sup_watch_fd(l->w->s, fd, l->token, on);
	if (r < 0 && on)
		redis_conn_drop(l->c, "cannot watch the connection");
}

static void link_up(void *opaque)
{
	struct wlink *l = opaque;
	if (l == &l->w->cmd) {
		l->w->group_ok = false; /* Redis may have restarted without it */
		return;
	}
	l->w->rd_client_id = -1;
	(void) redis_conn_sendv(l->c, CMD_TIMEOUT_MS, on_client_id, l->w, 2,
				(const char *[]){"CLIENT", "ID"});
}

static void link_established(void *opaque)
{
	struct wlink *l = opaque;
	if (l->complained)
		fprintf(stderr, "judgebox: worker: connected to %s (%s)\n", l->w->url_desc,
			l->name);
	l->up = true;
	l->complained = false;
}

/* Say it once per outage: when the link is lost, or the first time it
 * cannot be made. */
static void link_down(void *opaque, const char *why)
{
	struct wlink *l = opaque;
	if (l->up || !l->complained)
		fprintf(stderr, "judgebox: worker: %s %s (%s): %s; retrying\n",
			l->up ? "lost" : "cannot reach", l->w->url_desc, l->name, why);
	l->up = false;
	l->complained = true;
}

static int open_link(struct worker *w, struct wlink *l, const struct redis_url *url,
		     const char *name, unsigned token, struct jb_err *err)
{
	*l = (struct wlink){.w = w, .name = name, .token = token};
	struct redis_conn_hooks h = {link_watch, link_up, link_established, link_down, l};
	return redis_conn_new(url, &h, &l->c, err);
}

/* ---- the loop ---- */

static void stop(struct worker *w)
{
	if (w->stopping) {
		/* A second signal leaves now, unless it came with the first (a
		 * terminal's ^C to the group and a supervisor's SIGTERM). */
		if (jb_now_us() > w->stop_us + 1000000)
			w->forced = true;
		return;
	}
	w->stopping = true;
	w->stop_us = jb_now_us();
	sup_stop_all(w->s, true); /* their verdicts say "worker stopping" */
	for (struct went *e = w->head; e; e = e->next)
		if (e->state == WE_QUEUED) {
			job_free(TAKE_PTR(e->job));
			e->state = WE_RELEASE;
		}
}

static bool finished(const struct worker *w)
{
	return w->stopping && !w->head && !w->reading && !w->claiming && sup_running(w->s) == 0;
}

static int min_timeout(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int due_ms(uint64_t when_us, uint64_t now_us)
{
	return when_us <= now_us ? 0 : (int) ((when_us - now_us + 999) / 1000);
}

/* How long sup_wait may sleep: only timers whose action can happen count. */
static int loop_timeout(struct worker *w)
{
	uint64_t now = jb_now_us();
	int t = min_timeout(redis_conn_service(w->cmd.c, false),
			    redis_conn_service(w->rd.c, false));
	if (!w->stopping && !w->reading && w->group_ok && available(w) > 0 && !outbox_full(w) &&
	    redis_conn_ready(w->rd.c))
		t = min_timeout(t, due_ms(w->next_read_us, now));
	if (!redis_conn_ready(w->cmd.c))
		return t;
	if (!w->stopping && !w->claiming && w->group_ok && available(w) > 0 && !outbox_full(w))
		t = min_timeout(t, due_ms(w->next_claim_us, now));
	if (!w->beating && w->group_ok)
		for (struct went *e = w->head; e; e = e->next)
			if (held(e)) {
				t = min_timeout(t, due_ms(w->next_beat_us, now));
				break;
			}
	if (!w->group_ok && !w->group_sent)
		t = min_timeout(t, due_ms(w->group_retry_us, now));
	for (struct went *e = w->head; e; e = e->next)
		if (e->state == WE_XADD)
			t = min_timeout(t, due_ms(e->retry_us, now));
	return t;
}

static void on_signal(struct worker *w)
{
	struct signalfd_siginfo si;
	while (read(w->sfd, &si, sizeof(si)) == sizeof(si))
		stop(w);
}

static int worker_loop(struct worker *w)
{
	uint32_t ready = 0;
	for (;;) {
		/* Not only when epoll says so: a signal pending now comes before
		 * what the connections brought (epoll may have reported them
		 * first), so a stopping worker starts nothing more. */
		on_signal(w);
		(void) redis_conn_service(w->cmd.c, ready & (1u << TOKEN_CMD));
		(void) redis_conn_service(w->rd.c, ready & (1u << TOKEN_READ));
		ensure_group(w);
		start_queued(w);
		maybe_claim(w);
		maybe_read(w);
		maybe_beat(w);
		stop_reading(w);
		pump(w);
		if (w->forced)
			return -ECANCELED;
		if (finished(w))
			return 0;
		ready = sup_wait(w->s, loop_timeout(w));
	}
}

/* ---- set-up and tear-down ---- */

static int block_signals(struct worker *w, struct jb_err *err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	w->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->sfd < 0)
		return jb_fail(err, errno, "signalfd");
	int r = sup_watch_fd(w->s, w->sfd, TOKEN_SIGNAL, true);
	return r < 0 ? jb_fail(err, -r, "watch the signals") : 0;
}

static int worker_init(struct worker *w, struct sup *s, struct jb_err *err)
{
	struct redis_url url;
	*w = (struct worker){.s = s, .sfd = -1, .rd_client_id = -1};
	snprintf(w->cursor, sizeof(w->cursor), "0-0");
	int r = redis_url_parse(arg_w.url, &url, err);
	if (r < 0)
		return r;
	redis_url_describe(&url, w->url_desc, sizeof(w->url_desc));
	if (asprintf(&w->reply_default, "%s:verdicts", arg_w.stream) < 0) {
		w->reply_default = NULL;
		return jb_fail(err, ENOMEM, "reply stream name");
	}
	r = open_link(w, &w->cmd, &url, "commands", TOKEN_CMD, err);
	if (r >= 0)
		r = open_link(w, &w->rd, &url, "reads", TOKEN_READ, err);
	if (r >= 0) {
		/* Entries come on both (XREADGROUP, XAUTOCLAIM). */
		redis_conn_set_max_bulk(w->cmd.c, arg_w.max_entry);
		redis_conn_set_max_bulk(w->rd.c, arg_w.max_entry);
	}
	if (r >= 0)
		r = block_signals(w, err);
	if (r >= 0)
		sup_set_sink(s, worker_sink, w);
	return r;
}

static void worker_done(struct worker *w)
{
	while (w->head)
		went_remove(w, w->head);
	redis_conn_free(w->cmd.c);
	redis_conn_free(w->rd.c);
	if (w->sfd >= 0) {
		(void) sup_watch_fd(w->s, w->sfd, TOKEN_SIGNAL, false);
		close(w->sfd);
	}
	free(w->reply_default);
}

static unsigned unwritten(const struct worker *w)
{
	unsigned n = 0;
	for (const struct went *e = w->head; e; e = e->next)
		n += e->state >= WE_RUNNING && e->state <= WE_XADD_SENT;
	return n;
}

static int run_worker(struct sup *s)
{
	struct worker w;
	struct jb_err err = {0};
	int r = worker_init(&w, s, &err);
	if (r < 0) {
		fprintf(stderr, "judgebox: worker: %s\n", err.msg);
		worker_done(&w);
		return err.kind == JB_ERR_INVALID ? 2 : 1;
	}
	fprintf(stderr, "judgebox: worker '%s': stream '%s', group '%s', %s, %u slot(s)\n",
		arg_w.consumer, arg_w.stream, arg_w.group, w.url_desc, arg_w.op.parallel);
	r = worker_loop(&w);
	if (r < 0)
		fprintf(stderr,
			"judgebox: worker: forced to stop: %u verdict(s) not written; their "
			"entries stay pending and will be claimed by another worker\n",
			unwritten(&w));
	sup_stop_all(s, true);
	while (sup_running(s) > 0)
		(void) sup_wait(s, -1); /* forced: reap what still runs */
	worker_done(&w);
	return r < 0 ? 1 : 0;
}

/* The worker's own; exec's operator flags follow (redis_flags_parse_op). */
static const struct redis_flag worker_flags[] = {
	{"--redis", 1, redis_flag_string, &arg_w.url, "URL  the server (redis://127.0.0.1:6379)"},
	{"--jobs", 1, redis_flag_string, &arg_w.stream, "STREAM  the jobs stream (required)"},
	{"--group", 1, redis_flag_string, &arg_w.group, "GROUP  the consumer group (judgebox)"},
	{"--consumer", 1, redis_flag_string, &arg_w.consumer, "NAME  this worker (HOST-PID)"},
	{"--claim-after", 1, redis_flag_positive, &arg_w.claim_after_ms,
	 "MS  take over entries idle this long (30000)"},
	{"--max-attempts", 1, redis_flag_positive, &arg_w.max_attempts,
	 "N  give up on an entry delivered N times without a verdict (3)"},
	{"--max-entry", 1, redis_flag_size, &arg_w.max_entry,
	 "SIZE  refuse, unread, an entry over SIZE: INVALID_JOB (64M)"},
};

static int parse_worker_flags(int argc, char **argv, int i, char *host_pid, size_t n)
{
	arg_w.url = "redis://127.0.0.1:6379";
	arg_w.group = "judgebox";
	arg_w.claim_after_ms = 30000;
	arg_w.max_attempts = 3;
	arg_w.max_entry = 64ULL << 20;
	opflags_init(&arg_w.op);
	int r = redis_flags_parse_op("worker", argc, argv, i, worker_flags,
				     ARRAY_SIZE(worker_flags), &arg_w.op);
	if (r != 0)
		return r;
	/* exec takes 0 as 1; the worker always refused it, and still does. */
	if (arg_w.op.parallel == 0) {
		fprintf(stderr, "judgebox: worker: --parallel: bad value '0'\n"
				"(see judgebox worker --help)\n");
		return -EINVAL;
	}
	if (!arg_w.stream) {
		fprintf(stderr, "judgebox: worker: --jobs STREAM is required\n");
		return -EINVAL;
	}
	if (!arg_w.consumer) {
		char host[200] = "host";
		(void) gethostname(host, sizeof(host) - 1); /* "host" will do */
		snprintf(host_pid, n, "%s-%d", host, (int) getpid());
		arg_w.consumer = host_pid;
	}
	return 0;
}

/* The supervisor the operator flags describe, as exec makes it. Returns the
 * exit status on failure: 2 when the flags asked for the impossible (CPU
 * groups that overlap, too few for --parallel, a backend that is no
 * backend), as exec does; 1 when the host failed us. */
static int open_sup(struct cg_root **ret_cg, struct sup **ret)
{
	struct cg_options o = opflags_cg_options(&arg_w.op);
	struct jb_err err = {0};
	int r = cg_root_open(&o, ret_cg, &err);
	struct sup_config c = opflags_sup_config(&arg_w.op, *ret_cg);
	if (r >= 0)
		r = sup_new(&c, ret, &err);
	if (r >= 0)
		return 0;
	fprintf(stderr, "judgebox: worker: %s\n", err.msg);
	return err.kind == JB_ERR_INVALID ? 2 : 1;
}

int redis_worker_main(int argc, char **argv, int i)
{
	char host_pid[256];
	struct cg_root *cg = NULL;
	struct sup *s = NULL;
	int rc = parse_worker_flags(argc, argv, i, host_pid, sizeof(host_pid));
	if (rc != 0)
		rc = rc > 0 ? 0 : 2; /* --help, usage */
	else if ((rc = open_sup(&cg, &s)) == 0)
		rc = run_worker(s);
	sup_free(s);
	sc_cache_clear();
	cg_root_free(cg);
	opflags_free(&arg_w.op);
	return rc;
}
