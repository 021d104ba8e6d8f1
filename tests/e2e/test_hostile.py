#!/usr/bin/env python3
"""Hostile Jobs and Verdicts cannot hurt judgebox (issue 13, items 1-3).

- A Job whose interactor nests 10,000 deep (protobuf-c alone recursed until
  judgebox died of SIGSEGV): INVALID_JOB naming `interactor.interactor`, in
  `exec` and in `exec --stream` between two honest jobs, which stay OK, with
  the right seq and exit 0.
- 10 MB of empty `files` entries (600 MB of RSS to refuse before): INVALID_JOB
  naming `files`, with judgebox's peak RSS under 200 MB (not checked under
  ASan, which keeps freed memory), in exec and exec --stream.
- 200 files under a 2,000-deep directory chain (10 s of set-up, then
  INTERNAL_ERROR): INVALID_JOB naming files[0].path.
- `show` on a Verdict nested 10,000 deep: a clear error and exit 1, no crash.

Jobs are written here with the protobuf helpers of jbstream.py; honest jobs
run /bin/true. Nothing may be left behind.
"""
import os
import signal
import subprocess
import sys
import threading

sys.dont_write_bytecode = True
import jb  # noqa: E402 (after the bytecode switch; its import makes us a subreaper)
import jbstream  # noqa: E402

pb_field = jbstream.pb_field
TRUE = pb_field(3, 2, b"/bin/true")  # Job.argv
NEST_MSG = "interactor.interactor: interactors do not nest"
RSS_CAP_KIB = 200 << 10


def deep_job(depth, ident=b"deep"):
    """Job { id, argv: /bin/true, interactor: { ... } } nested depth deep."""
    inner = TRUE
    for _ in range(depth):
        inner = TRUE + pb_field(12, 2, inner)
    return pb_field(1, 2, ident) + inner


def files_bomb(size):
    """About size bytes of empty Job.files entries (2 bytes each)."""
    return pb_field(1, 2, b"bomb") + TRUE + b"\x42\x00" * (size // 2)


def chain_job(nfiles, depth):
    """nfiles empty files under one directory chain depth deep."""
    d = "/".join(["d"] * depth)
    body = pb_field(1, 2, b"chain") + TRUE
    for i in range(nfiles):
        body += pb_field(8, 2, pb_field(1, 2, ("%s/f%d" % (d, i)).encode()))
    return body


def honest(ident):
    return pb_field(1, 2, ident.encode()) + TRUE


def sanitized():
    with open(jb.JB_BIN, "rb") as f:
        return b"__asan_init" in f.read()


def run_rss(args, data, timeout=120):
    """judgebox ARGS with data on stdin: (rc, stdout, stderr, peak RSS KiB of
    judgebox and the descendants it waited for)."""
    paths = [jb.tmpfile(n, b"") for n in ("in.bin", "out.bin", "err.bin")]
    with open(paths[0], "wb") as f:
        f.write(data)
    with open(paths[0], "rb") as i, open(paths[1], "wb") as o, open(paths[2], "wb") as e:
        p = subprocess.Popen([jb.JB_BIN] + list(args), stdin=i, stdout=o, stderr=e,
                             start_new_session=True)
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(paths[1], "rb") as o, open(paths[2], "rb") as e:
        return p.returncode, o.read(), e.read(), ru.ru_maxrss


def verdicts(out):
    try:
        return [jbstream.decode_verdict(b) for b in jbstream.split_frames(out)]
    except ValueError as e:
        return [{"_error": str(e)}]


def summary(vs):
    return "; ".join("seq %s %s '%s'" % (v.get("seq"), v.get("status"),
                                         str(v.get("message", ""))[:120]) for v in vs)


def check_single(name, data, status, message, rss_check=False):
    rc, out, err, rss = run_rss(["exec"], data)
    v = jbstream.decode_verdict(out) if rc == 0 else {}
    jb.eq("%s (exec): exit 0, one verdict" % name, (rc, len(out) > 0), (0, True))
    jb.field("%s (exec): %s" % (name, status), v, "status", status)
    jb.check("%s (exec): message names the field" % name,
             v.get("message", "").startswith(message), "%r: %s" % (v.get("message"), err))
    if rss_check:
        check_rss("%s (exec)" % name, rss)
    return v


def check_stream(name, bad, message, rss_check=False):
    data = jbstream.frames([honest("before"), bad, honest("after")])
    rc, out, err, rss = run_rss(["exec", "--stream"], data)
    vs = sorted(verdicts(out), key=lambda v: v.get("seq", -1))
    jb.eq("%s (--stream): exit 0, three verdicts" % name, (rc, len(vs)), (0, 3))
    got = [(v.get("seq"), v.get("id"), v.get("status")) for v in vs]
    jb.check("%s (--stream): the honest jobs are OK around it" % name,
             got[:1] == [(0, "before", "OK")] and got[2:] == [(2, "after", "OK")],
             summary(vs) + " " + err.decode(errors="replace")[-300:])
    mid = vs[1] if len(vs) == 3 else {}
    jb.check("%s (--stream): INVALID_JOB with seq 1" % name,
             (mid.get("seq"), mid.get("status")) == (1, "INVALID_JOB"), summary(vs))
    jb.check("%s (--stream): message names the field" % name,
             str(mid.get("message", "")).startswith(message), summary(vs))
    if rss_check:
        check_rss("%s (--stream)" % name, rss)


def check_rss(name, rss):
    if sanitized():
        jb.diag("%s: peak RSS %d KiB, not checked (ASan)" % (name, rss))
        return
    jb.check("%s: peak RSS %d MiB < 200 MiB" % (name, rss >> 10), 0 < rss < RSS_CAP_KIB,
             "%d KiB" % rss)


def main():
    jb.require_binary()
    before = jb.snapshot()

    deep = deep_job(10000)
    v = check_single("10,000-deep interactor", deep, "INVALID_JOB", NEST_MSG)
    jb.eq("10,000-deep interactor (exec): the id is echoed", v.get("id"), "deep")
    check_stream("10,000-deep interactor", deep, NEST_MSG)

    bomb = files_bomb(10 << 20)
    msg = "files: 5242880 entries is over the cap of 10000"
    check_single("10 MB files bomb", bomb, "INVALID_JOB", msg, rss_check=True)
    check_stream("10 MB files bomb", bomb, msg, rss_check=True)

    chain = chain_job(200, 2000)
    v = check_single("200 files 2,000 deep", chain, "INVALID_JOB", "files[0].path: 'd/d/d/d/")
    jb.check("200 files 2,000 deep: ... is deeper than 64 components",
             v.get("message", "").endswith("' is deeper than 64 components"), v.get("message"))

    # show: a Verdict nested 10,000 deep, alone and as a stream frame.
    inner = pb_field(1, 2, b"v")
    for _ in range(10000):
        inner = pb_field(1, 2, b"v") + pb_field(22, 2, inner)
    for args, data in ((["show"], inner), (["show", "--stream"], jbstream.frame(inner))):
        res = jb.run([jb.JB_BIN] + args, data)
        jb.check("%s of a verdict nested 10,000 deep: exit 1, no crash" % " ".join(args),
                 res.rc == 1, repr(res))
        jb.check("... and says why", NEST_MSG in res.stderr.decode(errors="replace"),
                 repr(res))

    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
