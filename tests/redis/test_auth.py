#!/usr/bin/env python3
"""AUTH and the URL forms: redis://:password@host:port/db, the password from
$JB_REDIS_PASSWORD, unix:///path/to.sock; a wrong password is refused and
retried (the worker keeps running and says why), never silently ignored."""
import os
import subprocess
import time

import rtest
from rtest import check, diag, eq, jb

PW = "s3cret-pass"


def submit(url, ids, env=None, timeout=60):
    jobs = [rtest.job(i, ["/bin/echo", i]) for i in ids]
    p = subprocess.run([rtest.JB, "submit", "--redis", url, "--jobs", "jobs", "--timeout",
                        str(timeout)], input=rtest.delimited(jobs), capture_output=True,
                       timeout=timeout + 60, env=env)
    return p, rtest.read_verdicts(p.stdout) if p.returncode == 0 else []


rtest.require()
before = jb.snapshot()
r = rtest.Redis(password=PW, unix=True)
ws = []
try:
    url_db = "redis://:%s@127.0.0.1:%d/3" % (PW, r.port)
    w = rtest.Worker(url_db, "jobs", "tcp")
    ws.append(w)
    p, vs = submit(url_db, ["a1", "a2"])
    eq("password in the URL, db 3: exit 0", p.returncode, 0)
    eq("... both verdicts", sorted(v["id"] for v in vs), ["a1", "a2"])
    c = r.client()
    c.call("SELECT", 3)
    eq("... the group lives in db 3", c.call("EXISTS", "jobs"), 1)
    c.call("SELECT", 0)
    eq("... not in db 0", c.call("EXISTS", "jobs"), 0)

    env = dict(os.environ, JB_REDIS_PASSWORD=PW)
    p, vs = submit("redis://127.0.0.1:%d/3" % r.port, ["e1"], env=env)
    eq("password from $JB_REDIS_PASSWORD: exit 0", p.returncode, 0)
    eq("... its verdict", [v["id"] for v in vs], ["e1"])
    eq("worker exits 0", w.term(), 0)

    url_unix = "unix://:%s@%s" % (PW, r.sock)
    u = rtest.Worker(url_unix, "jobs", "unix")
    ws.append(u)
    p, vs = submit(url_unix, ["u1"])
    eq("unix socket: exit 0", p.returncode, 0)
    eq("... its verdict (db 0)", [v["id"] for v in vs], ["u1"])
    eq("unix worker exits 0", u.term(), 0)

    bad = rtest.Worker("redis://:wrong@127.0.0.1:%d" % r.port, "jobs", "bad")
    ws.append(bad)
    check("a wrong password: the worker says so",
          rtest.wait_until(lambda: "refused" in bad.log(), 10), bad.log())
    time.sleep(1)
    eq("... and keeps retrying (still running)", bad.proc.poll(), None)
    check("... without flooding its log", bad.log().count("\n") < 6, bad.log())
    eq("... stops on SIGTERM: exit 0", bad.term(), 0)
    c.close()
finally:
    for w in ws:
        w.kill()
    r.close()
rtest.assert_no_leftovers(before)
jb.finish()
