#!/usr/bin/env python3
"""`judgebox job ... | judgebox submit ... | judgebox show --stream` works;
submit takes delimited Jobs too, writes one verdict per job (seq = its
index), cleans up its reply stream and entries, and exits 1 when --timeout
hits."""
import json
import subprocess
import time

import rtest
from rtest import check, diag, eq


def sh(cmd, timeout=120):
    return subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, timeout=timeout)


s = rtest.Session()
r, c, ws = s.redis, s.client, s.workers
J = rtest.JB
try:
    w = rtest.Worker(r.url(), "jobs", "w", parallel=2)
    ws.append(w)
    res = sh("%s job --id rt -- /bin/echo hi | %s submit --redis %s --jobs jobs --timeout 60 "
             "| %s show --stream" % (J, J, r.url(), J))
    eq("job | submit | show: exit 0", res.returncode, 0)
    lines = res.stdout.decode().splitlines()
    eq("... one JSON line", len(lines), 1)
    v = json.loads(lines[0]) if lines else {}
    eq("... the job's verdict", (v.get("id"), v.get("status"), v.get("stdout"), v.get("seq")),
       ("rt", "OK", "hi\n", 0))

    jobs = [rtest.job("d%d" % i, ["/bin/sh", "-c", "exit %d" % i]) for i in range(5)]
    data = rtest.delimited(jobs + [b"\xff\xff\xff"])
    p = subprocess.run([J, "submit", "--redis", r.url(), "--jobs", "jobs", "--timeout", "60"],
                       input=data, capture_output=True, timeout=120)
    eq("delimited: exit 0", p.returncode, 0)
    vs = rtest.read_verdicts(p.stdout)
    eq("... six verdicts", len(vs), 6)
    by_seq = {v["seq"]: v for v in vs}
    eq("... each job's exit code, by seq", [by_seq.get(k, {}).get("exit_code") for k in range(5)],
       [0, 1, 2, 3, 4])
    eq("... the frame that is no Job: INVALID_JOB", by_seq.get(5, {}).get("status"),
       "INVALID_JOB")
    eq("submit removed its reply streams", c.call("KEYS", "jobs:reply:*"), [])
    eq("... and its job entries", c.call("XLEN", "jobs"), 0)

    # --reply NAME: that stream is not deleted, only the entries read
    c.call("XADD", "mine", "*", "other", "x")
    res = sh("%s job --id m -- /bin/true | %s submit --redis %s --jobs jobs --reply mine "
             "--timeout 60 >/dev/null" % (J, J, r.url()))
    eq("--reply: exit 0", res.returncode, 0)
    eq("... the stream stays, without our verdict", c.call("XLEN", "mine"), 1)

    eq("worker exits 0", w.term(), 0)
    t0 = time.monotonic()
    res = sh("%s job --id lonely -- /bin/true | %s submit --redis %s --jobs jobs --timeout 1"
             % (J, J, r.url()))
    took = time.monotonic() - t0
    eq("no worker: --timeout 1 exits 1", res.returncode, 1)
    check("... saying so", b"timed out with 0 of 1" in res.stderr, res.stderr)
    diag("... after %.1fs" % took)  # a hang would be the harness's time-out
    eq("... leaves no reply stream", c.call("KEYS", "jobs:reply:*"), [])
    eq("... and no job entry", c.call("XLEN", "jobs"), 0)
    res = sh("%s submit --jobs jobs < /dev/null" % J)
    eq("no jobs: exit 0 at once", res.returncode, 0)
    res = sh("printf '\\012abc' | %s submit --redis %s --jobs jobs" % (J, r.url()))
    eq("a cut frame that is no Job either: exit 1", res.returncode, 1)
    check("... saying why", b"cut short" in res.stderr, res.stderr)
    res = sh("echo x | %s submit --redis http://x --jobs jobs" % J)
    eq("a bad URL: exit 1", res.returncode, 1)
    check("... saying why", b"neither redis://" in res.stderr, res.stderr)
    eq("usage: exit 2 for a flag missing", sh("%s submit < /dev/null" % J).returncode, 2)
finally:
    s.close()
s.finish()
