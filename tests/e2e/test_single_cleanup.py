#!/usr/bin/env python3
"""A single run leaves no cgroup behind, whatever the load (issue 13, item
11): 20 single runs at once (`run` and `exec`; OK, TIME_LIMIT, WALL_TIME_LIMIT,
a tree of processes, 200 MiB touched) beside CPU hogs, twice; as each
judgebox exits, no judgebox-PID* cgroup of its own may remain (not one a
later judgebox would sweep). Skipped without a cgroup backend."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import glob
import subprocess
import threading

import jb
import jbstream

PARALLEL, ROUNDS, HOGS = 20, 2, 3
JOBS = [["--", "/bin/true"],
        ["--time", "0.05", "--copy", "--", jb.payload("spin")],
        ["--policy", "ci", "--", "/bin/sh", "-c", "sleep 5 & sleep 5 & exit 0"],
        ["--copy", "--", jb.payload("res_touch_static"), "200"],
        ["--wall-time", "0.2", "--", "/bin/sleep", "5"]]


def own_cgroups(pid):
    found = []
    for depth in range(1, 6):
        found += glob.glob("/sys/fs/cgroup/" + "*/" * depth + "judgebox-%d" % pid)
        found += glob.glob("/sys/fs/cgroup/" + "*/" * depth + "judgebox-%d-*" % pid)
    return found


def one(i, results):
    flags = JOBS[i % len(JOBS)]
    if i % 2:  # exec: the same job through `judgebox job | judgebox exec`
        body = jbstream.job_bytes(jb.JB_BIN, flags[:flags.index("--")],
                                  flags[flags.index("--") + 1:])
        p = subprocess.Popen([jb.JB_BIN, "exec"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, _ = p.communicate(body, timeout=120)
    else:
        p = subprocess.Popen([jb.JB_BIN, "run", "--json"] + flags, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, _ = p.communicate(timeout=120)
    results.append((i, p.pid, p.returncode, own_cgroups(p.pid)))


def main():
    jb.require_binary()
    if not jb.backend().startswith("cgroup"):
        jb.skip_all("no cgroup backend: nothing to leave behind")
    before = jb.snapshot()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOGS)]
    results = []
    try:
        for _ in range(ROUNDS):
            ts = [threading.Thread(target=one, args=(i, results)) for i in range(PARALLEL)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    left = [(i, pid, cgs) for i, pid, rc, cgs in results if cgs]
    jb.eq("every single run ended (%d)" % (PARALLEL * ROUNDS), len(results), PARALLEL * ROUNDS)
    jb.check("no single run exits with its cgroups still there", not left,
             "; ".join("job %d pid %d: %s" % x for x in left[:5]))
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
