#!/usr/bin/env python3
"""500 short jobs through 3 workers: every job gets its verdict, and after
de-duplication by entry each job id appears exactly once; nothing stays
pending; the workers stop cleanly on SIGTERM."""
import collections
import time

import rtest
from rtest import check, diag, eq

N = 500

s = rtest.Session()
r, c, workers = s.redis, s.client, s.workers
try:
    workers += [rtest.Worker(r.url(), "jobs", "w%d" % i, parallel=2) for i in range(3)]
    t0 = time.monotonic()
    entries = {}
    for i in range(N):
        e = rtest.add_job(c, "jobs", rtest.job("job-%d" % i, ["/bin/true"]), "replies")
        entries[e] = "job-%d" % i
    vs = rtest.Verdicts(c, "replies")
    missing = vs.wait(list(entries), timeout=400)
    took = time.monotonic() - t0
    diag("%d jobs in %.1fs (%.0f jobs/s), %d raw verdicts" % (N, took, N / took, len(vs.raw)))
    eq("every entry has a verdict", len(missing), 0)
    ids = collections.Counter(v["id"] for e, v in vs.by_entry.items() if e in entries)
    eq("each job id exactly once after de-duplication by entry", sorted(ids.values()),
       [1] * N)
    check("verdict ids match their entries",
          all(v["id"] == entries[e] for e, v in vs.by_entry.items() if e in entries))
    check("the id field of each verdict entry is the job id",
          all(v["_id_field"] == v["id"] for _, v in vs.raw))
    bad = [(v["id"], v["status"], v["message"]) for v in vs.by_entry.values()
           if v["status"] != "OK"]
    eq("all OK", bad[:5], [])
    eq("no stray verdicts", [e for e, _ in vs.raw if e not in entries], [])
    rtest.wait_until(lambda: rtest.pending_count(c, "jobs", "g") == 0, 10)
    eq("nothing pending in the group", rtest.pending_count(c, "jobs", "g"), 0)
    cons = c.call("XINFO", "CONSUMERS", "jobs", "g")
    diag("consumers: %s" % [dict(zip(x[::2], x[1::2]))[b"name"].decode() for x in cons])
    rcs = [w.term() for w in workers]
    eq("workers exit 0 on SIGTERM", rcs, [0, 0, 0])
    for w in workers:
        check("worker %s logged no error" % w.name,
              "error" not in w.log().lower() and "lost" not in w.log(), w.log())
finally:
    s.close()
s.finish()
