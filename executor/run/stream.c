#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"
#include "jobjson.h"
#include "util.h"

#define READ_CHUNK 65536
#define FRAME_CAP  (1ULL << 30)
/* Verdicts waiting for a slow reader: past this, no new job starts (the
 * running ones still end on time and queue theirs). */
#define QUEUE_SOFT_MAX (64ULL << 20)
enum { TOKEN_INPUT = 0, TOKEN_SIGNAL = 1, TOKEN_OUTPUT = 2 };

struct stream {
	struct sup *s;
	int in_fd, out_fd, sfd;
	int out_flags; /* out_fd's flags before we made it non-blocking, or -1 */
	struct job_frames *frames;
	uint64_t seq;
	bool eof, lost, stopping, watching, out_closed, out_watched;
	bool no_epoll; /* a regular file or /dev/null: always readable */
	bool json;     /* JSON lines in and out (exec --stream --json) */
	bool eof_fed;  /* json: the '\n' that ends a last line was added */
	/* The verdict that ends a lost stream: sent after every earlier one. */
	Judgebox__Verdict *last;
	/* Framed verdicts not yet written, in pieces (q[q_head] is written
	 * from q_off); q_len counts their bytes. */
	struct piece *q;
	size_t q_head, q_n, q_cap, q_off;
	uint64_t q_len;
};

/* A piece of a framed verdict: owned bytes (a job's stdout or stderr as the
 * supervisor kept them, or the packed rest), or a few inline ones. */
struct piece {
	uint8_t *data; /* NULL: the bytes are in small */
	size_t len;
	uint8_t small[12];
};

static const uint8_t *piece_bytes(const struct piece *p)
{
	return p->data ? p->data : p->small;
}

static void drop_pieces(struct stream *st)
{
	for (size_t i = st->q_head; i < st->q_n; i++)
		free(st->q[i].data);
	st->q_head = st->q_n = st->q_off = 0;
	st->q_len = 0;
}

/* Write what the reader takes now; never block the event loop (a slow
 * reader must not delay any job's limits). */
static void flush(struct stream *st)
{
	while (!st->out_closed && st->q_head < st->q_n) {
		struct piece *p = &st->q[st->q_head];
		ssize_t n = write(st->out_fd, piece_bytes(p) + st->q_off, p->len - st->q_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				st->out_closed = true; /* EPIPE: the reader is gone */
			break;
		}
		st->q_off += (size_t) n;
		st->q_len -= (uint64_t) n;
		if (st->q_off == p->len) {
			free(p->data);
			st->q_head++;
			st->q_off = 0;
		}
	}
	if (st->q_head == st->q_n || st->out_closed)
		drop_pieces(st);
	bool want = st->q_len > 0;
	if (want != st->out_watched &&
	    sup_watch_fd_events(st->s, st->out_fd, TOKEN_OUTPUT, want ? EPOLLOUT : 0) == 0)
		st->out_watched = want;
}

/* Room for n more pieces; false when there is no memory for it. */
static bool reserve(struct stream *st, size_t n)
{
	if (st->q_n + n <= st->q_cap)
		return true;
	if (st->q_head > 0) { /* the pending ones to the front first */
		memmove(st->q, st->q + st->q_head, (st->q_n - st->q_head) * sizeof(*st->q));
		st->q_n -= st->q_head;
		st->q_head = 0;
		if (st->q_n + n <= st->q_cap)
			return true;
	}
	size_t cap = (st->q_n + n) * 2;
	struct piece *q = realloc(st->q, cap * sizeof(*q));
	if (!q)
		return false;
	st->q = q;
	st->q_cap = cap;
	return true;
}

/* Queue owned bytes (freed once written) or a few copied ones (data NULL). */
static void push(struct stream *st, uint8_t *data, const uint8_t *small, size_t len)
{
	struct piece *p = &st->q[st->q_n++];
	*p = (struct piece){.data = data, .len = len};
	if (!data)
		memcpy(p->small, small, len < sizeof(p->small) ? len : sizeof(p->small));
	st->q_len += len;
}

/* The key and length of a bytes field, before its bytes. */
static size_t bytes_key(unsigned field, size_t len, uint8_t out[12])
{
	out[0] = (uint8_t) (field << 3 | 2); /* fields 8 and 9: a one-byte key */
	return 1 + job_varint(len, out + 1);
}

/* Queue v framed. The job's stdout and stderr go out as the supervisor
 * holds them, after the rest packed (protobuf takes fields in any order):
 * a 64 MiB output is not copied again (packing and queueing copied it
 * twice, 1.9 s of page faults on this machine, while no job's limits were
 * checked). Fails without memory; v keeps what it owns then. */
static int enqueue(struct stream *st, Judgebox__Verdict *v, struct jb_err *err)
{
	ProtobufCBinaryData out[2] = {v->stdout, v->stderr};
	uint8_t *buf = NULL, keys[2][12], hdr[12];
	size_t len = 0, klen[2] = {0, 0};
	v->stdout = v->stderr = (ProtobufCBinaryData){0};
	int r = job_verdict_pack(v, &buf, &len, err);
	v->stdout = out[0];
	v->stderr = out[1];
	if (r < 0)
		return r;
	if (!reserve(st, 6)) {
		free(buf);
		return jb_fail(err, ENOMEM, "queue a verdict");
	}
	uint64_t total = len;
	for (int i = 0; i < 2; i++)
		if (out[i].len) {
			klen[i] = bytes_key(8 + (unsigned) i, out[i].len, keys[i]);
			total += klen[i] + out[i].len;
		}
	push(st, NULL, hdr, job_varint(total, hdr));
	push(st, buf, hdr, len);
	for (int i = 0; i < 2; i++)
		if (out[i].len) {
			push(st, NULL, keys[i], klen[i]);
			push(st, out[i].data, hdr, out[i].len); /* the queue owns it now */
		}
	if (out[0].len)
		v->stdout = (ProtobufCBinaryData){0};
	if (out[1].len)
		v->stderr = (ProtobufCBinaryData){0};
	return 0;
}

/* json: queue v as one JSON line (owned by the queue once pushed). */
static int enqueue_json(struct stream *st, const Judgebox__Verdict *v, struct jb_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return jb_fail(err, errno, "queue a verdict as JSON");
	int r = job_verdict_json(v, f);
	if (fclose(f) != 0 || r < 0 || !reserve(st, 1)) {
		free(buf);
		return jb_fail(err, ENOMEM, "queue a verdict as JSON");
	}
	push(st, (uint8_t *) buf, (const uint8_t *) buf, len);
	return 0;
}

/* Append a string field (key < 16) to a hand-made message. */
static size_t put_str(uint8_t *p, size_t at, size_t cap, unsigned field, const char *str)
{
	size_t n = strnlen(str ? str : "", 200);
	if (at + 12 + n > cap)
		return at;
	p[at++] = (uint8_t) (field << 3 | 2);
	at += job_varint(n, p + at);
	memcpy(p + at, str, n);
	return at + n;
}

/* No memory to queue v: its id, seq and INTERNAL_ERROR saying so, encoded
 * here without allocating, after everything queued, written blocking. The
 * stream goes on; only this job lost its figures. */
/* The same as a JSON line: every byte of id and message outside printable
 * ASCII (and '"', '\\') as \u00XX, so no UTF-8 check is needed. */
static size_t json_emergency(uint8_t *p, size_t cap, const Judgebox__Verdict *v,
			     const struct jb_err *err)
{
	const char *parts[2] = {v->id ? v->id : "", err->msg};
	size_t n = 0;
	for (int k = 0; k < 2; k++) {
		n += (size_t) snprintf((char *) p + n, cap - n,
				       k ? "\",\"message\":\"" : "{\"id\":\"");
		for (const char *c = parts[k]; *c && n + 16 < cap - 64; c++) {
			unsigned char b = (unsigned char) *c;
			bool plain = b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
			n += (size_t) snprintf((char *) p + n, cap - n, plain ? "%c" : "\\u%04x",
					       b);
		}
	}
	n += (size_t) snprintf((char *) p + n, cap - n,
			       "\",\"status\":\"INTERNAL_ERROR\",\"seq\":%llu}\n",
			       (unsigned long long) v->seq);
	return n < cap ? n : cap;
}

static void emergency(struct stream *st, const Judgebox__Verdict *v, const struct jb_err *err)
{
	uint8_t msg[1024], hdr[10];
	size_t n = 0, h = 0;
	if (st->json) {
		n = json_emergency(msg, sizeof(msg), v, err);
	} else {
		n = put_str(msg, 0, sizeof(msg), 1, v->id);
		msg[n++] = 2 << 3; /* status, varint */
		msg[n++] = JUDGEBOX__STATUS__INTERNAL_ERROR;
		msg[n++] = 15 << 3; /* seq, varint */
		n += job_varint(v->seq, msg + n);
		n = put_str(msg, n, sizeof(msg), 13, err->msg);
		h = job_varint(n, hdr);
	}
	int flags = fcntl(st->out_fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK))
		(void) fcntl(st->out_fd, F_SETFL, flags & ~O_NONBLOCK);
	for (size_t i = st->q_head; i < st->q_n && !st->out_closed; i++)
		if (jb_write_all(st->out_fd,
				 piece_bytes(&st->q[i]) + (i == st->q_head ? st->q_off : 0),
				 st->q[i].len - (i == st->q_head ? st->q_off : 0)) < 0)
			st->out_closed = true;
	drop_pieces(st);
	if (!st->out_closed &&
	    (jb_write_all(st->out_fd, hdr, h) < 0 || jb_write_all(st->out_fd, msg, n) < 0))
		st->out_closed = true;
	if (flags >= 0 && (flags & O_NONBLOCK))
		(void) fcntl(st->out_fd, F_SETFL, flags);
}

static void stream_sink(void *opaque, Judgebox__Verdict *v)
{
	struct stream *st = opaque;
	struct jb_err err = {0};
	if (!st->out_closed && (st->json ? enqueue_json(st, v, &err) : enqueue(st, v, &err)) < 0)
		emergency(st, v, &err);
	if (!st->out_closed)
		flush(st);
	sup_verdict_free(v);
}

static void read_input(struct stream *st)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n = read(st->in_fd, buf, sizeof(buf));
	struct jb_err err = {0};
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		st->eof = true;
		return;
	}
	if (job_frames_feed(st->frames, buf, (size_t) n, &err) < 0) {
		st->lost = true;
		st->last = sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", st->seq++, err.msg,
					     NULL);
	}
}

/* Start one frame's job, or deliver why it cannot run. A JSON line becomes
 * the packed Job first: one decoder and one validation for both. */
static void start_one(struct stream *st, const uint8_t *buf, size_t len, uint64_t seq)
{
	_cleanup_free_ uint8_t *pb = NULL;
	size_t pb_len = 0;
	struct jb_err err = {0};
	if (st->json) {
		char id[256];
		if (jobjson_to_pb((const char *) buf, len, &pb, &pb_len, id, sizeof(id), &err) <
		    0) {
			sup_deliver(st->s, sup_verdict_refused(id, seq, &err));
			return;
		}
		buf = pb;
		len = pb_len;
	}
	struct job *job = NULL;
	if (job_decode(buf, len, sup_job_config(st->s), &job, &err) < 0)
		sup_deliver(st->s, sup_verdict_invalid(buf, len, seq, &err));
	else
		(void) sup_start(st->s, job, seq); /* a slot is free */
}

/* Start every complete frame a free slot can take. */
static void start_jobs(struct stream *st)
{
	while (!st->stopping && !st->lost && sup_free_slots(st->s) > 0 &&
	       st->q_len < QUEUE_SOFT_MAX) {
		const uint8_t *buf;
		size_t len;
		struct jb_err err = {0};
		int r = job_frames_next(st->frames, &buf, &len, &err);
		if (r == 0)
			return;
		if (r > 0 && st->json && len == 0)
			continue; /* a blank line is no job */
		uint64_t seq = st->seq++;
		if (r < 0) {
			st->lost = true;
			st->last = sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", seq,
						     err.msg, NULL);
			return;
		}
		start_one(st, buf, len, seq);
	}
}

/* Read input only while a slot is free: memory stays bounded by the slots. */
static void throttle(struct stream *st)
{
	bool want = !st->eof && !st->lost && !st->stopping && sup_free_slots(st->s) > 0 &&
		    st->q_len < QUEUE_SOFT_MAX;
	if (want == st->watching || st->no_epoll)
		return;
	int r = sup_watch_fd(st->s, st->in_fd, TOKEN_INPUT, want);
	if (r < 0) {
		st->no_epoll = r == -EPERM; /* epoll refuses files that never block */
		return;
	}
	st->watching = want;
}

/* At EOF, bytes that do not make a whole frame are a cut frame; with JSON
 * lines, a last line without its '\n' is a line. */
static void at_eof(struct stream *st)
{
	if (!st->eof || st->lost || job_frames_pending(st->frames) == 0)
		return;
	if (st->json) {
		struct jb_err ferr = {0};
		if (!st->eof_fed &&
		    job_frames_feed(st->frames, (const uint8_t *) "\n", 1, &ferr) < 0) {
			st->lost = true;
			st->last = sup_verdict_error(JUDGEBOX__STATUS__INTERNAL_ERROR, "",
						     st->seq++, ferr.msg, NULL);
		}
		st->eof_fed = true;
		start_jobs(st); /* now, before the loop sleeps: nothing else may wake it */
		return;
	}
	const uint8_t *buf;
	size_t len;
	struct jb_err err = {0};
	if (job_frames_next(st->frames, &buf, &len, &err) != 0)
		return; /* never taken here: start_jobs has taken every whole frame */
	st->lost = true;
	st->last = sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", st->seq++,
				     "stream: the last frame was cut short at end of input", NULL);
}

static int block_signals(struct stream *st, struct jb_err *err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	st->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (st->sfd < 0)
		return jb_fail(err, errno, "signalfd");
	return sup_watch_fd(st->s, st->sfd, TOKEN_SIGNAL, true);
}

static void stop(struct stream *st, bool stopping)
{
	st->stopping = true;
	sup_stop_all(st->s, stopping);
}

static bool finished(struct stream *st)
{
	bool input_done = st->eof || st->lost || st->stopping;
	bool frames_left = !st->lost && !st->stopping && job_frames_pending(st->frames) > 0;
	if (!input_done || frames_left || sup_running(st->s) > 0)
		return false;
	if (st->last) /* after every earlier verdict, as the contract asks */
		sup_deliver(st->s, TAKE_PTR(st->last));
	return st->q_len == 0 || st->out_closed;
}

static void step(struct stream *st)
{
	throttle(st);
	bool can_read = !st->eof && !st->lost && !st->stopping && sup_free_slots(st->s) > 0 &&
			st->q_len < QUEUE_SOFT_MAX;
	if (st->no_epoll && can_read) {
		read_input(st); /* a file: cannot block for long */
		return;
	}
	uint32_t ready = sup_wait(st->s, -1);
	if (ready & (1u << TOKEN_SIGNAL)) {
		struct signalfd_siginfo si;
		(void) !read(st->sfd, &si, sizeof(si));
		stop(st, true);
	}
	if (ready & (1u << TOKEN_OUTPUT))
		flush(st);
	if (ready & (1u << TOKEN_INPUT))
		read_input(st);
}

/* A pipe or socket reader may be slow: write to it without blocking. */
static void out_nonblocking(struct stream *st)
{
	struct stat sb;
	st->out_flags = -1;
	if (fstat(st->out_fd, &sb) < 0 || !(S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
		return;
	st->out_flags = fcntl(st->out_fd, F_GETFL);
	if (st->out_flags >= 0)
		(void) fcntl(st->out_fd, F_SETFL, st->out_flags | O_NONBLOCK);
}

int stream_run(struct sup *s, int in_fd, int out_fd, bool json, struct jb_err *err)
{
	struct stream st = {.s = s, .in_fd = in_fd, .out_fd = out_fd, .sfd = -1, .json = json};
	int r = json ? job_frames_new_lines(FRAME_CAP, &st.frames, err)
		     : job_frames_new(FRAME_CAP, &st.frames, err);
	if (r >= 0)
		r = block_signals(&st, err);
	if (r >= 0) {
		out_nonblocking(&st);
		sup_set_sink(s, stream_sink, &st);
		for (;;) {
			start_jobs(&st);
			at_eof(&st);
			if (st.out_closed && !st.stopping)
				stop(&st, false);
			if (finished(&st))
				break;
			step(&st);
		}
		if (st.watching)
			(void) sup_watch_fd(s, in_fd, TOKEN_INPUT, false);
		if (st.out_watched)
			(void) sup_watch_fd_events(s, out_fd, TOKEN_OUTPUT, 0);
		(void) sup_watch_fd(s, st.sfd, TOKEN_SIGNAL, false);
		if (st.out_flags >= 0)
			(void) fcntl(out_fd, F_SETFL, st.out_flags);
	}
	if (st.sfd >= 0)
		close(st.sfd);
	sup_verdict_free(st.last);
	drop_pieces(&st);
	free(st.q);
	job_frames_free(st.frames);
	return r;
}
