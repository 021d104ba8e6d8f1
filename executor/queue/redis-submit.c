/* `judgebox submit`: delimited Jobs on stdin become entries of the jobs
 * stream (fields `job` and `reply`, the client's own reply stream); their
 * verdicts, read back with XREAD BLOCK, go to stdout delimited, in
 * completion order, each once (workers deliver at least once: duplicates
 * carry the same `entry` and are dropped), with `seq` = the Job's index on
 * stdin. A lost connection is reopened (backoff as in redis-conn.c) and the
 * reading goes on where it stopped. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "job.h"
#include "redis-conn.h"
#include "redis.h"
#include "util.h"

#define CMD_TIMEOUT_MS	10000
#define READ_BLOCK_MS	1000
#define ADD_WINDOW	256 /* XADDs in flight at once */
#define READ_COUNT	"256"
#define DEL_BATCH	256
#define CLEANUP_WAIT_US 3000000ULL
#define FRAME_CAP	(1ULL << 30)

static struct {
	const char *url, *stream, *reply;
	uint64_t timeout_ms;
} arg_s;

struct submit;

struct sjob {
	struct submit *sub;
	uint8_t *buf;
	size_t len;
	char *entry; /* its entry id, once the XADD is confirmed */
	uint64_t ms, sq;
	enum { SJ_NEW, SJ_SENT, SJ_ADDED } state;
	bool done;
};

struct submit {
	struct redis_conn *c;
	struct sjob *jobs;
	size_t n, n_added, n_done, in_flight;
	char *reply;
	bool own_reply; /* generated: DEL it at the end; else XDEL what we read */
	char **seen;	/* verdict entries we used (for XDEL) */
	size_t n_seen;
	char last_id[48];
	bool reading, fatal, complained;
	int fd, sfd;
};

/* ---- input ---- */

static int add_frame(struct submit *sub, const uint8_t *buf, size_t len)
{
	struct sjob *nj = realloc(sub->jobs, (sub->n + 1) * sizeof(*nj));
	if (!nj)
		return -ENOMEM;
	sub->jobs = nj;
	struct sjob *j = &sub->jobs[sub->n];
	*j = (struct sjob){.sub = sub, .buf = malloc(len ? len : 1), .len = len};
	if (!j->buf)
		return -ENOMEM;
	memcpy(j->buf, buf, len);
	sub->n++;
	return 0;
}

static void drop_jobs(struct submit *sub)
{
	for (size_t i = 0; i < sub->n; i++)
		free(sub->jobs[i].buf);
	sub->n = 0;
}

/* Well-formed Job wire data; the worker judges the rest (INVALID_JOB). The
 * wire scan alone: unpacking could recurse without bound. */
static bool is_job(const uint8_t *buf, size_t len)
{
	return job_scan(buf, len, NULL) != -EBADMSG;
}

/* Delimited frames to the very end of the input; *ret_bad counts those
 * that do not unpack as a Job. */
static int split_frames(struct submit *sub, const uint8_t *in, size_t in_len, size_t *ret_bad,
			struct jb_err *err)
{
	struct job_frames *f = NULL;
	const uint8_t *buf;
	size_t len;
	int r = job_frames_new(FRAME_CAP, &f, err);
	if (r >= 0)
		r = job_frames_feed(f, in, in_len, err);
	while (r >= 0 && (r = job_frames_next(f, &buf, &len, err)) > 0) {
		*ret_bad += !is_job(buf, len);
		if (add_frame(sub, buf, len) < 0)
			r = jb_fail(err, ENOMEM, "keep the jobs");
	}
	if (r >= 0 && job_frames_pending(f))
		r = jb_invalid(err, "stdin: the last frame was cut short at end of input");
	job_frames_free(f);
	return r;
}

static int slurp_stdin(uint8_t **ret, size_t *ret_len, struct jb_err *err)
{
	size_t cap = 65536, len = 0;
	uint8_t *buf = malloc(cap);
	for (ssize_t n = 1; buf && n > 0;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return jb_fail(err, errno, "read the jobs from stdin");
		}
		len += (size_t) n;
		if (n == 0) {
			*ret = buf;
			*ret_len = len;
			return 0;
		}
	}
	free(buf);
	return jb_fail(err, ENOMEM, "read the jobs from stdin");
}

/* Delimited Jobs (as exec --stream reads them) or one plain Job (as
 * `judgebox job` writes it). Delimited wins when both would parse; frames
 * that are not Jobs are sent all the same (their verdict is INVALID_JOB),
 * unless the whole input is one plain Job. */
static int read_jobs(struct submit *sub, struct jb_err *err)
{
	_cleanup_free_ uint8_t *in = NULL;
	size_t len = 0, bad = 0;
	int r = slurp_stdin(&in, &len, err);
	if (r < 0 || len == 0)
		return r;
	r = split_frames(sub, in, len, &bad, err);
	if (r >= 0 && bad == 0)
		return 0;
	if (!is_job(in, len))
		return r < 0 ? r : 0;
	drop_jobs(sub);
	return add_frame(sub, in, len) < 0 ? jb_fail(err, ENOMEM, "keep the job") : 0;
}

/* ---- adding the jobs ---- */

static void on_xadd(void *opaque, redisReply *r)
{
	struct sjob *j = opaque;
	struct submit *sub = j->sub;
	sub->in_flight--;
	if (!r) {
		j->state = SJ_NEW; /* again once reconnected; a duplicate is dropped */
		return;
	}
	if (r->type != REDIS_REPLY_STRING || redis_id_parse(r->str, &j->ms, &j->sq) < 0 ||
	    !(j->entry = strdup(r->str))) {
		fprintf(stderr, "judgebox: submit: XADD to '%s': %s\n", arg_s.stream,
			r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		sub->fatal = true;
		return;
	}
	j->state = SJ_ADDED;
	sub->n_added++;
}

static void send_jobs(struct submit *sub)
{
	for (size_t i = 0; i < sub->n && sub->in_flight < ADD_WINDOW; i++) {
		struct sjob *j = &sub->jobs[i];
		if (j->state != SJ_NEW)
			continue;
		/* In index order, so that entry ids grow with the index. */
		const char *argv[] = {"XADD",  arg_s.stream, "*", "job", (const char *) j->buf,
				      "reply", sub->reply};
		size_t lens[] = {4, strlen(arg_s.stream), 1, 3, j->len, 5, strlen(sub->reply)};
		if (redis_conn_send(sub->c, ARRAY_SIZE(argv), argv, lens, CMD_TIMEOUT_MS, on_xadd,
				    j) < 0)
			return;
		j->state = SJ_SENT;
		sub->in_flight++;
	}
}

/* ---- reading the verdicts ---- */

/* Jobs are sorted by entry id: they were added in index order. */
static struct sjob *find_job(struct submit *sub, const char *entry)
{
	uint64_t ms, sq;
	if (redis_id_parse(entry, &ms, &sq) < 0)
		return NULL;
	size_t lo = 0, hi = sub->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct sjob *j = &sub->jobs[mid];
		if (j->ms == ms && j->sq == sq)
			return !strcmp(j->entry, entry) ? j : NULL;
		if (j->ms < ms || (j->ms == ms && j->sq < sq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int write_verdict(struct submit *sub, struct sjob *j, const redisReply *verdict)
{
	Judgebox__Verdict *v = NULL;
	if (job_verdict_unpack((const uint8_t *) verdict->str, verdict->len, &v, NULL) < 0)
		return -EBADMSG;
	v->seq = (uint64_t) (j - sub->jobs);
	size_t len = judgebox__verdict__get_packed_size(v);
	uint8_t *buf = malloc(len ? len : 1);
	struct jb_err err = {0};
	int r = buf ? 0 : -ENOMEM;
	if (buf) {
		judgebox__verdict__pack(v, buf);
		r = job_frame_write(1, buf, len, &err);
	}
	free(buf);
	judgebox__verdict__free_unpacked(v, NULL);
	return r;
}

static void remember(struct submit *sub, const char *id)
{
	char **ns = realloc(sub->seen, (sub->n_seen + 1) * sizeof(*ns));
	if (!ns)
		return; /* only the clean-up misses it */
	sub->seen = ns;
	if ((sub->seen[sub->n_seen] = strdup(id)))
		sub->n_seen++;
}

static void take_verdict(struct submit *sub, const redisReply *en)
{
	const redisReply *entry = redis_reply_field(en->element[1], "entry");
	const redisReply *verdict = redis_reply_field(en->element[1], "verdict");
	struct sjob *j = entry ? find_job(sub, entry->str) : NULL;
	if (!j || !verdict)
		return; /* not one of ours */
	if (!sub->own_reply)
		remember(sub, en->element[0]->str);
	if (j->done)
		return; /* a duplicate: the job ran twice */
	int r = write_verdict(sub, j, verdict);
	if (r < 0) {
		fprintf(stderr, "judgebox: submit: %s the verdict of entry '%s': %s\n",
			r == -EBADMSG ? "cannot decode" : "cannot write", j->entry, strerror(-r));
		sub->fatal = r != -EBADMSG;
		if (r != -EBADMSG)
			return;
	}
	j->done = true;
	sub->n_done++;
}

static void on_xread(void *opaque, redisReply *r)
{
	struct submit *sub = opaque;
	sub->reading = false;
	if (!r || r->type == REDIS_REPLY_NIL)
		return;
	if (r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "judgebox: submit: XREAD '%s': %s\n", sub->reply,
			r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		sub->fatal = true;
		return;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *st = r->element[i];
		if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 ||
		    st->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		for (size_t k = 0; k < st->element[1]->elements; k++) {
			const redisReply *en = st->element[1]->element[k];
			if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
			    en->element[0]->type != REDIS_REPLY_STRING)
				continue;
			snprintf(sub->last_id, sizeof(sub->last_id), "%s", en->element[0]->str);
			take_verdict(sub, en);
		}
	}
}

static void read_verdicts(struct submit *sub, uint64_t deadline_us)
{
	uint64_t now = jb_now_us();
	uint64_t left_ms = deadline_us > now ? (deadline_us - now) / 1000 : 0;
	char block[24];
	snprintf(block, sizeof(block), "%" PRIu64,
		 left_ms < READ_BLOCK_MS ? (left_ms ? left_ms : 1) : READ_BLOCK_MS);
	const char *argv[] = {"XREAD", "COUNT",	  READ_COUNT, "BLOCK",
			      block,   "STREAMS", sub->reply, sub->last_id};
	if (redis_conn_sendv(sub->c, READ_BLOCK_MS + CMD_TIMEOUT_MS, on_xread, sub,
			     ARRAY_SIZE(argv), argv) >= 0)
		sub->reading = true;
}

/* ---- the loop ---- */

static void sub_watch(void *opaque, int fd, bool on)
{
	((struct submit *) opaque)->fd = on ? fd : -1;
}

/* Say it once per outage. */
static void sub_down(void *opaque, const char *why)
{
	struct submit *sub = opaque;
	if (!sub->complained)
		fprintf(stderr, "judgebox: submit: redis: %s; retrying\n", why);
	sub->complained = true;
}

static void sub_established(void *opaque)
{
	struct submit *sub = opaque;
	if (sub->complained)
		fprintf(stderr, "judgebox: submit: redis: connected again\n");
	sub->complained = false;
}

/* Wait for the connection or a signal; returns false on a signal. */
static bool wait_events(struct submit *sub, int timeout_ms, bool *ret_readable)
{
	struct pollfd p[2] = {{.fd = sub->sfd, .events = POLLIN},
			      {.fd = sub->fd, .events = POLLIN}};
	int n = poll(p, sub->fd >= 0 ? 2 : 1, timeout_ms);
	*ret_readable = n > 0 && sub->fd >= 0 && (p[1].revents & (POLLIN | POLLERR | POLLHUP));
	return !(n > 0 && (p[0].revents & POLLIN));
}

static int loop_timeout(int t, uint64_t deadline_us)
{
	uint64_t now = jb_now_us();
	int d = deadline_us == UINT64_MAX ? -1
		: deadline_us <= now	  ? 0
					  : (int) ((deadline_us - now + 999) / 1000);
	if (d > 60000)
		d = 60000;
	return t < 0 ? d : d < 0 ? t : t < d ? t : d;
}

/* Returns 0 (all verdicts), -ETIMEDOUT, -EINTR (a signal) or -EIO (fatal). */
static int submit_loop(struct submit *sub, uint64_t deadline_us)
{
	bool readable = false;
	for (;;) {
		(void) redis_conn_service(sub->c, readable);
		if (sub->fatal)
			return -EIO;
		if (sub->n_done == sub->n)
			return 0;
		if (jb_now_us() >= deadline_us)
			return -ETIMEDOUT;
		if (redis_conn_ready(sub->c)) {
			send_jobs(sub);
			/* XREAD blocks the connection: only once every XADD came back. */
			if (sub->n_added == sub->n && !sub->reading)
				read_verdicts(sub, deadline_us);
		}
		int t = loop_timeout(redis_conn_service(sub->c, false), deadline_us);
		if (!wait_events(sub, t, &readable))
			return -EINTR;
	}
}

/* ---- clean-up: our entries and our reply stream ---- */

static void on_cleanup(void *opaque, redisReply *r)
{
}

static void del_ids(struct submit *sub, const char *key, char **ids, size_t n)
{
	const char *argv[2 + DEL_BATCH];
	argv[0] = "XDEL";
	argv[1] = key;
	for (size_t i = 0; i < n; i += DEL_BATCH) {
		int argc = 2;
		for (size_t k = i; k < n && k < i + DEL_BATCH; k++)
			argv[argc++] = ids[k];
		(void) redis_conn_sendv(sub->c, CMD_TIMEOUT_MS, on_cleanup, sub, argc, argv);
	}
}

/* Best effort: a server that is down now keeps them. */
static void cleanup(struct submit *sub)
{
	if (!redis_conn_ready(sub->c))
		return;
	char **ids = calloc(sub->n ? sub->n : 1, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; ids && i < sub->n; i++)
		if (sub->jobs[i].entry)
			ids[n++] = sub->jobs[i].entry;
	del_ids(sub, arg_s.stream, ids, n);
	free(ids);
	if (sub->own_reply)
		(void) redis_conn_sendv(sub->c, CMD_TIMEOUT_MS, on_cleanup, sub, 2,
					(const char *[]){"DEL", sub->reply});
	else
		del_ids(sub, sub->reply, sub->seen, sub->n_seen);
	uint64_t until = jb_now_us() + CLEANUP_WAIT_US;
	bool readable = false;
	for (;;) {
		/* A blocked XREAD may be first in line: at most READ_BLOCK_MS. */
		int t = loop_timeout(redis_conn_service(sub->c, readable), until);
		if (!redis_conn_ready(sub->c) || !redis_conn_pending(sub->c) ||
		    jb_now_us() >= until)
			break;
		if (!wait_events(sub, t, &readable))
			break;
	}
}

/* ---- set-up ---- */

static int make_reply_name(struct submit *sub)
{
	if (arg_s.reply) {
		sub->reply = strdup(arg_s.reply);
		return sub->reply ? 0 : -ENOMEM;
	}
	uint64_t rnd = 0;
	char host[128] = "host";
	(void) gethostname(host, sizeof(host) - 1);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = jb_now_us() ^ ((uint64_t) getpid() << 32);
	sub->own_reply = true;
	if (asprintf(&sub->reply, "%s:reply:%s:%d:%016" PRIx64, arg_s.stream, host, (int) getpid(),
		     rnd) < 0) {
		sub->reply = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int submit_init(struct submit *sub, struct jb_err *err)
{
	struct redis_url url;
	int r = redis_url_parse(arg_s.url, &url, err);
	if (r < 0)
		return r;
	if (make_reply_name(sub) < 0)
		return jb_fail(err, ENOMEM, "reply stream name");
	struct redis_conn_hooks h = {sub_watch, NULL, sub_established, sub_down, sub};
	r = redis_conn_new(&url, &h, &sub->c, err);
	if (r < 0)
		return r;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sub->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sub->sfd < 0)
		return jb_fail(err, errno, "signalfd");
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, reported */
	return 0;
}

static void submit_done(struct submit *sub)
{
	redis_conn_free(sub->c);
	for (size_t i = 0; i < sub->n; i++) {
		free(sub->jobs[i].buf);
		free(sub->jobs[i].entry);
	}
	free(sub->jobs);
	for (size_t i = 0; i < sub->n_seen; i++)
		free(sub->seen[i]);
	free(sub->seen);
	free(sub->reply);
	if (sub->sfd >= 0)
		close(sub->sfd);
}

static int run_submit(struct submit *sub)
{
	struct jb_err err = {0};
	int r = read_jobs(sub, &err);
	if (r >= 0 && sub->n == 0)
		return 0;
	if (r >= 0)
		r = submit_init(sub, &err);
	if (r < 0) {
		fprintf(stderr, "judgebox: submit: %s\n", err.msg);
		return 1;
	}
	uint64_t deadline = arg_s.timeout_ms ? jb_now_us() + arg_s.timeout_ms * 1000 : UINT64_MAX;
	r = submit_loop(sub, deadline);
	if (r == -ETIMEDOUT || r == -EINTR)
		fprintf(stderr, "judgebox: submit: %s with %zu of %zu verdicts\n",
			r == -EINTR ? "interrupted" : "timed out", sub->n_done, sub->n);
	cleanup(sub);
	return r < 0 ? 1 : 0;
}

static const struct redis_flag submit_flags[] = {
	{"--redis", 1, redis_flag_string, &arg_s.url, "URL  the server (redis://127.0.0.1:6379)"},
	{"--jobs", 1, redis_flag_string, &arg_s.stream, "STREAM  the jobs stream (required)"},
	{"--reply", 1, redis_flag_string, &arg_s.reply,
	 "NAME  reply stream (default: a new STREAM:reply:HOST:PID:RANDOM, deleted at the end)"},
	{"--timeout", 1, redis_flag_seconds, &arg_s.timeout_ms,
	 "S  give up waiting after S seconds (exit 1; default: wait)"},
};

int redis_submit_main(int argc, char **argv, int i)
{
	arg_s.url = "redis://127.0.0.1:6379";
	int r = redis_flags_parse("submit", argc, argv, i, submit_flags, ARRAY_SIZE(submit_flags));
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!arg_s.stream) {
		fprintf(stderr, "judgebox: submit: --jobs STREAM is required\n");
		return 2;
	}
	struct submit sub = {.fd = -1, .sfd = -1};
	snprintf(sub.last_id, sizeof(sub.last_id), "0-0");
	int rc = run_submit(&sub);
	submit_done(&sub);
	return rc;
}
