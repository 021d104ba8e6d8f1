#!/usr/bin/env python3
"""A worker killed with SIGKILL mid-run: the entries it held are claimed by
another worker (XAUTOCLAIM after --claim-after) and completed; no verdict is
lost, duplicates carry the same entry and are dropped. Then chaos: workers
killed at random moments while 200 jobs run, lost and duplicated verdicts
counted (lost must be 0)."""
import collections
import random
import time

import rtest
from rtest import check, diag, eq, jb

N = 40
rtest.require()
before = jb.snapshot()
r = rtest.Redis()
c = r.client()
a = b = None
killed, pool = [], []
try:
    flags = ["--claim-after", "1000"]
    a = rtest.Worker(r.url(), "jobs", "A", parallel=2, extra=flags)
    b = rtest.Worker(r.url(), "jobs", "B", parallel=2, extra=flags)
    entries = {}
    for i in range(N):
        data = rtest.job("s%d" % i, ["/bin/sleep", "0.3"])
        entries[rtest.add_job(c, "jobs", data, "replies")] = "s%d" % i
    vs = rtest.Verdicts(c, "replies")
    held = []

    def a_busy():
        vs.poll(50)
        held[:] = rtest.pending_of(c, "jobs", "g", "A")
        return len(held) >= 2 and len(vs.by_entry) >= 4
    check("worker A holds entries mid-run", rtest.wait_until(a_busy, 60), held)
    a.kill()
    killed.append(a)
    t_kill = time.monotonic()
    diag("killed A holding %s" % held)
    missing = vs.wait(list(entries), timeout=120)
    eq("every entry has a verdict", missing, [])
    eq("the entries A held were completed by B", [e for e in held if e not in vs.by_entry], [])
    ok = [e for e in held if vs.by_entry.get(e, {}).get("status") == "OK"]
    eq("... and ran to the end there (OK)", ok, held)
    ids = collections.Counter(v["id"] for e, v in vs.by_entry.items())
    eq("each job id once after de-duplication", sorted(ids.values()), [1] * N)
    diag("%d raw verdicts for %d jobs; all done %.1fs after the kill" % (
        len(vs.raw), N, time.monotonic() - t_kill))
    rtest.wait_until(lambda: rtest.pending_count(c, "jobs", "g") == 0, 10)
    eq("nothing pending", rtest.pending_count(c, "jobs", "g"), 0)
    eq("B exits 0 on SIGTERM", b.term(), 0)

    # Chaos: workers killed at random moments while 200 jobs run; each kill
    # is replaced by a fresh worker. No verdict may be lost.
    rng = random.Random(8)
    flags = ["--claim-after", "500", "--max-attempts", "20"]
    live = [rtest.Worker(r.url(), "chaos", "c%d" % i, parallel=2, extra=flags)
            for i in range(3)]
    pool = list(live)
    entries = {}
    for i in range(200):
        data = rtest.job("c%d" % i, ["/bin/sleep", "0.05"])
        entries[rtest.add_job(c, "chaos", data, "chaos-out")] = "c%d" % i
    cv = rtest.Verdicts(c, "chaos-out")
    kills = 0
    t_end = time.monotonic() + 240
    while len(cv.by_entry) < len(entries) and time.monotonic() < t_end:
        cv.poll(rng.randrange(100, 700))
        if kills < 8 and len(cv.by_entry) < len(entries) - 20:
            victim = live.pop(rng.randrange(len(live)))
            victim.kill()
            killed.append(victim)
            kills += 1
            w = rtest.Worker(r.url(), "chaos", "c%d" % (2 + kills + len(live)), parallel=2,
                             extra=flags)
            live.append(w)
            pool.append(w)
    lost = [e for e in entries if e not in cv.by_entry]
    dups = len(cv.raw) - len(cv.by_entry)
    diag("chaos: %d kills, %d verdicts for %d jobs: %d lost, %d duplicates" % (
        kills, len(cv.raw), len(entries), len(lost), dups))
    check("chaos: workers were killed mid-run", kills >= 4, kills)
    eq("chaos: no verdict lost", lost, [])
    eq("chaos: all OK", [(v["id"], v["status"], v["message"]) for v in cv.by_entry.values()
                         if v["status"] != "OK"], [])
    ids = collections.Counter(v["id"] for v in cv.by_entry.values())
    eq("chaos: each job id once after de-duplication", sorted(set(ids.values())), [1])
    check("chaos: nothing pending at the end", rtest.wait_until(
        lambda: rtest.pending_count(c, "chaos", "g") == 0, 20))
    eq("chaos: the survivors exit 0", [w.term() for w in live], [0] * len(live))
finally:
    c.close()
    for w in [a, b] + pool:
        if w:
            w.kill()
    r.close()
rtest.assert_no_leftovers(before, killed=killed)
jb.finish()
