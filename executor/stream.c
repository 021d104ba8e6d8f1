#include "stream.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "job.h"
#include "util.h"

#define READ_CHUNK 65536
#define FRAME_CAP  (1ULL << 30)
enum { TOKEN_INPUT = 0, TOKEN_SIGNAL = 1 };

struct stream {
	struct sup *s;
	int in_fd, out_fd, sfd;
	struct job_frames *frames;
	uint64_t seq;
	bool eof, lost, stopping, watching, out_closed;
	bool no_epoll; /* a regular file or /dev/null: always readable */
};

static void stream_sink(void *opaque, Judgebox__Verdict *v)
{
	struct stream *st = opaque;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct jb_err err = {0};
	if (!st->out_closed && job_verdict_pack(v, &buf, &len, &err) >= 0 &&
	    job_frame_write(st->out_fd, buf, len, &err) < 0)
		st->out_closed = true; /* EPIPE: the reader is gone */
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
	if (job_frames_feed(st->frames, buf, (size_t) n, &err) < 0)
		st->lost = true;
}

/* Start every complete frame a free slot can take. */
static void start_jobs(struct stream *st)
{
	while (!st->stopping && !st->lost && sup_free_slots(st->s) > 0) {
		const uint8_t *buf;
		size_t len;
		struct jb_err err = {0};
		int r = job_frames_next(st->frames, &buf, &len, &err);
		if (r == 0)
			return;
		uint64_t seq = st->seq++;
		if (r < 0) {
			st->lost = true;
			sup_deliver(st->s, sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", seq,
							     err.msg, NULL));
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
	bool want = !st->eof && !st->lost && !st->stopping && sup_free_slots(st->s) > 0;
	if (want == st->watching || st->no_epoll)
		return;
	int r = sup_watch_fd(st->s, st->in_fd, TOKEN_INPUT, want);
	if (r < 0) {
		st->no_epoll = r == -EPERM; /* epoll refuses files that never block */
		return;
	}
	st->watching = want;
}

static void at_eof(struct stream *st)
{
	if (!st->eof || st->lost || job_frames_pending(st->frames) == 0)
		return;
	const uint8_t *buf;
	size_t len;
	struct jb_err err = {0};
	if (job_frames_next(st->frames, &buf, &len, &err) != 0)
		return; /* a whole frame is still waiting for a slot */
	st->lost = true;
	sup_deliver(st->s, sup_verdict_error(JUDGEBOX__STATUS__INVALID_JOB, "", st->seq++,
					     "stream: the last frame was cut short at end of input",
					     NULL));
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

static bool finished(const struct stream *st)
{
	bool input_done = st->eof || st->lost || st->stopping;
	bool frames_left = !st->lost && !st->stopping && job_frames_pending(st->frames) > 0;
	return input_done && !frames_left && sup_running(st->s) == 0;
}

static void step(struct stream *st)
{
	throttle(st);
	if (st->no_epoll && !st->eof && !st->lost && !st->stopping && sup_free_slots(st->s) > 0) {
		read_input(st); /* a file: cannot block for long */
		return;
	}
	uint32_t ready = sup_wait(st->s, -1);
	if (ready & (1u << TOKEN_SIGNAL)) {
		struct signalfd_siginfo si;
		(void) !read(st->sfd, &si, sizeof(si));
		stop(st, true);
	}
	if (ready & (1u << TOKEN_INPUT))
		read_input(st);
}

int stream_run(struct sup *s, int in_fd, int out_fd, struct jb_err *err)
{
	struct stream st = {.s = s, .in_fd = in_fd, .out_fd = out_fd, .sfd = -1};
	int r = job_frames_new(FRAME_CAP, &st.frames, err);
	if (r >= 0)
		r = block_signals(&st, err);
	if (r >= 0) {
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
		(void) sup_watch_fd(s, st.sfd, TOKEN_SIGNAL, false);
	}
	if (st.sfd >= 0)
		close(st.sfd);
	job_frames_free(st.frames);
	return r;
}
