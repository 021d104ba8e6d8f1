#!/usr/bin/env python3
"""One job's failure is that job's verdict (issue 13, item 10): a stream
worker that runs out of memory keeping one job's output (output_bytes 1G,
the worker under RLIMIT_AS 256 MiB, `yes` flooding) gives that job
INTERNAL_ERROR saying so, and the stream goes on: every other job OK, exit
0. Before, the supervisor called abort() and every verdict was lost."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import resource
import subprocess

import jb
import jbstream

AS_LIMIT = 256 << 20
ECHO = ["/bin/echo", "hi"]


def job(argv, flags, id):
    return jbstream.with_id(jbstream.job_bytes(jb.JB_BIN, flags, argv), id)


def frames_of(data):
    return [jb.decode_verdict(body) for body in jbstream.split_frames(data)]


def sanitized():
    """Whether judgebox was built with ASan."""
    with open(jb.JB_BIN, "rb") as f:
        return b"__asan_init" in f.read()


def limit_as():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def flood_out_of_memory():
    ids = ["a", "flood", "b", "c", "d"]
    data = b"".join(jbstream.frame(job(["/usr/bin/yes"], ["--output-limit", "1G", "--wall-time", "120"],
                              i) if i == "flood" else job(ECHO, [], i)) for i in ids)
    # ASan reserves terabytes of shadow address space and cannot start
    # under RLIMIT_AS: there its allocator refuses the big allocations
    # instead (returning NULL, as malloc does at the limit).
    env, pre = None, limit_as
    if sanitized():
        opts = os.environ.get("ASAN_OPTIONS", "")
        env = dict(os.environ, ASAN_OPTIONS=(opts + ":" if opts else "") +
                   "allocator_may_return_null=1:max_allocation_size_mb=%d" % (AS_LIMIT >> 20))
        pre = None
    p = subprocess.Popen([jb.JB_BIN, "exec", "--stream", "--parallel", "2"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=pre, env=env)
    try:
        out, err = p.communicate(data, timeout=300)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    jb.eq("worker out of memory: exit 0 (no abort)", p.returncode, 0)
    vs = {v.get("id"): v for v in frames_of(out)}
    jb.eq("a verdict for every job", sorted(vs), sorted(ids))
    f = vs.get("flood", {})
    jb.diag("flood: %s" % jb.verdict_summary(f))
    jb.field("the flooding job: INTERNAL_ERROR", f, "status", "INTERNAL_ERROR")
    jb.check("... saying the memory for its stdout ran out",
             "stdout" in f.get("message", "") and "memory" in f.get("message", ""),
             f.get("message"))
    for i in ids:
        if i != "flood":
            jb.field("job %s: OK" % i, vs.get(i, {}), "status", "OK")
    jb.check("stderr: nothing aborted", b"abort" not in err.lower(), err[-300:])


def main():
    jb.require_binary()
    before = jb.snapshot()
    flood_out_of_memory()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
