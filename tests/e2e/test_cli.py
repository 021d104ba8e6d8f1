#!/usr/bin/env python3
"""The command line and the JSON verdict (contract: "Command line" and the
JSON layout): help, version, usage errors, job | exec | show, pass-through
mode, every field, base64 for non-UTF-8 bytes, defaults, env, stdin, files."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import base64
import json
import os
import re

import jb

MiB = 1 << 20
BOOL_FIELDS = {"stdout_truncated", "stderr_truncated"}
STR_FIELDS = {"id", "status", "stdout", "stderr", "syscall", "message", "version"}
LIST_FIELDS = {"files", "denied_syscalls"}
# Fields that are measurements: they differ between two runs of one job.
MEASURED = {"cpu_time_us", "wall_time_us", "memory_peak_bytes", "cpu_user_us", "cpu_system_us"}


def is_int(x):
    return type(x) is int


def check_help_and_version():
    res = jb.run([jb.JB_BIN, "--version"])
    jb.eq("--version exits 0", res.rc, 0)
    m = re.search(rb"\d+\.\d+(\.\d+)?", res.stdout)
    jb.check("--version prints a version number on stdout", m is not None, repr(res))
    version = m.group(0).decode() if m else None

    res = jb.run([jb.JB_BIN, "--help"])
    jb.eq("--help exits 0", res.rc, 0)
    for sub in ("run", "exec", "job", "show"):
        jb.check("--help lists '%s'" % sub, sub.encode() in res.stdout, repr(res))
    for sub, word in (("run", b"--time"), ("job", b"--memory"), ("exec", b"--stream"),
                      ("show", b"show")):
        res = jb.run([jb.JB_BIN, sub, "--help"])
        jb.eq("%s --help exits 0" % sub, res.rc, 0)
        jb.check("%s --help prints usage on stdout mentioning %s" % (sub, word.decode()),
                 word in res.stdout, repr(res))

    res = jb.run([jb.JB_BIN, "run", "--no-such-flag", "--", "/bin/true"])
    jb.eq("unknown flag exits 2", res.rc, 2)
    jb.check("unknown flag: stderr names it", b"no-such-flag" in res.stderr, repr(res))
    jb.eq("unknown flag: nothing on stdout", res.stdout, b"")
    res = jb.run([jb.JB_BIN, "frobnicate"])
    jb.eq("unknown subcommand exits 2", res.rc, 2)
    jb.check("unknown subcommand: a message on stderr", res.stderr.strip() != b"", repr(res))
    res = jb.run([jb.JB_BIN, "run", "--json"])
    jb.eq("run without a program exits 2", res.rc, 2)
    res = jb.run([jb.JB_BIN, "run", "--json", "--time", "abc", "--", "/bin/true"])
    jb.eq("run --time abc exits 2", res.rc, 2)
    jb.check("--time abc: stderr names the value", b"abc" in res.stderr, repr(res))
    res = jb.run([jb.JB_BIN, "run", "--json", "--memory", "12Q", "--", "/bin/true"])
    jb.eq("run --memory 12Q exits 2", res.rc, 2)
    return version


def check_layout(version):
    res = jb.run([jb.JB_BIN, "run", "--json", "--id", "layout-1", "--", "/bin/echo", "hi"])
    jb.check("run --json prints one line", res.stdout.endswith(b"\n") and
             res.stdout.count(b"\n") == 1, repr(res))
    v = jb.parse_json(res)
    keys = set(v) - {"_rc", "_stderr", "_elapsed"}
    missing = [f for f in jb.VERDICT_FIELDS if f not in keys]
    jb.check("JSON has every contract field", not missing, "missing %s" % missing)
    jb.field("JSON id echoed", v, "id", "layout-1")
    jb.field("JSON status is the enum name", v, "status", "OK")
    bad = []
    for f in jb.VERDICT_FIELDS:
        if f not in v:
            continue
        x = v[f]
        ok = (type(x) is bool if f in BOOL_FIELDS else isinstance(x, str) if f in STR_FIELDS
              else isinstance(x, list) if f in LIST_FIELDS else isinstance(x, dict)
              if f == "limits" else is_int(x))
        if not ok:
            bad.append("%s=%r" % (f, x))
    jb.check("JSON field types (numbers, booleans, strings, lists)", not bad and not missing,
             ", ".join(bad))
    lim = v.get("limits", {})
    jb.eq("JSON limits has the 9 fields", sorted(lim), sorted(jb.LIMIT_FIELDS))
    jb.check("JSON limits are numbers", lim and all(is_int(x) for x in lim.values()), repr(lim))
    jb.eq("default limits echoed in verdict.limits", lim, jb.DEFAULT_LIMITS)
    jb.field("JSON seq 0 for a single job", v, "seq", 0)
    jb.check("JSON version set", v.get("version", "") != "", repr(v.get("version")))
    if version:
        jb.check("verdict.version matches --version", version in v.get("version", ""),
                 "%r vs %r" % (v.get("version"), version))
    jb.check("denied_syscalls are strings",
             all(isinstance(s, str) for s in v.get("denied_syscalls", [None])),
             repr(v.get("denied_syscalls")))

    # Derived defaults: wall = 2 x cpu + 1 s, stack = memory, file size = box.
    v = jb.run_json(["--time", "2", "--memory", "64M", "--box-size", "8M", "--", "/bin/true"])
    lim = v.get("limits", {})
    jb.eq("--time 2 -> cpu_time_ms 2000", lim.get("cpu_time_ms"), 2000)
    jb.eq("--time 2 -> default wall_time_ms 5000 (2 x cpu + 1 s)", lim.get("wall_time_ms"), 5000)
    jb.eq("--memory 64M -> memory_bytes", lim.get("memory_bytes"), 64 * MiB)
    jb.eq("--memory 64M -> default stack_bytes = memory", lim.get("stack_bytes"), 64 * MiB)
    jb.eq("--box-size 8M -> box_bytes", lim.get("box_bytes"), 8 * MiB)
    jb.eq("--box-size 8M -> default file_size_bytes = box", lim.get("file_size_bytes"), 8 * MiB)
    v = jb.run_json(["--wall-time", "3.5", "--processes", "10", "--output-limit", "2M",
                     "--open-files", "99", "--stack", "8M", "--file-size", "1K", "--",
                     "/bin/true"])
    lim = v.get("limits", {})
    for key, want in (("wall_time_ms", 3500), ("processes", 10), ("output_bytes", 2 * MiB),
                      ("open_files", 99), ("stack_bytes", 8 * MiB), ("file_size_bytes", 1024),
                      ("cpu_time_ms", 10000)):
        jb.eq("flags -> limits.%s %d" % (key, want), lim.get(key), want)


def comparable(v):
    out = {k: x for k, x in v.items() if not k.startswith("_") and k not in MEASURED}
    return out


def check_pipeline():
    flags = ["--id", "pipe-1", "--time", "2", "--env", "A=1", "--env", "B=2", "--copy", "--",
             jb.payload("print_env")]
    job = jb.run([jb.JB_BIN, "job"] + flags)
    jb.eq("job exits 0", job.rc, 0)
    jb.check("job writes a binary Job", len(job.stdout) > 0 and not job.stdout.startswith(b"{"),
             repr(job))
    ex = jb.run([jb.JB_BIN, "exec"], stdin=job.stdout)
    jb.eq("exec exits 0", ex.rc, 0)
    try:
        pv = jb.decode_verdict(ex.stdout)
    except ValueError as e:
        pv = {"_error": str(e)}
    jb.field("exec's Verdict (decoded here) is OK", pv, "status", "OK")
    jb.field("exec's Verdict id", pv, "id", "pipe-1")
    show = jb.run([jb.JB_BIN, "show"], stdin=ex.stdout)
    jb.eq("show exits 0", show.rc, 0)
    jb.check("show prints one JSON line", show.stdout.count(b"\n") == 1, repr(show))
    sv = jb.parse_json(show)
    rv = jb.run_json(flags)
    jb.field("job | exec | show: OK", sv, "status", "OK")
    jb.field("job | exec | show: env replaced", sv, "stdout", "A=1\nB=2\n")
    a, b = comparable(sv), comparable(rv)
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    jb.check("job | exec | show gives the same fields as run --json",
             not diff and "_error" not in sv and "_error" not in rv,
             "; ".join("%s: %r vs %r" % (k, a.get(k), b.get(k)) for k in diff))
    jb.check("show and the protobuf agree on cpu_time_us",
             sv.get("cpu_time_us", -1) == pv.get("cpu_time_us"), "%r vs %r" % (
                 sv.get("cpu_time_us"), pv.get("cpu_time_us")))


def check_delimited():
    """job --delimited writes one frame: concatenated, they are a stream."""
    frames = b""
    for i in range(3):
        res = jb.run([jb.JB_BIN, "job", "--delimited", "--id", "d%d" % i, "--", "/bin/echo", str(i)])
        jb.eq("job --delimited exits 0", res.rc, 0)
        frames += res.stdout
    ex = jb.run([jb.JB_BIN, "exec", "--stream"], stdin=frames)
    jb.eq("exec --stream of job --delimited frames exits 0", ex.rc, 0)
    show = jb.run([jb.JB_BIN, "show", "--stream"], stdin=ex.stdout)
    vs = [json.loads(line) for line in show.stdout.decode().splitlines() if line.strip()]
    jb.eq("three frames, three verdicts in order",
          [(v.get("id"), v.get("seq"), v.get("status"), v.get("stdout")) for v in vs],
          [("d%d" % i, i, "OK", "%d\n" % i) for i in range(3)])
    plain = jb.run([jb.JB_BIN, "job", "--id", "d0", "--", "/bin/echo", "0"]).stdout
    first = jb.run([jb.JB_BIN, "job", "--delimited", "--id", "d0", "--", "/bin/echo", "0"]).stdout
    jb.eq("the frame is the plain Job behind its varint length",
          first, bytes([len(plain)]) + plain)


def pb_bytes(field, data):
    """One length-delimited protobuf field (lengths < 128 here)."""
    assert len(data) < 128
    return bytes([field << 3 | 2, len(data)]) + data


def check_files_to():
    """show --files-to DIR: stdout, stderr and files/PATH, exact bytes."""
    d = os.path.join(jb.tmpdir(), "files-to")
    os.makedirs(os.path.join(d, "bad"))
    data = os.urandom(3000)
    src = jb.tmpfile("in.bin", data)
    job = jb.run([jb.JB_BIN, "job", "--policy", "ci", "--file", src + ":in.bin",
                  "--collect", "sub/o.bin", "--collect", "missing", "--",
                  "/bin/sh", "-c", "mkdir sub; cp in.bin sub/o.bin; printf out; printf err >&2"]).stdout
    ex = jb.run([jb.JB_BIN, "exec"], stdin=job)
    show = jb.run([jb.JB_BIN, "show", "--files-to", os.path.join(d, "one")], stdin=ex.stdout)
    jb.eq("show --files-to exits 0", show.rc, 0)
    got = {}
    for root, _, names in os.walk(os.path.join(d, "one")):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                got[os.path.relpath(os.path.join(root, n), os.path.join(d, "one"))] = f.read()
    jb.eq("--files-to: stdout, stderr and the collected file, byte-exact (none for a missing one)",
          got, {"stdout": b"out", "stderr": b"err", "files/sub/o.bin": data})
    frames = b"".join(jb.run([jb.JB_BIN, "job", "--delimited", "--", "/bin/echo", str(i)]).stdout
                      for i in range(2))
    ex = jb.run([jb.JB_BIN, "exec", "--stream"], stdin=frames)
    show = jb.run([jb.JB_BIN, "show", "--stream", "--files-to", os.path.join(d, "many")],
                  stdin=ex.stdout)
    outs = []
    for i in range(2):
        with open(os.path.join(d, "many", str(i), "stdout"), "rb") as f:
            outs.append(f.read())
    jb.eq("--stream --files-to: DIR/SEQ per verdict", (show.rc, outs), (0, [b"0\n", b"1\n"]))
    for bad in (b"../escape", b"/box/../escape", b"a//b", b""):
        verdict = pb_bytes(14, pb_bytes(1, bad) + pb_bytes(2, b"x"))
        show = jb.run([jb.JB_BIN, "show", "--files-to", os.path.join(d, "bad", "in")],
                      stdin=verdict)
        jb.check("--files-to refuses the path %r: exit 1, nothing outside" % bad,
                 show.rc == 1 and b"files: " in show.stderr
                 and not os.path.exists(os.path.join(d, "bad", "escape")), repr(show))


def check_json_jobs():
    """exec --json and exec --stream --json: JSON jobs through the protobuf path."""
    job = {"id": "j1", "argv": ["/bin/cat", "in.txt"], "stdin": "",
           "files": [{"path": "in.txt", "content_base64": base64.b64encode(b"\xff\x00x").decode()}],
           "limits": {"cpu_time_ms": "2000", "memory_bytes": 64 << 20}}
    res = jb.run([jb.JB_BIN, "exec", "--json"], stdin=json.dumps(job).encode())
    v = json.loads(res.stdout or b"{}")
    jb.eq("exec --json: exit 0, OK, bytes as given, limits as given",
          (res.rc, v.get("id"), v.get("status"), v.get("stdout_base64"),
           v.get("limits", {}).get("cpu_time_ms")),
          (0, "j1", "OK", base64.b64encode(b"\xff\x00x").decode(), 2000))
    res = jb.run([jb.JB_BIN, "exec", "--json"], stdin=b'{"id":"j2","argv":["/bin/true"],"limit":{}}')
    v = json.loads(res.stdout or b"{}")
    jb.eq("exec --json: an unknown field is INVALID_JOB naming it, id echoed",
          (res.rc, v.get("id"), v.get("status"), v.get("message")),
          (0, "j2", "INVALID_JOB", "limit: unknown field"))
    lines = (b'{"id":"a","argv":["/bin/echo","hi"]}\n'
             b'\n'
             b'{"id":"b","argv":["/bin/sh","-c","exit 3"],"policy":"ci"}\r\n'
             b'{"id":"c","argv":["/bin/true"],"limits":{"processes":-1}}\n'
             b'not json\n'
             b'{"id":"d","argv":["/bin/echo","last"]}')  # no '\n' at the end
    res = jb.run([jb.JB_BIN, "exec", "--stream", "--json", "--parallel", "1"], stdin=lines)
    vs = [json.loads(line) for line in res.stdout.decode().splitlines()]
    jb.eq("exec --stream --json: one JSON line per job, in order, blank lines skipped",
          [(v.get("seq"), v.get("id"), v.get("status"), v.get("stdout")) for v in vs],
          [(0, "a", "OK", "hi\n"), (1, "b", "RUNTIME_ERROR", ""), (2, "c", "INVALID_JOB", ""),
           (3, "", "INVALID_JOB", ""), (4, "d", "OK", "last\n")])
    jb.check("exec --stream --json: the refusals name what is wrong",
             len(vs) == 5 and vs[2]["message"].startswith("limits.processes: expected an integer")
             and vs[3]["message"].startswith("job: not JSON"), repr(vs[2:4]))
    jb.eq("exec --stream --json exits 0", res.rc, 0)
    res = jb.run([jb.JB_BIN, "exec", "--stream", "--json"],
                 stdin=b'{"id":"only","argv":["/bin/true"]}', timeout=60)
    jb.eq("exec --stream --json: one line without '\\n', nothing running at EOF: its verdict",
          (res.rc, [json.loads(line).get("id") for line in res.stdout.decode().splitlines()]),
          (0, ["only"]))


def check_passthrough():
    data = os.urandom(100_000)
    path = jb.tmpfile("stdin.bin", data)
    res = jb.run([jb.JB_BIN, "run", "--stdin", path, "--copy", "--", jb.payload("echo_stdin")])
    jb.check("default mode: stdout passed through byte-exact", res.stdout == data,
             "got %d bytes" % len(res.stdout))
    res = jb.run([jb.JB_BIN, "run", "--copy", "--", jb.payload("write_bytes"), "5000", "2"])
    jb.eq("default mode: nothing on stdout when the program writes none", res.stdout, b"")
    want = jb.pattern(5000)
    head, rest = res.stderr[:len(want)], res.stderr[len(want):]
    jb.check("default mode: stderr passed through byte-exact", head == want, repr(res))
    jb.check("default mode: then a one-line summary on stderr",
             rest.endswith(b"\n") and rest.count(b"\n") == 1 and b"OK" in rest, repr(rest))
    jb.eq("default mode: OK exits 0", res.rc, 0)
    res = jb.run([jb.JB_BIN, "run", "--copy", "--", jb.payload("exit_code"), "3"])
    jb.check("default mode: the summary names RUNTIME_ERROR",
             b"RUNTIME_ERROR" in res.stderr and res.stderr.count(b"\n") == 1, repr(res))
    jb.eq("default mode: a verdict other than OK exits 1 (README)", res.rc, 1)


def check_bytes():
    for name, data in (("non-UTF-8", b"ab\xff\xfecd\n\x80"),
                       ("UTF-8 multi-byte", "h\u00e9llo \u2713 \U0001F600\n".encode()),
                       ("JSON escapes", b'q"b\\s/\x00\x01\x1f\t\r\n\x7f')):
        path = jb.tmpfile("bytes.bin", data)
        v = jb.run_payload("echo_stdin", [], ["--stdin", path])
        jb.field("%s: OK" % name, v, "status", "OK")
        jb.eq("%s: exact bytes" % name, jb.out_bytes(v), data)
        jb.eq("%s: stdout string" % name, v.get("stdout"), data.decode("utf-8", "replace"))
        if name == "non-UTF-8":
            jb.check("non-UTF-8: stdout_base64 present", "stdout_base64" in v, repr(v)[:300])
            b64 = v.get("stdout_base64", "")
            jb.eq("non-UTF-8: stdout_base64 is padded RFC 4648",
                  b64, base64.b64encode(data).decode())

    data = os.urandom(MiB)
    path = jb.tmpfile("random.bin", data)
    v = jb.run_payload("echo_stdin", [], ["--stdin", path])
    jb.field("stdin: 1 MiB of random bytes: OK", v, "status", "OK")
    jb.check("stdin: 1 MiB of random bytes echoed byte-exact", jb.out_bytes(v) == data,
             "got %d bytes" % len(jb.out_bytes(v)))
    v = jb.run_payload("echo_stdin")
    jb.field("stdin: empty without --stdin", v, "stdout", "")
    jb.field("stdin: empty without --stdin: OK", v, "status", "OK")


def check_env():
    os.environ["JB_E2E_LEAK"] = "1"
    v = jb.run_payload("print_env", [], ["--env", "A=1", "--env", "B=two=2", "--env", "EMPTY="])
    jb.field("--env replaces the environment, in order", v, "stdout", "A=1\nB=two=2\nEMPTY=\n")
    v = jb.run_payload("print_env")
    lines = sorted(v.get("stdout", "").splitlines())
    jb.eq("default environment is PATH and HOME only", lines,
          ["HOME=/box", "PATH=/usr/local/bin:/usr/bin:/bin"])
    jb.check("judgebox's own environment does not leak in",
             "stdout" in v and "JB_E2E" not in v["stdout"],
             repr(v.get("stdout")))
    del os.environ["JB_E2E_LEAK"]


def stat_line(v):
    m = re.search(r"mode=(\d+) uid=(\d+) gid=(\d+) size=(\d+) myuid=(\d+) mygid=(\d+)",
                  v.get("stderr", ""))
    return m.groups() if m else None


def box_rel(path):
    """A box path as given or normalised: "/box/a" and "a" are the same place."""
    return path[len("/box/"):] if path.startswith("/box/") else path


def check_files():
    data = os.urandom(100_000)
    plain = jb.tmpfile("plain.bin", data, 0o600)
    v = jb.run_payload("cat_file", ["/box/data.bin"], ["--file", plain + ":data.bin"])
    jb.field("--file HOST:BOX: OK", v, "status", "OK")
    jb.check("--file: content exact", jb.out_bytes(v) == data, jb.verdict_summary(v))
    st = stat_line(v)
    jb.check("--file: mode 0644", st is not None and st[0] == "0644", repr(st))
    jb.check("--file: owned by the box user", st is not None and st[1] == st[4] and st[2] == st[5],
             repr(st))
    jb.check("--file: size", st is not None and st[3] == str(len(data)), repr(st))

    exe = jb.tmpfile("tool", b"#!/bin/sh\necho tool\n", 0o755)
    v = jb.run_payload("cat_file", ["/box/bin/tool"], ["--file", exe + ":/box/bin/tool"])
    st = stat_line(v)
    jb.check("--file of an executable: mode 0755", st is not None and st[0] == "0755", repr(st))
    jb.eq("--file under /box/bin/: content", jb.out_bytes(v), b"#!/bin/sh\necho tool\n")
    v = jb.run_payload("cat_file", ["/box/bin"], ["--file", exe + ":/box/bin/tool"])
    st = stat_line(v)
    jb.check("--file: parent directories created 0755", st is not None and st[0] == "0755",
             repr(st))
    v = jb.run_payload("cat_file", ["/box/a/b/c.txt"],
                       ["--file", plain + ":a/b/c.txt", "--file", exe + ":x"])
    jb.field("--file: two files, nested relative path: OK", v, "status", "OK")

    v = jb.run_payload("cat_file", ["/box/program"])
    st = stat_line(v)
    jb.check("--copy: /box/program is mode 0755", st is not None and st[0] == "0755", repr(st))
    with open(jb.payload("cat_file"), "rb") as f:
        jb.check("--copy: /box/program is the host file", jb.out_bytes(v) == f.read(),
                 "%d bytes" % len(jb.out_bytes(v)))

    v = jb.run_payload("write_file", ["/box/out.txt", 100],
                       ["--collect", "out.txt", "--collect", "/box/missing"])
    files = v.get("files", [])
    jb.eq("--collect: one entry per path asked, in order",
          [box_rel(f.get("path", "")) if isinstance(f, dict) else f for f in files],
          ["out.txt", "missing"])
    if len(files) == 2 and all(isinstance(f, dict) for f in files):
        jb.eq("--collect: content base64 of the file", base64.b64decode(files[0].get("content", "")),
              b"x" * 100)
        jb.eq("--collect: not truncated", files[0].get("truncated"), False)
        jb.eq("--collect: no error", files[0].get("error"), "")
        jb.check("--collect: a missing file has an error", files[1].get("error", "") != "",
                 repr(files[1]))
        jb.eq("--collect: a missing file has no content", files[1].get("content"), "")
    v = jb.run_payload("write_file", ["/box/big", 3 * MiB],
                       ["--output-limit", "1M", "--collect", "big"])
    jb.field("--collect over output_bytes: status stays OK", v, "status", "OK")
    files = v.get("files", [{}])
    big = base64.b64decode(files[0].get("content", "")) if files else b""
    jb.eq("--collect over output_bytes: cut at the cap", len(big), MiB)
    jb.eq("--collect over output_bytes: truncated", files[0].get("truncated") if files else None,
          True)
    v = jb.run_payload("symlink", ["/etc/passwd", "/box/link", "/box", "/box/dirlink"],
                       ["--collect", "link", "--collect", "dirlink/program", "--policy", "ci"])
    files = v.get("files", [])
    jb.field("--collect through symlinks: the program is OK", v, "status", "OK")
    jb.eq("--collect through symlinks: both entries", len(files), 2)
    for f in files:
        jb.check("--collect never follows a symlink (%s)" % f.get("path"),
                 f.get("content") == "" and f.get("error", "") != "", repr(f)[:300])


def main():
    jb.require_binary()
    before = jb.snapshot()
    version = check_help_and_version()
    check_layout(version)
    check_pipeline()
    check_delimited()
    check_files_to()
    check_json_jobs()
    check_passthrough()
    check_bytes()
    check_env()
    check_files()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
