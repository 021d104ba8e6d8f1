#!/usr/bin/env python3
"""--max-entry SIZE: an entry over SIZE (its id, field names and values) is
refused with INVALID_JOB "... bytes is over --max-entry", on its own reply
stream, without the worker holding it: a big field is discarded as it
arrives (its RSS stays far below the entry). Entries under the cap run,
however their big fields are placed; the reply field after a skipped one is
still read. Entries over the cap taken over from a dead worker (XAUTOCLAIM,
the other connection) are refused the same way. (bench/redis_bench.sh
--big-entry prints the worker's peak RSS for a 400 MiB entry.)"""
import subprocess

import rtest
from rtest import check, diag, eq

CAP = 4 << 20  # over 1 MiB: more than the worker reads in one turn


def big_job(name, n):
    """stdin n bytes, whose last 8 the job prints: a cut or unfilled buffer shows."""
    return rtest.job(name, ["/usr/bin/tail", "-c", "8"], stdin=b"y" * (n - 8) + b"THE-END\n")


def sanitized():
    with open(rtest.JB, "rb") as f:
        return b"__asan_init" in f.read()


# The refused entry, and the peak RSS that shows the worker never held it.
# ASan's own runtime is some 30 MiB: there the entry is bigger, and so the
# bound, which stays well under the entry.
ASAN = sanitized()
OVER = (128 if ASAN else 32) << 20
RSS_BOUND_KIB = (64 if ASAN else 16) << 10


def vmhwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int([line.split()[1] for line in f if line.startswith("VmHWM:")][0])


s = rtest.Session()
r, c, ws = s.redis, s.client, s.workers
try:
    for bad in ("0", "junk", "-1"):
        p = subprocess.run([rtest.JB, "worker", "--jobs", "x", "--max-entry", bad],
                           capture_output=True, timeout=30)
        eq("--max-entry %s: usage error (exit 2)" % bad, p.returncode, 2)

    # A dead worker's entry over the cap, to be taken over with XAUTOCLAIM.
    c.call("XGROUP", "CREATE", "jobs", "g", "0", "MKSTREAM")
    claimed = rtest.add_job(c, "jobs", big_job("claimed", CAP + 1), "out")
    c.call("XREADGROUP", "GROUP", "g", "ghost", "COUNT", 1, "STREAMS", "jobs", ">")

    under = rtest.add_job(c, "jobs", big_job("under", 3 << 20), "out")
    over = rtest.add_job(c, "jobs", big_job("over", OVER), "out")
    pad = c.call("XADD", "jobs", "*", "job", big_job("padded", 3 << 19), "pad1",
                 b"p" * (3 << 19), "pad2", b"p" * (3 << 19), "reply", "out").decode()
    longname = c.call("XADD", "jobs", "*", "job", big_job("longname", 10),
                      "reply", b"r" * (CAP + 10)).decode()
    last = c.call("XADD", "jobs", "*", "reply", "out", "job",
                  big_job("last", 3 << 20)).decode()  # the big field ends the reply
    small = rtest.add_job(c, "jobs", rtest.job("small", ["/bin/echo", "small"]), "out")

    w = rtest.Worker(r.url(), "jobs", "w1",
                     extra=["--max-entry", str(CAP), "--claim-after", "300"])
    ws.append(w)
    vs = rtest.Verdicts(c, "out")
    eq("a verdict on the entry's reply stream for each", vs.wait(
        [claimed, under, over, pad, last, small], 120), [])
    v = vs.by_entry.get(under, {})
    eq("under the cap (a 3 MiB job): OK", v.get("status"), "OK")
    eq("... its whole stdin", v.get("stdout"), b"THE-END\n")
    for name, e, size in (("job over the cap", over, None), ("fields over the cap together", pad, None),
                          ("taken over from a dead worker", claimed, None)):
        v = vs.by_entry.get(e, {})
        eq("%s: INVALID_JOB" % name, v.get("status"), "INVALID_JOB")
        msg = v.get("message", "")
        check("... 'redis: entry '%s': N bytes is over --max-entry (%d bytes)'" % (e, CAP),
              msg.startswith("redis: entry '%s': " % e) and
              "bytes is over --max-entry (%d bytes)" % CAP in msg, msg)
    msg = vs.by_entry.get(over, {}).get("message", "")
    n = int(msg.split("': ")[1].split()[0]) if "': " in msg else 0
    check("... counting every byte of the entry", n > OVER, msg)
    eq("a big job as the entry's last field: OK, whole", vs.by_entry.get(last, {}).get("stdout"),
       b"THE-END\n")
    eq("small job after them: OK", vs.by_entry.get(small, {}).get("stdout"), b"small\n")
    vd = rtest.Verdicts(c, "jobs:verdicts")
    eq("a reply name over the cap: verdict on the default stream", vd.wait([longname], 30), [])
    msg = vd.by_entry.get(longname, {}).get("message", "")
    check("... INVALID_JOB saying so", vd.by_entry.get(longname, {}).get("status") ==
          "INVALID_JOB" and "its reply stream name is %d bytes" % (CAP + 10) in msg, msg)
    check("every entry acked", rtest.wait_until(
        lambda: rtest.pending_count(c, "jobs", "g") == 0, 30), rtest.pending_count(c, "jobs", "g"))
    hwm = vmhwm_kib(w.proc.pid)
    diag("worker peak RSS %d KiB after a %d MiB entry it refused" % (hwm, OVER >> 20))
    check("the worker never held the %d MiB entry (peak RSS under %d MiB)" %
          (OVER >> 20, RSS_BOUND_KIB >> 10), hwm < RSS_BOUND_KIB, hwm)
    eq("worker exits 0 on SIGTERM", w.term(), 0)
finally:
    s.close()
s.finish()
