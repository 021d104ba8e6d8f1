#!/usr/bin/env python3
"""Redis restarted mid-run on the same port. First a clean restart (SHUTDOWN
SAVE, down for a while, started again from its dump): the workers keep the
verdicts they computed meanwhile and write them once Redis is back, submit
reconnects and reads on; no verdict is lost. Then a crash that loses every
key (SIGKILL, no dump): the workers recreate their group and go on. Last a
hung Redis (SIGSTOP): jobs are still killed on time (the 100 ms contract)."""
import collections
import os
import signal
import subprocess
import time

import rtest
from rtest import check, diag, eq, jb


def submit(url, jobs, timeout=180):
    return subprocess.Popen([rtest.JB, "submit", "--redis", url, "--jobs", "jobs",
                             "--timeout", str(timeout)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def reply_len(c):
    try:
        keys = c.call("KEYS", "jobs:reply:*")
        return c.call("XLEN", keys[0]) if keys else 0
    except (rtest.RedisError, OSError, ConnectionError):
        return 0


rtest.require()
before = jb.snapshot()
r = rtest.Redis()
ws = []
try:
    ws = [rtest.Worker(r.url(), "jobs", "w%d" % i, parallel=2,
                       extra=["--claim-after", "3000"]) for i in range(2)]
    N = 60
    jobs = [rtest.job("r%d" % i, ["/bin/sleep", "0.15"]) for i in range(N)]
    p = submit(r.url(), jobs)
    p.stdin.write(rtest.delimited(jobs))
    p.stdin.close()
    p.stdin = None
    c = r.client()
    check("verdicts flow before the restart", rtest.wait_until(lambda: reply_len(c) >= 10, 60))
    c.close()
    r.stop(save=True)
    diag("redis down (SHUTDOWN SAVE)")
    time.sleep(2.0)  # jobs finish meanwhile: their verdicts wait in the workers
    r.start()
    diag("redis back on port %d" % r.port)
    out, err = p.communicate(timeout=240)
    eq("submit exits 0", p.returncode, 0)
    diag("submit: %s" % err.decode())
    vs = rtest.read_verdicts(out)
    ids = collections.Counter(v["id"] for v in vs)
    eq("every job's verdict, once", sorted(ids.items()), sorted(("r%d" % i, 1) for i in range(N)))
    eq("all OK", [(v["id"], v["status"], v["message"]) for v in vs if v["status"] != "OK"], [])
    eq("seq is the job's index on stdin", sorted(v["seq"] for v in vs), list(range(N)))
    check("seq matches id", all(v["id"] == "r%d" % v["seq"] for v in vs))
    logs = [w.log() for w in ws]
    check("the workers noticed and reconnected",
          all("lost" in t and "connected" in t for t in logs), logs)
    check("submit noticed and reconnected", b"retrying" in err, err)

    # A crash that loses everything: nothing of the old run can come back,
    # but the workers must recreate the group and serve new jobs.
    r.stop(save=False)
    os.unlink(os.path.join(r.dir, "dump.rdb"))
    time.sleep(0.5)
    r.start()
    jobs = [rtest.job("n%d" % i, ["/bin/true"]) for i in range(10)]
    p = submit(r.url(), jobs, timeout=120)
    out, err = p.communicate(rtest.delimited(jobs), timeout=180)
    eq("after a crash that lost the data: submit exits 0", p.returncode, 0)
    eq("... with all 10 new verdicts", sorted(v["id"] for v in rtest.read_verdicts(out)),
       sorted("n%d" % i for i in range(10)))
    c = r.client()
    eq("submit removed its reply stream and its entries", c.call("KEYS", "jobs:reply:*"), [])
    eq("... the jobs stream is empty", c.call("XLEN", "jobs"), 0)
    c.close()

    # A hung Redis (SIGSTOP: connections open, no replies): the workers'
    # event loop goes on, so a job over its CPU limit is still killed on
    # time, and its verdict is written once Redis answers again.
    c = r.client()
    # A wall limit far off: on a loaded machine the spin gets a fraction of
    # a core, and the default (2 x cpu + 1 s) came first.
    spin = rtest.job("spin", ["/bin/sh", "-c", "while :; do :; done"],
                     limits={"cpu_time_ms": 1000, "wall_time_ms": 60000})
    e = rtest.add_job(c, "jobs", spin, "spin-out")
    check("a worker runs the spinning job", rtest.wait_until(
        lambda: rtest.pending_count(c, "jobs", "g") == 1, 30))
    r.proc.send_signal(signal.SIGSTOP)
    time.sleep(3)
    r.proc.send_signal(signal.SIGCONT)
    vs = rtest.Verdicts(c, "spin-out")
    eq("... its verdict once Redis answers", vs.wait([e], 30), [])
    v = vs.by_entry.get(e, {})
    eq("... TIME_LIMIT", v.get("status"), "TIME_LIMIT")
    check("... killed on time while Redis hung (cpu %.3fs < 1.15s)" % (
        v.get("cpu_time_us", 0) / 1e6), 0 < v.get("cpu_time_us", 0) < 1150000)
    c.close()
    eq("workers exit 0 on SIGTERM", [w.term() for w in ws], [0, 0])
finally:
    if jb._failed:
        for w in ws:
            w.dump_log()
    for w in ws:
        w.kill()
    r.close()
rtest.assert_no_leftovers(before)
jb.finish()
