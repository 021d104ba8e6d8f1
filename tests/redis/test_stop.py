#!/usr/bin/env python3
"""SIGTERM: the worker takes no new entry, ends its running jobs (verdict
INTERNAL_ERROR 'worker stopping'), writes their verdicts, acks them and
exits 0. Entries it received but never started are handed back (idle, with
their delivery count as before), so another worker takes them at once, not
after --claim-after, and they do not count as a failed attempt."""
import os
import signal
import time

import rtest
from rtest import check, diag, eq

def proc_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


s = rtest.Session()
r, c, ws = s.redis, s.client, s.workers
try:
    # -- running jobs end with 'worker stopping'; the queue is left alone
    a = rtest.Worker(r.url(), "jobs", "A", parallel=2)
    ws.append(a)
    long = [rtest.add_job(c, "jobs", rtest.job("long%d" % i, ["/bin/sleep", "60"]), "out")
            for i in range(2)]
    check("A runs both jobs", rtest.wait_until(
        lambda: sorted(rtest.pending_of(c, "jobs", "g", "A")) == sorted(long), 30))
    time.sleep(0.5)
    later = rtest.add_job(c, "jobs", rtest.job("later", ["/bin/echo", "later"]), "out")
    t0 = time.monotonic()
    rc = a.term(timeout=30)
    diag("A stopped in %.2fs" % (time.monotonic() - t0))
    eq("A exits 0 on SIGTERM", rc, 0)
    vs = rtest.Verdicts(c, "out")
    eq("both running jobs have a verdict", vs.wait(long, 10), [])
    for e in long:
        v = vs.by_entry.get(e, {})
        eq("%s: INTERNAL_ERROR" % v.get("id"), v.get("status"), "INTERNAL_ERROR")
        check("%s: 'worker stopping'" % v.get("id"), "worker stopping" in v.get("message", ""),
              v.get("message"))
    eq("... and are acked", rtest.pending_count(c, "jobs", "g"), 0)
    check("the entry added meanwhile was not taken", later not in vs.by_entry)

    # -- an entry delivered to a worker that is stopping is handed back
    b = rtest.Worker(r.url(), "jobs", "B")  # takes 'later'
    ws.append(b)
    eq("B runs the waiting entry", vs.wait([later], 30), [])
    eq("... OK", vs.by_entry.get(later, {}).get("status"), "OK")
    check("B is idle", rtest.wait_until(lambda: rtest.pending_count(c, "jobs", "g") == 0, 10))
    time.sleep(0.3)  # in XREADGROUP BLOCK now
    os.kill(b.proc.pid, signal.SIGSTOP)
    # Stopped for real: kill() returns before the target has stopped.
    check("B is stopped", rtest.wait_until(lambda: proc_state(b.proc.pid) == "T", 10))
    e = rtest.add_job(c, "jobs", rtest.job("handed", ["/bin/echo", "handed"]), "out")
    check("Redis delivered it to the stopped B", rtest.wait_until(
        lambda: rtest.pending_of(c, "jobs", "g", "B") == [e], 10))
    os.kill(b.proc.pid, signal.SIGTERM)
    os.kill(b.proc.pid, signal.SIGCONT)
    eq("B exits 0", b.proc.wait(timeout=30), 0)
    check("B did not run it", e not in (vs.poll(100) or vs.by_entry))
    row = c.call("XPENDING", "jobs", "g", "-", "+", 10)
    diag("pending after B: %s" % row)
    eq("... it is still pending, delivery count as before B", [(x[0].decode(), x[3]) for x in row],
       [(e, 0)])
    # Default --claim-after is 30 s; --max-attempts 1 would give up on an
    # entry that counted as a failed attempt.
    d = rtest.Worker(r.url(), "jobs", "D", extra=["--max-attempts", "1"])
    ws.append(d)
    t0 = time.monotonic()
    eq("another worker takes it at once", vs.wait([e], 10), [])
    v = vs.by_entry.get(e, {})
    diag("taken after %.1fs" % (time.monotonic() - t0))
    eq("... and runs it (not a given-up attempt)", (v.get("status"), v.get("stdout")),
       ("OK", b"handed\n"))
    eq("D exits 0", d.term(), 0)
    t0 = time.monotonic()
finally:
    s.close()
s.finish()
