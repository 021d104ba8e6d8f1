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
	/* The verdict that ends a lost stream: sent after every earlier one. */
	Judgebox__Verdict *last;
	uint8_t *q; /* framed verdicts not yet written */
	size_t q_len, q_off, q_cap;
};

/* Write what the reader takes now; never block the event loop (a slow
 * reader must not delay any job's limits). */
static void flush(struct stream *st)
{
	while (!st->out_closed && st->q_off < st->q_len) {
		ssize_t n = write(st->out_fd, st->q + st->q_off, st->q_len - st->q_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				st->out_closed = true; /* EPIPE: the reader is gone */
			break;
		}
		st->q_off += (size_t) n;
	}
	if (st->q_off == st->q_len || st->out_closed)
		st->q_off = st->q_len = 0;
	bool want = st->q_len > 0;
	if (want != st->out_watched &&
	    sup_watch_fd_events(st->s, st->out_fd, TOKEN_OUTPUT, want ? EPOLLOUT : 0) == 0)
		st->out_watched = want;
}

static void enqueue(struct stream *st, const uint8_t *buf, size_t len)
{
	uint8_t hdr[10];
	size_t h = job_varint(len, hdr);
	if (st->q_len + h + len > st->q_cap) {
		size_t cap = (st->q_len + h + len) * 2;
		uint8_t *q = realloc(st->q, cap);
		if (!q)
			abort(); /* cannot keep a verdict: nothing sane is left */
		st->q = q;
		st->q_cap = cap;
	}
	memcpy(st->q + st->q_len, hdr, h);
	memcpy(st->q + st->q_len + h, buf, len);
	st->q_len += h + len;
}

static void stream_sink(void *opaque, Judgebox__Verdict *v)
{
	struct stream *st = opaque;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct jb_err err = {0};
	if (!st->out_closed && job_verdict_pack(v, &buf, &len, &err) >= 0) {
		enqueue(st, buf, len);
		flush(st);
	}
	free(buf);
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
		uint64_t seq = st->seq++;
		if (r < 0) {
			st->lost = true;
			st->last = sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", seq,
						     err.msg, NULL);
			return;
		}
		struct job *job = NULL;
		if (job_decode(buf, len, sup_job_config(st->s), &job, &err) < 0)
			sup_deliver(st->s, sup_verdict_invalid(buf, len, seq, &err));
		else
			(void) sup_start(st->s, job, seq); /* a slot is free */
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

/* At EOF, bytes that do not make a whole frame are a cut frame. */
static void at_eof(struct stream *st)
{
	if (!st->eof || st->lost || job_frames_pending(st->frames) == 0)
		return;
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

int stream_run(struct sup *s, int in_fd, int out_fd, struct jb_err *err)
{
	struct stream st = {.s = s, .in_fd = in_fd, .out_fd = out_fd, .sfd = -1};
	int r = job_frames_new(FRAME_CAP, &st.frames, err);
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
	free(st.q);
	job_frames_free(st.frames);
	return r;
}
