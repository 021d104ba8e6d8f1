#!/usr/bin/env python3
"""A poison entry, one whose every attempt ends without a verdict, ends
after --max-attempts with an INTERNAL_ERROR verdict ('gave up after N
attempts') and is acked, never retried forever.

1. Simulated: an entry delivered to a consumer that never answers, its
   delivery count raised with XCLAIM; a worker with --max-attempts 1 claims
   it (XAUTOCLAIM) and gives up at once, without running it.
2. Real: a job that outlives its worker every time (the test SIGKILLs each
   worker that takes it); with --max-attempts 2 the third worker gives up."""
import time

import rtest
from rtest import check, diag, eq

s = rtest.Session()
r, c, ws, killed = s.redis, s.client, s.workers, s.killed
try:
    # -- 1. simulated
    c.call("XGROUP", "CREATE", "p1", "g", "0", "MKSTREAM")
    e = rtest.add_job(c, "p1", rtest.job("poison1", ["/bin/echo", "ran"]), "out1")
    c.call("XREADGROUP", "GROUP", "g", "ghost", "COUNT", 1, "STREAMS", "p1", ">")
    c.call("XCLAIM", "p1", "g", "ghost", 0, e, "RETRYCOUNT", 1)  # one failed attempt
    w = rtest.Worker(r.url(), "p1", "w1", extra=["--claim-after", "200", "--max-attempts", "1"])
    ws.append(w)
    vs = rtest.Verdicts(c, "out1")
    eq("simulated poison: a verdict", vs.wait([e], 30), [])
    v = vs.by_entry.get(e, {})
    eq("... INTERNAL_ERROR", v.get("status"), "INTERNAL_ERROR")
    check("... 'gave up after 1 attempts'", "gave up after 1 attempts" in v.get("message", ""),
          v.get("message"))
    eq("... carrying the job id", v.get("id"), "poison1")
    eq("... never ran it", v.get("stdout"), b"")
    check("... acked", rtest.wait_until(lambda: rtest.pending_count(c, "p1", "g") == 0, 10))
    eq("worker exits 0", w.term(), 0)

    # -- 2. real: each worker that takes it is killed mid-job
    e = rtest.add_job(c, "p2", rtest.job("poison2", ["/bin/sleep", "60"]), "out2")
    flags = ["--claim-after", "300", "--max-attempts", "2"]
    for n in (1, 2):
        w = rtest.Worker(r.url(), "p2", "k%d" % n, extra=flags)
        ws.append(w)
        took = rtest.wait_until(lambda: rtest.pending_of(c, "p2", "g", w.name) == [e], 30)
        check("attempt %d: worker k%d took the entry" % (n, n), took)
        time.sleep(0.3)  # it is running the job now
        w.kill()
        killed.append(w)
    w = rtest.Worker(r.url(), "p2", "k3", extra=flags)
    ws.append(w)
    vs = rtest.Verdicts(c, "out2")
    t0 = time.monotonic()
    eq("real poison: a verdict", vs.wait([e], 30), [])
    v = vs.by_entry.get(e, {})
    diag("verdict after %.1fs: %s %s" % (time.monotonic() - t0, v.get("status"),
                                         v.get("message")))
    eq("... INTERNAL_ERROR", v.get("status"), "INTERNAL_ERROR")
    check("... 'gave up after 2 attempts'", "gave up after 2 attempts" in v.get("message", ""),
          v.get("message"))
    eq("... with the job id", v.get("id"), "poison2")
    check("... acked", rtest.wait_until(lambda: rtest.pending_count(c, "p2", "g") == 0, 10))
    eq("exactly one verdict", len(vs.raw), 1)
    eq("worker exits 0", w.term(), 0)
finally:
    s.close()
s.finish()
