#!/usr/bin/env python3
"""Entries whose `reply` names a key XADD can never write (a key of another
type: WRONGTYPE; a stream whose last id is the largest possible: ERR) must
not wedge the worker. Such an error reply is permanent: the verdict goes to
the default reply stream (STREAM:verdicts) with a message saying why, the
entry is acked, the worker goes on. More of them than the outbox holds
(4 x parallel + 16) come first, so a worker that retried them forever would
never read the honest entries behind them.

2. The default reply stream itself poisoned: those verdicts cannot be
   delivered anywhere. The worker logs it, leaves the entries pending (never
   acked without a verdict) and goes on; once the operator repairs the key
   they are claimed again and answered."""
import time

import rtest
from rtest import check, diag, eq

PARALLEL = 1
N_POISON = 4 * PARALLEL + 16 + 8  # more than the outbox holds
LAST_ID = "18446744073709551615-18446744073709551615"


def add(c, stream, name, reply=None):
    return rtest.add_job(c, stream, rtest.job(name, ["/bin/echo", name]), reply)


def verdicts_of(c, stream, entries, timeout):
    vs = rtest.Verdicts(c, stream)
    vs.wait(entries, timeout)
    return vs


s = rtest.Session()
r, c, ws = s.redis, s.client, s.workers
try:
    # -- 1. poisoned reply streams, a healthy default one
    c.call("SET", "poison", "x")
    c.call("XADD", "full", LAST_ID, "f", "v")
    poison = [add(c, "j", "p%d" % i, "poison") for i in range(N_POISON)]
    full = [add(c, "j", "f%d" % i, "full") for i in range(3)]
    good = [add(c, "j", "g%d" % i, "good") for i in range(4)]
    plain = [add(c, "j", "d%d" % i) for i in range(2)]
    w = rtest.Worker(r.url(), "j", "w1", parallel=PARALLEL)
    ws.append(w)
    vg = verdicts_of(c, "good", good, 120)
    eq("every honest entry has its verdict on its own reply stream",
       [e for e in good if e not in vg.by_entry], [])
    check("... OK, its own output", all(vg.by_entry[e].get("status") == "OK" and
                                        vg.by_entry[e].get("stdout") == b"g%d\n" % i
                                        for i, e in enumerate(good) if e in vg.by_entry))
    vd = verdicts_of(c, "j:verdicts", poison + full + plain, 60)
    missing = [e for e in poison + full + plain if e not in vd.by_entry]
    eq("every poisoned entry has a verdict on the default reply stream", missing, [])
    bad = [(e, vd.by_entry[e].get("message")) for e in poison if e in vd.by_entry and
           not vd.by_entry[e].get("message", "").startswith("reply stream 'poison': WRONGTYPE")]
    eq("... saying \"reply stream 'poison': WRONGTYPE ...\"", bad[:3], [])
    if poison[0] in vd.by_entry:
        diag("message: %s" % vd.by_entry[poison[0]].get("message"))
    bad = [(e, vd.by_entry[e].get("message")) for e in full if e in vd.by_entry and
           not vd.by_entry[e].get("message", "").startswith("reply stream 'full': ERR")]
    eq("... or \"reply stream 'full': ERR ...\" (the stream's ids are used up)", bad, [])
    ran = [e for i, e in enumerate(poison) if e in vd.by_entry and
           (vd.by_entry[e].get("status"), vd.by_entry[e].get("stdout"),
            vd.by_entry[e].get("_id_field")) != ("OK", b"p%d\n" % i, "p%d" % i)]
    eq("... the job's own verdict (ran, OK, its id)", ran, [])
    check("... and the default stream's own entries plain",
          all(vd.by_entry[e].get("message") == "" for e in plain if e in vd.by_entry))
    eq("exactly one verdict per entry", len(vd.raw) + len(vg.raw),
       len(poison) + len(full) + len(plain) + len(good))
    eq("'poison' is still the string it was", c.call("GET", "poison"), b"x")
    check("every entry acked (XPENDING empty)",
          rtest.wait_until(lambda: rtest.pending_count(c, "j", "g") == 0, 30),
          rtest.pending_count(c, "j", "g"))
    check("the worker says so on stderr", "reply stream 'poison': WRONGTYPE" in w.log())
    eq("worker exits 0 on SIGTERM", w.term(), 0)
    if w.proc.returncode != 0:
        w.dump_log()

    # -- 2. the default reply stream poisoned too
    c.call("SET", "k:verdicts", "x")
    lost = [add(c, "k", "q%d" % i, "poison") for i in range(N_POISON // 2)]
    lost += [add(c, "k", "e%d" % i) for i in range(N_POISON // 2 + 1)]
    good2 = [add(c, "k", "h%d" % i, "good2") for i in range(3)]
    w = rtest.Worker(r.url(), "k", "w2", parallel=PARALLEL,
                     extra=["--claim-after", "1000", "--max-attempts", "1"])
    ws.append(w)
    vg = verdicts_of(c, "good2", good2, 120)
    eq("default poisoned: honest entries still answered",
       [e for e in good2 if e not in vg.by_entry], [])
    check("... the undeliverable ones stay pending, not acked",
          rtest.wait_until(lambda: rtest.pending_count(c, "k", "g") == len(lost), 60),
          rtest.pending_count(c, "k", "g"))
    check("... the worker says why on stderr",
          "default reply stream 'k:verdicts'" in w.log() and "left pending" in w.log())
    time.sleep(2.5)  # claimed again (claim-after 1 s), still undeliverable
    more = [add(c, "k", "m%d" % i, "good2") for i in range(2)]
    vg.wait(more, 60)
    eq("... and it keeps going", [e for e in more if e not in vg.by_entry], [])
    c.call("DEL", "k:verdicts")  # the operator repairs it
    vd = verdicts_of(c, "k:verdicts", lost, 60)
    eq("repaired: every entry left pending gets a verdict",
       [e for e in lost if e not in vd.by_entry], [])
    notgu = [(e, vd.by_entry[e].get("status"), vd.by_entry[e].get("message")) for e in lost
             if e in vd.by_entry and
             "redis: gave up after" not in vd.by_entry[e].get("message", "")]
    eq("... 'gave up' (not run again: --max-attempts 1)", notgu[:3], [])
    if lost[0] in vd.by_entry:
        diag("message: %s" % vd.by_entry[lost[0]].get("message"))
    check("... naming the poisoned reply stream where there was one",
          all("reply stream 'poison': WRONGTYPE" in vd.by_entry[e].get("message", "")
              for e in lost[:N_POISON // 2] if e in vd.by_entry))
    check("... all acked", rtest.wait_until(lambda: rtest.pending_count(c, "k", "g") == 0, 30),
          rtest.pending_count(c, "k", "g"))
    eq("worker exits 0 on SIGTERM", w.term(), 0)
    if w.proc.returncode != 0:
        w.dump_log()
finally:
    s.close()
s.finish()
