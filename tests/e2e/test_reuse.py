#!/usr/bin/env python3
"""A stream slot reuses its emptied cgroup: each job must still get exactly
its own limits and figures (an earlier job's lower memory limit, OOM kill,
page cache or CPU must not leak into the next one)."""
import sys
sys.dont_write_bytecode = True
import jb
import jbstream


def job(args, flags=(), id=""):
    res = jb.run([jb.JB_BIN, "job", "--id", id] + list(flags) + ["--copy", "--",
                 jb.payload("alloc")] + [str(a) for a in args])
    return res.stdout


def main():
    jb.require_binary()
    before = jb.snapshot()
    jobs = [("small-limit-oom", job([100], ["--memory", "32M"], "small-limit-oom")),
            ("after-oom", job([10], [], "after-oom")),
            ("bigger", job([300], ["--memory", "512M"], "bigger")),
            ("smaller-again", job([20], ["--memory", "48M"], "smaller-again")),
            ("over-smaller", job([100], ["--memory", "48M"], "over-smaller")),
            ("last", job([10], [], "last"))]
    stream = jbstream.frames(b for _, b in jobs)
    res = jb.run([jb.JB_BIN, "exec", "--stream", "--parallel", "1"], stdin=stream, timeout=120)
    vs = {v["id"]: v for v in jbstream.verdicts_json(jb.JB_BIN, res.stdout, check=False)}
    MiB = 1 << 20
    want = {"small-limit-oom": "MEMORY_LIMIT", "after-oom": "OK", "bigger": "OK",
            "smaller-again": "OK", "over-smaller": "MEMORY_LIMIT", "last": "OK"}
    for name, status in want.items():
        v = vs.get(name, {})
        jb.eq("%s: %s" % (name, status), v.get("status"), status)
    jb.check("after an OOM, the next job's peak is its own (10 MiB, < 20 MiB)",
             vs.get("after-oom", {}).get("memory_peak_bytes", 1 << 40) < 20 * MiB,
             vs.get("after-oom", {}).get("memory_peak_bytes"))
    jb.check("a raised limit holds (300 MiB under 512M)",
             vs.get("bigger", {}).get("memory_peak_bytes", 0) >= 300 * MiB,
             vs.get("bigger", {}).get("memory_peak_bytes"))
    jb.check("the last job's CPU is its own", vs.get("last", {}).get("cpu_time_us", 1 << 40) <
             200000, vs.get("last", {}).get("cpu_time_us"))
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
