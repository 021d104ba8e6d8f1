#!/usr/bin/env python3
"""Hostile queue entries cannot hurt the worker (issue 13): a Job whose
interactor nests 10,000 deep (protobuf-c alone recursed until the worker
died of SIGSEGV, every running job losing its verdict) and 10 MB of empty
`files` entries are INVALID_JOB naming the field, with their ids, between
honest jobs that stay OK; the worker lives on and exits 0."""
import rtest
from rtest import check, eq

pb_field = rtest.jbstream.pb_field
TRUE = pb_field(3, 2, b"/bin/true")


def deep_job(depth):
    inner = TRUE
    for _ in range(depth):
        inner = TRUE + pb_field(12, 2, inner)
    return pb_field(1, 2, b"deep") + inner


s = rtest.Session()
r, c, ws = s.redis, s.client, s.workers
try:
    w = rtest.Worker(r.url(), "h", "w1")
    ws.append(w)
    entries = [rtest.add_job(c, "h", rtest.job("before", ["/bin/true"]), "out"),
               rtest.add_job(c, "h", deep_job(10000), "out"),
               rtest.add_job(c, "h", pb_field(1, 2, b"bomb") + TRUE + b"\x42\x00" * (5 << 20),
                             "out"),
               rtest.add_job(c, "h", rtest.job("after", ["/bin/true"]), "out")]
    vs = rtest.Verdicts(c, "out")
    eq("four verdicts", vs.wait(entries, 60), [])
    got = [(vs.by_entry.get(e, {}).get("id"), vs.by_entry.get(e, {}).get("status"))
           for e in entries]
    eq("the honest jobs are OK, the hostile ones INVALID_JOB", got,
       [("before", "OK"), ("deep", "INVALID_JOB"), ("bomb", "INVALID_JOB"), ("after", "OK")])
    eq("the nested one names the field", vs.by_entry.get(entries[1], {}).get("message"),
       "interactor.interactor: interactors do not nest")
    eq("the bomb names its field", vs.by_entry.get(entries[2], {}).get("message"),
       "files: 5242880 entries is over the cap of 10000")
    check("the worker is still running", w.proc.poll() is None, w.log()[-500:])
    eq("worker exits 0 on SIGTERM", w.term(), 0)

finally:
    s.close()
s.finish()
