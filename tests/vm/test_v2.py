#!/usr/bin/env python3
"""judgebox on a real cgroup v2 host: run by tests/vm/guest.sh in the guest
that tests/vm/run.sh boots, as root (JB_VM_WHO=root) and as the user owning
a delegated subtree (JB_VM_WHO=deleg, JB_BIN = tests/vm/jb-deleg). What the
other e2e tests do not look at: the backend `judgebox info` names, the
cgroup files the box sees (memory.max, pids.max, memory.swap.max,
memory.oom.group as set by the v2 backend), MEMORY_LIMIT of a 32M job
allocating 100 MB, the whole tree killed by cgroup.kill, a stream whose
slots get a fresh cgroup after an OOM kill, --cpus pinning, and no
judgebox-* cgroup left at any depth (the job parent included). Only
verdicts are asserted, never timings: the guest runs under TCG. Exit 77
outside such a guest."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import subprocess
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
import jb  # noqa: E402
import jbstream  # noqa: E402

MiB = 1 << 20
WHO = os.environ.get("JB_VM_WHO", "")
LONG_WALL = ["--wall-time", "120"]  # TCG: CPU cases must not become wall ones


def info():
    res = jb.run([jb.JB_BIN, "info"])
    text = res.stdout.decode("utf-8", "replace")
    jb.diag(text)
    lines = dict(l.split(": ", 1) for l in text.splitlines() if ": " in l)
    want = "cgroup v2" if WHO == "root" else "cgroup v2 (delegated)"
    jb.eq("info: exit 0", res.rc, 0)
    jb.eq("info: backend", lines.get("backend"), want)
    parent = "/sys/fs/cgroup" if WHO == "root" else "/sys/fs/cgroup/deleg/jobs"
    jb.check("info: cgroup under %s" % parent,
             lines.get("cgroup", "").startswith(parent + "/judgebox-"), repr(lines.get("cgroup")))


def own_cgroup():
    """The delegated user's judgebox without --cgroup-parent: its own cgroup
    (a leaf of the subtree) holds processes, so v2 cannot give it children
    with controllers (no internal processes): rlimits, and why says so."""
    res = jb.run([os.environ["JB_VM_BIN"], "info"])
    text = res.stdout.decode("utf-8", "replace")
    jb.diag(text)
    lines = dict(l.split(": ", 1) for l in text.splitlines() if ": " in l)
    jb.eq("own cgroup: backend", lines.get("backend"), "none (rlimits)")
    jb.check("own cgroup: why names --cgroup-parent", "--cgroup-parent" in lines.get("why", ""),
             repr(lines.get("why")))


def view():
    """The box's /sys/fs/cgroup is its own job cgroup, read-only."""
    files = ["memory.max", "pids.max", "memory.swap.max", "memory.oom.group"]
    v = jb.run_json(["--memory", "48M", "--processes", "7", "--", "/bin/cat"] +
                    ["/sys/fs/cgroup/" + f for f in files], timeout=120)
    jb.field("view: cat of the cgroup files OK", v, "status", "OK")
    # pids.max counts init too: processes + 1 (as on v1)
    jb.field("view: memory.max, pids.max, swap.max 0, oom.group 1", v, "stdout",
             "%d\n8\n0\n1\n" % (48 * MiB))
    v = jb.run_json(["--", "/bin/sh", "-c", "echo max > /sys/fs/cgroup/memory.max"],
                    timeout=120)
    jb.field("view: writing memory.max fails (read-only)", v, "status", "RUNTIME_ERROR")


def memory():
    v = jb.run_payload("res_touch_static", [100], ["--memory", "32M"], timeout=120)
    jb.field("32M job allocating 100 MB: MEMORY_LIMIT", v, "status", "MEMORY_LIMIT")
    jb.field("32M job allocating 100 MB: signal 9", v, "signal", 9)
    peak = v.get("memory_peak_bytes", 0)
    jb.check("32M job: memory.peak between 24 MiB and 33 MiB", 24 * MiB <= peak <= 33 * MiB,
             "peak %d" % peak)
    v = jb.run_payload("res_fork_alloc", [4, 40], ["--memory", "64M", "--policy", "ci"],
                       timeout=120)
    jb.field("4 children x 40 MB under 64M: MEMORY_LIMIT (the tree)", v, "status",
             "MEMORY_LIMIT")
    v = jb.run_payload("res_touch_static", [20], ["--memory", "64M"], timeout=120)
    jb.field("control: 20 MB under 64M is OK", v, "status", "OK")
    peak = v.get("memory_peak_bytes", 0)
    jb.check("control: memory.peak between 20 and 30 MiB", 20 * MiB <= peak <= 30 * MiB,
             "peak %d" % peak)


def pids_and_cpu():
    v = jb.run_payload("res_forkbomb", [], ["--policy", "ci", "--processes", "8"], timeout=120)
    jb.field("fork bomb under pids.max 8: OK", v, "status", "OK")
    jb.check("fork bomb: fork failed with EAGAIN",
             v.get("stdout", "").startswith("fork failed: EAGAIN after "), jb.verdict_summary(v))
    v = jb.run_payload("burn", [300], ["--time", "10"] + LONG_WALL, timeout=180)
    jb.field("burn 300 ms: OK", v, "status", "OK")
    jb.check("burn 300 ms: cpu.stat counted >= 0.28 s", v.get("cpu_time_us", 0) >= 280_000,
             jb.verdict_summary(v))
    jb.eq("burn 300 ms: cpu_user_us + cpu_system_us == cpu_time_us",
          v.get("cpu_user_us", 0) + v.get("cpu_system_us", 0), v.get("cpu_time_us"))
    # An endless fork bomb over its CPU time: cgroup.kill ends every task.
    v = jb.run_payload("res_forkbomb", ["forever"],
                       ["--policy", "ci", "--processes", "16", "--time", "1", "--wall-time", "60"],
                       timeout=300)
    jb.check("endless fork bomb: TIME_LIMIT or WALL_TIME_LIMIT",
             v.get("status") in ("TIME_LIMIT", "WALL_TIME_LIMIT"), jb.verdict_summary(v))


def stream():
    """Slots of a stream: an OOM-killed job's cgroup is not the next job's."""
    oom = jbstream.job_bytes(jb.JB_BIN, ["--memory", "32M", "--copy"],
                             [jb.payload("res_touch_static"), "100"])
    small = jbstream.job_bytes(jb.JB_BIN, ["--memory", "32M"],
                               ["/bin/grep", "Cpus_allowed_list", "/proc/self/status"])
    bodies = [jbstream.with_id(oom if i % 2 == 0 else small, "j%d" % i) for i in range(6)]
    data = b"".join(jbstream.frame(b) for b in bodies)
    res = jb.run([jb.JB_BIN, "exec", "--stream", "--parallel", "2", "--cpus", "0,1"],
                 stdin=data, timeout=600)
    jb.eq("stream: exit 0", res.rc, 0)
    try:
        vs = {v["id"]: v for v in jbstream.verdicts_json(jb.JB_BIN, res.stdout)}
    except (subprocess.CalledProcessError, ValueError) as e:
        vs = {}
        jb.diag("no verdicts: %s (%r)" % (e, res))
    jb.eq("stream: 6 verdicts", sorted(vs), ["j%d" % i for i in range(6)])
    for i in range(0, 6, 2):
        jb.field("stream j%d: MEMORY_LIMIT" % i, vs.get("j%d" % i, {}), "status",
                 "MEMORY_LIMIT")
    for i in range(1, 6, 2):
        v = vs.get("j%d" % i, {})
        jb.field("stream j%d: OK after an OOM kill" % i, v, "status", "OK")
        jb.check("stream j%d: its peak is its own (< 16 MiB)" % i,
                 0 < v.get("memory_peak_bytes", 1 << 40) < 16 * MiB, jb.verdict_summary(v))
        jb.check("stream j%d: pinned to its slot's CPU" % i,
                 v.get("cpus") in ("0", "1") and
                 v.get("stdout") == "Cpus_allowed_list:\t%s\n" % v.get("cpus"),
                 "cpus %r, stdout %r" % (v.get("cpus"), v.get("stdout")))


def describe(cg):
    """A left cgroup's subtree: each directory with its tasks and events."""
    out = []
    for top, dirs, _ in os.walk(cg):
        procs = open(os.path.join(top, "cgroup.procs")).read().split()
        events = open(os.path.join(top, "cgroup.events")).read().split()
        out.append("%s procs=%s events=%s" % (top, ",".join(procs), ",".join(events)))
    return "; ".join(out)


def no_cgroup_left(name, before, grace=5.0):
    """Every judgebox-* cgroup made since before is gone (any depth: the job
    parent's own children included, which jb.assert_no_leftovers does not
    look at on a pure v2 host's root)."""
    deadline = time.monotonic() + grace
    while True:
        left = sorted(jbstream.cgroup_dirs() - before)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    jb.check(name + ": no judgebox-* cgroup left", not left,
             " | ".join(describe(c) for c in left))


def main():
    jb.require_binary()
    if WHO not in ("root", "deleg"):
        jb.skip_all("not in the cgroup v2 guest of tests/vm/run.sh (JB_VM_WHO unset)")
    before = jb.snapshot()
    cases = [info, view, memory, pids_and_cpu, stream]
    if WHO == "deleg":
        cases.insert(1, own_cgroup)
    for case in cases:
        cgroups = jbstream.cgroup_dirs()
        case()
        no_cgroup_left(case.__name__, cgroups)
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
