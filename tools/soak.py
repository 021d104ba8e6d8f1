#!/usr/bin/env python3
"""Soak test of one `judgebox exec --stream --parallel P` worker (not in ctest).

    tools/soak.py [-n N] [--parallel P] [--jb PATH] [--rss-slack MIB]

Pushes N (10000) mixed jobs through one worker: OK, a nonzero exit, CPU time
limit (--time 0.1), memory limit, output limit, a forbidden system call
(ptrace), a crash (SIGSEGV), a sleep over a small wall limit, and a job that
leaves a background process behind (policy ci). Every verdict must have its job's
expected status (and signal or syscall name), each job answered exactly
once. Reports the counts per status, the worker's open fds and VmRSS when
idle before and after the N jobs (and their peaks), and what was left
behind once it exited: processes, cgroups, mounts.
Exits 1 on a wrong verdict or a leak (processes, cgroups, mounts, fds, or
RSS growth over --rss-slack MiB), 0 otherwise. Needs a C compiler for the
payloads; run as the user judgebox will run as (root for cgroup limits).
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import jbstream  # noqa: E402 (varints, frames, the Verdict reader)

STATUS = jbstream.STATUSES
TOKEN = "soak%d" % os.getpid()
ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box", "JBT_MARK=" + TOKEN]

PROGS = {
    "mle": r'''#include <stdlib.h>
#include <string.h>
int main(void) { for (;;) { char *p = malloc(1 << 20); if (!p) return 3; memset(p, 1, 1 << 20); } }
''',
    "ole": r'''#include <string.h>
#include <unistd.h>
int main(void) { static char b[65536]; memset(b, 'x', sizeof(b));
  for (int i = 0; i < 16; i++) if (write(1, b, sizeof(b)) < 0) return 3; return 0; }
''',
    "crash": r'''int main(void) { *(volatile int *) 0 = 1; return 0; }
''',
    "ptrace": r'''#include <sys/ptrace.h>
int main(void) { ptrace(PTRACE_TRACEME, 0, 0, 0); return 0; }
''',
    "spin": r'''int main(void) { volatile unsigned long x = 0; for (;;) x++; }
''',
}

# kind: (flags, argv or compiled program name, expected status, extra checks)
KINDS = {
    "ok": ([], ["/bin/true"], "OK", {}),
    "exit3": ([], ["/bin/sh", "-c", "exit 3"], "RUNTIME_ERROR", {"exit_code": 3}),
    "tle": (["--time", "0.1"], "spin", "TIME_LIMIT", {}),
    "mle": (["--memory", "32M"], "mle", "MEMORY_LIMIT", {}),
    "ole": (["--output-limit", "4K"], "ole", "OUTPUT_LIMIT", {"stdout_truncated": True}),
    "violation": ([], "ptrace", "SYSCALL_VIOLATION", {"syscall": "ptrace"}),
    "crash": ([], "crash", "SIGNALED", {"signal": 11}),
    "wall": (["--wall-time", "0.2"], ["/bin/sleep", "10"], "WALL_TIME_LIMIT", {}),
    "orphan": (["--policy", "ci"], ["/bin/sh", "-c", "sleep 100 & exit 0"], "OK", {}),
}
ORDER = list(KINDS)


def verdict(msg):
    v = jbstream.decode_verdict(msg)
    return {k: v[k] for k in ("id", "status", "exit_code", "signal", "stdout_truncated",
                              "syscall", "message", "seq")}


def build_jobs(jb, tmp):
    bodies = {}
    for kind, (flags, prog, _, _) in KINDS.items():
        if isinstance(prog, str):
            src = os.path.join(tmp, prog + ".c")
            with open(src, "w") as f:
                f.write(PROGS[prog])
            exe = os.path.join(tmp, prog)
            subprocess.run([os.environ.get("CC", "cc"), "-O1", "-o", exe, src], check=True)
            flags, argv = flags + ["--copy"], [exe]
        else:
            argv = prog
        bodies[kind] = jbstream.job_bytes(jb, flags, argv, env=ENV)
    return bodies


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


cgroup_dirs = jbstream.cgroup_dirs
mounts = jbstream.mounts


def leftover_processes(jb):
    jb = os.path.realpath(jb)
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                env = f.read()
        except OSError:
            env = b""
        try:
            exe = os.readlink("/proc/%s/exe" % pid).replace(" (deleted)", "")
        except OSError:
            exe = ""
        if ("JBT_MARK=" + TOKEN).encode() in env or exe == jb:
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                cmd = "?"
            out.append("pid %s: %s" % (pid, cmd.strip()))
    return out


class Worker:
    def __init__(self, jb, parallel):
        self.p = subprocess.Popen([jb, "exec", "--stream", "--parallel", str(parallel)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.verdicts = []
        self.cond = threading.Condition()
        self.done = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for body in jbstream.iter_frames(self.p.stdout.fileno()):
            v = verdict(body)
            with self.cond:
                self.verdicts.append(v)
                self.cond.notify_all()
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def wait_count(self, n, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.verdicts) < n and not self.done and time.monotonic() < end:
                self.cond.wait(max(0.01, min(1, end - time.monotonic())))
            return len(self.verdicts)


def check(v, kinds):
    kind = kinds.get(v["id"])
    if kind is None:
        return "unknown id '%s'" % v["id"]
    want, extra = KINDS[kind][2], KINDS[kind][3]
    if v["status"] != want:
        return "%s (%s): %s, want %s; message '%s'" % (v["id"], kind, v["status"], want,
                                                        v["message"])
    for k, val in extra.items():
        if v[k] != val:
            return "%s (%s): %s = %r, want %r" % (v["id"], kind, k, v[k], val)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--jb", default=os.environ.get("JB_BIN", os.path.join(ROOT, "build",
                                                                          "judgebox")))
    ap.add_argument("--rss-slack", type=float, default=16.0,
                    help="MiB of VmRSS growth tolerated (default 16)")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="jb-soak-")
    try:
        bodies = build_jobs(a.jb, tmp)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    cg0, mnt0 = cgroup_dirs(), mounts()
    t0 = time.monotonic()
    w = Worker(a.jb, a.parallel)
    pid = w.p.pid

    # Warm up with two jobs, then sample the idle worker.
    kinds = {"warm0": "ok", "warm1": "ok"}
    w.p.stdin.write(jbstream.frames((jbstream.with_id(bodies["ok"], "warm0"),
                                     jbstream.with_id(bodies["ok"], "warm1"))))
    w.p.stdin.flush()
    w.wait_count(2, 60)
    time.sleep(0.2)
    fd_start, rss_start = fds(pid), rss_kib(pid)
    peak = {"fd": fd_start, "rss": rss_start}

    def feed():
        try:
            for i in range(a.n):
                kind = ORDER[i % len(ORDER)]
                ident = "%s-%d" % (kind, i)
                kinds[ident] = kind
                w.p.stdin.write(jbstream.frame(jbstream.with_id(bodies[kind], ident)))
            w.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    for i in range(a.n):
        kinds["%s-%d" % (ORDER[i % len(ORDER)], i)] = ORDER[i % len(ORDER)]
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    total = a.n + 2
    last_report = time.monotonic()
    while True:
        got = w.wait_count(total, 0.25)
        peak["fd"] = max(peak["fd"], fds(pid))
        peak["rss"] = max(peak["rss"], rss_kib(pid))
        if got >= total or w.done:
            break
        if time.monotonic() - last_report > 30:
            print("# %d/%d verdicts after %.0f s" % (got, total, time.monotonic() - t0),
                  flush=True)
            last_report = time.monotonic()
    time.sleep(0.2)
    fd_end, rss_end = fds(pid), rss_kib(pid)
    w.p.stdin.close()
    try:
        rc = w.p.wait(60)
    except subprocess.TimeoutExpired:
        w.p.kill()
        rc = w.p.wait()
        rc = "hung (killed)"
    took = time.monotonic() - t0

    # Leftovers: wait a moment for the kernel to finish tearing down.
    end = time.monotonic() + 3
    while True:
        procs = leftover_processes(a.jb)
        # The worker's own (judgebox-<pid>): other runs on the machine
        # make and remove theirs at the same time.
        cgs = sorted(d for d in cgroup_dirs() - cg0 if d.endswith("-%d" % pid))
        mnts = sorted(mounts() - mnt0)
        if not (procs or cgs or mnts) or time.monotonic() > end:
            break
        time.sleep(0.2)

    counts = collections.Counter(v["status"] for v in w.verdicts)
    per_id = collections.Counter(v["id"] for v in w.verdicts)
    wrong = [e for e in (check(v, kinds) for v in w.verdicts) if e]
    missing = [i for i in kinds if per_id[i] == 0]
    twice = [i for i, c in per_id.items() if c > 1]
    expected = collections.Counter(KINDS[k][2] for k in kinds.values())

    print("soak: %d jobs (+2 warm-up) through one worker, --parallel %d, %.1f s (%.0f jobs/s)"
          % (a.n, a.parallel, took, a.n / took))
    print("worker exit code: %s" % rc)
    print("%-20s %8s %8s" % ("status", "got", "expected"))
    for st in STATUS:
        if counts[st] or expected[st]:
            print("%-20s %8d %8d" % (st, counts[st], expected[st]))
    print("wrong verdicts: %d" % len(wrong))
    for e in wrong[:20]:
        print("  " + e)
    print("jobs without a verdict: %d%s" % (len(missing), (" (e.g. %s)" % ", ".join(missing[:5]))
                                            if missing else ""))
    print("jobs answered twice: %d" % len(twice))
    print("worker fds: %d at start, %d at end (peak %d)" % (fd_start, fd_end, peak["fd"]))
    print("worker VmRSS: %d KiB at start, %d KiB at end (peak %d KiB)" %
          (rss_start, rss_end, peak["rss"]))
    print("leaked processes: %d" % len(procs))
    for p in procs[:10]:
        print("  " + p)
    print("leaked cgroups: %d" % len(cgs))
    for c in cgs[:10]:
        print("  " + c)
    print("leaked mounts: %d" % len(mnts))
    for m in mnts[:10]:
        print("  " + m)

    failures = []
    if wrong or missing or twice:
        failures.append("verdicts")
    if rc != 0:
        failures.append("worker exit code %s" % rc)
    if procs or cgs or mnts:
        failures.append("leftovers")
    if fd_end > fd_start:
        failures.append("fd leak (%d -> %d)" % (fd_start, fd_end))
    if rss_end - rss_start > a.rss_slack * 1024:
        failures.append("RSS grew by %d KiB" % (rss_end - rss_start))
    print("result: %s" % ("FAIL: " + ", ".join(failures) if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
