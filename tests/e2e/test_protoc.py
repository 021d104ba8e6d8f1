#!/usr/bin/env python3
"""Text-format Jobs in testdata/jobs, encoded with the stock protoc, go
through `judgebox exec`; the Verdict decodes with protoc and holds every
line of testdata/expected/NAME.txt (the interface a non-C client uses)."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import shutil

import jb

PROTOC = shutil.which("protoc")
PROTO_DIR = os.path.join(jb.SOURCE_DIR, "proto")
PROTO = os.path.join(PROTO_DIR, "judgebox.proto")
JOBS = os.path.join(jb.SOURCE_DIR, "testdata", "jobs")
EXPECTED = os.path.join(jb.SOURCE_DIR, "testdata", "expected")


def protoc(mode, data):
    return jb.run([PROTOC, "--%s=judgebox.%s" % mode, "-I" + PROTO_DIR, PROTO], stdin=data)


def main():
    jb.require_binary()
    if not PROTOC:
        jb.skip_all("protoc is not installed (Debian: protobuf-compiler)")
    before = jb.snapshot()
    names = sorted(n[:-4] for n in os.listdir(JOBS) if n.endswith(".txt"))
    jb.check("testdata/jobs has the sample job echo.txt", "echo" in names, repr(names))
    for name in names:
        with open(os.path.join(JOBS, name + ".txt"), "rb") as f:
            text = f.read()
        enc = protoc(("encode", "Job"), text)
        if not jb.check("%s: protoc --encode=judgebox.Job" % name, enc.rc == 0 and enc.stdout,
                        repr(enc)):
            continue
        res = jb.run([jb.JB_BIN, "exec"], stdin=enc.stdout)
        jb.eq("%s: judgebox exec exits 0" % name, res.rc, 0)
        dec = protoc(("decode", "Verdict"), res.stdout)
        if not jb.check("%s: protoc --decode=judgebox.Verdict" % name, dec.rc == 0, repr(dec)):
            continue
        got = [line.strip() for line in dec.stdout.decode("utf-8", "replace").splitlines()]
        exp_path = os.path.join(EXPECTED, name + ".txt")
        if not jb.check("%s: testdata/expected/%s.txt exists" % (name, name),
                        os.path.exists(exp_path), exp_path):
            continue
        with open(exp_path) as f:
            want = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        for line in want:
            jb.check("%s: verdict has '%s'" % (name, line), line in got,
                     " | ".join(got[:30]))
        jb.check("%s: verdict carries limits" % name, "limits {" in got, " | ".join(got[:30]))
        jb.check("%s: verdict carries version" % name,
                 any(l.startswith("version: ") for l in got), " | ".join(got[:30]))
        if name == "bad_path":
            msg = [l for l in got if l.startswith("message: ")]
            jb.check("bad_path: message names files[0].path",
                     bool(msg) and "files" in msg[0], repr(msg))

    # The same Job through the stock encoder and through `judgebox job` runs alike.
    with open(os.path.join(JOBS, "echo.txt"), "rb") as f:
        enc = protoc(("encode", "Job"), f.read())
    mine = jb.run([jb.JB_BIN, "job", "--id", "echo-1", "--", "/bin/echo", "hello from protoc"])
    jb.eq("`judgebox job` exits 0", mine.rc, 0)
    back = protoc(("decode", "Job"), mine.stdout)
    jb.check("`judgebox job` output decodes as a Job with protoc", back.rc == 0, repr(back))
    try:
        same = jb.decode_job(mine.stdout), jb.decode_job(enc.stdout)
    except ValueError as e:
        same = ("undecodable: %s" % e, None)
    jb.eq("`judgebox job` and protoc --encode give the same Job", same[0], same[1])

    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
