#!/usr/bin/env python3
"""A violation cannot be hidden by a racing exit (issue 13, item 13): the
escape payload violation_exit_race (a thread blocks in bpf; the main thread
waits until /proc/self/task/T/syscall shows it blocked and calls
exit_group(0)) run 200 times, through one stream worker (two at a time),
must end SYSCALL_VIOLATION 'bpf' every time: not one OK. Also an honest
program whose threads exit while probing (errno calls) stays OK. No timing
is asserted."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import collections
import os
import subprocess

import jb
import jbstream

RUNS = 200
PAYLOAD = os.path.join(jb.BUILD_DIR, "tests", "escape", "progs", "violation_exit_race")


def verdicts(data):
    return [jb.decode_verdict(body) for body in jbstream.split_frames(data)]


def run_many(flags, argv, n):
    body = jbstream.job_bytes(jb.JB_BIN, list(flags) + ["--wall-time", "60"], argv)
    data = b"".join(jbstream.frame(jbstream.with_id(body, "r%d" % i)) for i in range(n))
    p = subprocess.run([jb.JB_BIN, "exec", "--stream", "--parallel", "2"], input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, verdicts(p.stdout)


def race():
    rc, vs = run_many(["--copy"], [PAYLOAD], RUNS)
    jb.eq("race: exit 0 and %d verdicts" % RUNS, (rc, len(vs)), (0, RUNS))
    seen = collections.Counter((v.get("status"), v.get("syscall")) for v in vs)
    jb.diag("race: %s" % dict(seen))
    bad = [v for v in vs if (v.get("status"), v.get("syscall")) != ("SYSCALL_VIOLATION", "bpf")]
    jb.check("race: every run is SYSCALL_VIOLATION 'bpf' (%d missed of %d)" % (len(bad), len(vs)),
             not bad, "; ".join(jb.verdict_summary(v) for v in bad[:3]))


def honest():
    # Threads that start (glibc registers rseq: a notified probe, ENOSYS)
    # while the main thread exits: never a violation.
    code = ("import threading, os\n"
            "for _ in range(8): threading.Thread(target=lambda: None).start()\n"
            "os._exit(0)\n")
    rc, vs = run_many([], ["/usr/bin/python3", "-c", code], 40)
    seen = collections.Counter(v.get("status") for v in vs)
    jb.diag("honest: %s" % dict(seen))
    jb.check("honest: threads probing while the program exits stay OK (40 runs)",
             rc == 0 and len(vs) == 40 and set(seen) == {"OK"}, dict(seen))


def main():
    jb.require_binary()
    if not os.access(PAYLOAD, os.X_OK):
        jb.check("payload built", False, PAYLOAD)
        jb.finish()
    before = jb.snapshot()
    race()
    honest()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
