#!/usr/bin/env python3
"""Resource accounting with cgroups on this machine (issue 4): MEMORY_LIMIT
for the whole tree (one process, threads, forked children), a fork bomb
under processes=16 ending cleanly, the peak of exactly 100 MiB, the CPU time
of 4 threads, the user/system split, and two concurrent jobs keeping their
figures apart. Skipped (77) when `judgebox info` reports no cgroup backend."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import subprocess
import threading

import jb

MiB = 1 << 20
LONG_WALL = ["--wall-time", "60"]  # a busy shared host must not turn CPU cases into wall ones


def figures(v):
    return "cpu %.3f s (user %.3f, system %.3f), wall %.3f s, peak %.1f MiB" % (
        v.get("cpu_time_us", 0) / 1e6, v.get("cpu_user_us", 0) / 1e6,
        v.get("cpu_system_us", 0) / 1e6, v.get("wall_time_us", 0) / 1e6,
        v.get("memory_peak_bytes", 0) / MiB)


def split_exact(name, v):
    total, user, system = (v.get(k, -1) for k in ("cpu_time_us", "cpu_user_us", "cpu_system_us"))
    jb.check(name + ": cpu_user_us + cpu_system_us == cpu_time_us", user + system == total,
             "user %s + system %s = %s, cpu_time_us %s" % (user, system, user + system, total))


def run(name, prog, args=(), flags=()):
    v = jb.run_payload(prog, args, list(flags), timeout=120)
    jb.diag("%s: %s" % (name, figures(v)))
    return v


def oom(name, v):
    jb.field(name + ": MEMORY_LIMIT", v, "status", "MEMORY_LIMIT")
    peak = v.get("memory_peak_bytes", 0)
    limit = v.get("limits", {}).get("memory_bytes", 0)
    jb.check(name + ": peak near the limit and not above it (+1 MiB)",
             limit * 0.75 <= peak <= limit + MiB, "peak %d, limit %d" % (peak, limit))
    jb.check(name + ": ended well before the wall limit", v.get("wall_time_us", 1 << 40) < 10e6,
             jb.verdict_summary(v))


def memory():
    v = run("1 GiB under the default 256 MiB", "res_touch_static", [1024])
    oom("1 GiB under the default 256 MiB", v)
    jb.field("1 GiB: the default limit applied", v.get("limits", {}), "memory_bytes", 256 * MiB)
    jb.field("1 GiB: killed with signal 9", v, "signal", 9)
    split_exact("1 GiB", v)

    v = run("control: 200 MiB under 256 MiB", "res_touch_static", [200])
    jb.field("control: 200 MiB under 256 MiB is OK", v, "status", "OK")

    v = run("4 threads x 100 MiB under 256M", "res_threads_alloc", [4, 100], ["--memory", "256M"])
    oom("4 threads x 100 MiB under 256M", v)
    v = run("control: 4 threads x 40 MiB", "res_threads_alloc", [4, 40], ["--memory", "256M"])
    jb.field("control: 4 threads x 40 MiB OK", v, "status", "OK")
    jb.check("control: 4 threads x 40 MiB: peak counts every thread (>= 160 MiB)",
             v.get("memory_peak_bytes", 0) >= 160 * MiB, figures(v))

    v = run("4 children x 100 MiB (ci)", "res_fork_alloc", [4, 100], ["--policy", "ci"])
    oom("4 forked children x 100 MiB", v)
    v = run("control: 2 children x 60 MiB (ci)", "res_fork_alloc", [2, 60], ["--policy", "ci"])
    jb.field("control: 2 children x 60 MiB OK", v, "status", "OK")
    jb.field("control: 2 children x 60 MiB stdout", v, "stdout", "children 2 touched 60 MiB each\n")
    jb.check("control: peak counts the children (>= 120 MiB)",
             v.get("memory_peak_bytes", 0) >= 120 * MiB, figures(v))

    v = run("exactly 100 MiB", "res_touch_static", [100])
    jb.field("exactly 100 MiB: OK", v, "status", "OK")
    peak = v.get("memory_peak_bytes", 0)
    jb.check("exactly 100 MiB: peak between 100 and 110 MiB", 100 * MiB <= peak <= 110 * MiB,
             "peak %d (%.2f MiB)" % (peak, peak / MiB))


def host_can_fork():
    try:
        return subprocess.run(["/bin/true"], timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def processes():
    v = run("fork bomb, processes 16", "res_forkbomb", [], ["--policy", "ci", "--processes", "16"])
    jb.check("fork bomb: not INTERNAL_ERROR", v.get("status") not in ("INTERNAL_ERROR", None),
             jb.verdict_summary(v))
    jb.field("fork bomb: main saw fork fail and exited 0: OK", v, "status", "OK")
    jb.check("fork bomb: fork failed with EAGAIN at pids.max",
             v.get("stdout", "").startswith("fork failed: EAGAIN after "), jb.verdict_summary(v))
    jb.field("fork bomb: limits.processes echoed", v.get("limits", {}), "processes", 16)
    jb.check("fork bomb: the host can still fork", host_can_fork())

    v = run("fork bomb forever, processes 16, time 2", "res_forkbomb", ["forever"],
            ["--policy", "ci", "--processes", "16", "--time", "2", "--wall-time", "20"])
    # Its tasks spin on fork (EAGAIN at pids.max) on every CPU: 2 s of CPU
    # come long before 20 s of wall time, if every task's CPU is counted.
    jb.field("endless fork bomb: TIME_LIMIT (the whole tree's CPU)", v, "status", "TIME_LIMIT")
    jb.check("endless fork bomb: the host can still fork", host_can_fork())
    split_exact("endless fork bomb", v)


def cpu():
    ncpu = len(os.sched_getaffinity(0))
    v = run("1 s busy loop in 4 threads", "res_burn_threads", [4, 1000], ["--time", "10"])
    jb.field("4 threads x 1 s: OK", v, "status", "OK")
    t = v.get("cpu_time_us", 0)
    jb.check("4 threads x 1 s: cpu_time_us about 4 s (3.6 .. 4.6 s)", 3_600_000 <= t <= 4_600_000,
             figures(v))
    wall = v.get("wall_time_us", 0)
    # 4 s of CPU cannot take less than 4 / ncpu s; a shared host may take longer
    jb.check("4 threads x 1 s: wall at least 4 s / %d CPUs and under 20 s" % ncpu,
             3.6e6 / min(ncpu, 4) <= wall < 20e6, figures(v))
    # (no bound on the user/system ratio: v1's cpuacct splits by ticks, and
    # under a loaded host a busy loop's ticks are seen in system time too)
    split_exact("4 threads x 1 s", v)
    v = run("burn 300 ms", "burn", [300], ["--time", "5"] + LONG_WALL)
    jb.field("burn 300 ms: OK", v, "status", "OK")
    split_exact("burn 300 ms", v)


def concurrent(busy_prog, busy_args, idle_args=(2,)):
    """Run a busy job and an idle one (sleep) at the same time; return both verdicts."""
    out = {}

    def go(key, prog, args):
        out[key] = jb.run_payload(prog, args, LONG_WALL, timeout=120)
    threads = [threading.Thread(target=go, args=("busy", busy_prog, busy_args)),
               threading.Thread(target=go, args=("idle", "sleep", idle_args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out["busy"], out["idle"]


def concurrency():
    for i in range(3):
        busy, idle = concurrent("burn", [1000])
        name = "concurrent round %d" % (i + 1)
        jb.diag("%s: busy %s; idle %s" % (name, figures(busy), figures(idle)))
        jb.check(name + ": both OK", busy.get("status") == "OK" and idle.get("status") == "OK",
                 "busy: %s; idle: %s" % (jb.verdict_summary(busy), jb.verdict_summary(idle)))
        jb.check(name + ": the busy job's cpu_time_us >= 0.95 s",
                 busy.get("cpu_time_us", 0) >= 950_000, figures(busy))
        jb.check(name + ": the idle job's cpu_time_us < 50 ms",
                 idle.get("cpu_time_us", 1 << 40) < 50_000, figures(idle))
    busy, idle = concurrent("res_touch_static", [100, 2], (2,))
    jb.diag("concurrent memory: busy %s; idle %s" % (figures(busy), figures(idle)))
    jb.field("concurrent memory: the 100 MiB job OK", busy, "status", "OK")
    jb.check("concurrent memory: the 100 MiB job's peak >= 100 MiB",
             busy.get("memory_peak_bytes", 0) >= 100 * MiB, figures(busy))
    jb.check("concurrent memory: the idle job's peak < 16 MiB",
             0 < idle.get("memory_peak_bytes", 1 << 40) < 16 * MiB, figures(idle))


def main():
    jb.require_binary()
    b = jb.backend()
    if not b.startswith("cgroup"):
        jb.skip_all("backend is %r, not a cgroup one" % b)
    jb.diag("backend: " + b)
    before = jb.snapshot()
    memory()
    processes()
    cpu()
    concurrency()
    jb.assert_no_leftovers_here(before)
    jb.finish()


if __name__ == "__main__":
    main()
