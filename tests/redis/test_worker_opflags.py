#!/usr/bin/env python3
"""`judgebox worker` takes exec's operator flags and hands them to its
supervisor as exec does: --cpus pins the slot (Verdict.cpus and the program's
affinity), --uid-base is the box's host uid, and a bad --cpus is a usage
error (exit 2). The exec side is tests/e2e/test_opflags.py, whose helpers
this reuses."""
import os
import subprocess

import rtest
from rtest import check, diag, eq, jb, jbstream
import test_opflags as op  # tests/e2e, on the path through rtest

J = rtest.JB


def submit(url, jobs):
    """Start `submit` with the delimited jobs; its stdout is the verdicts."""
    p = subprocess.Popen([J, "submit", "--redis", url, "--jobs", "jobs", "--timeout", "60"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write(rtest.delimited(jobs))
    p.stdin.close()
    return p


def finish_submit(p):
    out = p.stdout.read()
    p.stdout.close()
    eq("submit exits 0", p.wait(timeout=120), 0)
    return {v["id"]: v for v in jbstream.verdicts_json(J, out)}


def check_usage():
    op.check_bad_cpus([J, "worker", "--jobs", "jobs"])
    res = jb.run([J, "worker", "--jobs", "jobs", "--cpus", "0,0", "--parallel", "2",
                  "--redis", "redis://127.0.0.1:1"])
    eq("worker --cpus 0,0 --parallel 2 (overlap): exit 2 as in exec", res.rc, 2)
    check("... saying so", b"overlap" in res.stderr, res.stderr)
    res = jb.run([J, "worker", "--help"])
    for flag in (b"--cpus", b"--uid-base", b"--max-memory", b"--allow-rootfs", b"--claim-after"):
        check("worker --help lists %s" % flag.decode(), flag in res.stdout, res.stdout)


s = rtest.Session()
try:
    check_usage()
    w = rtest.Worker(s.redis.url(), "jobs", "w", parallel=1,
                     extra=["--cpus", "0", "--uid-base", "61000"])
    s.workers.append(w)
    p = submit(s.redis.url(), [op.make_job("pin", op.AFFINITY), op.make_job("uid", op.SLEEP)])
    if os.geteuid() == 0:
        # The uid is --uid-base plus the box's run index (README: two runs
        # per slot and one read ahead, so base..base+2N). The sleep job is
        # the second: its run is 0 again only if the first box's init was
        # already reaped, which is timing.
        uid = op.box_uid(w.proc.pid, "sleep")
        check("worker --uid-base 61000 --parallel 1: the program's host uid is in 61000..61002",
              uid in (61000, 61001, 61002), "got %r" % (uid,))
    else:
        diag("not root: --uid-base is not used, skipping its check")
    vs = finish_submit(p)
    op.check_pinned("worker --cpus 0", vs.get("pin", {}), "0")
    jb.field("the sleep job: OK", vs.get("uid", {}), "status", "OK")
    jb.field("... on the pinned slot too", vs.get("uid", {}), "cpus", "0")
    eq("worker exits 0", w.term(), 0)
finally:
    s.close()
s.finish()
