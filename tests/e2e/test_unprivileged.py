#!/usr/bin/env python3
"""judgebox started by an ordinary user (nobody, through setpriv): the
statuses, the measurements and the isolation basics still hold (contract:
"judgebox works when started as root ... and as an ordinary user")."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os

import jb
import test_isolation

USER = "nobody"


def skip_unless_possible():
    if not jb.SETPRIV:
        jb.skip_all("setpriv is not installed")
    if os.geteuid() != 0:
        jb.skip_all("needs root to become nobody")
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            if int(f.read()) == 0:
                jb.skip_all("user namespaces are disabled (user.max_user_namespaces = 0)")
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/sys/kernel/unprivileged_userns_clone") as f:
            if int(f.read()) == 0:
                jb.skip_all("unprivileged user namespaces are disabled")
    except (OSError, ValueError):
        pass
    for path in (jb.JB_BIN, jb.payload("spin")):
        res = jb.run(["test", "-x", path], user=USER)
        if res.rc != 0:
            jb.skip_all("nobody cannot execute '%s' (%r)" % (path, res))


def run(name, args, flags):
    return jb.run_payload(name, args, flags, user=USER)


def main():
    jb.require_binary()
    skip_unless_possible()
    before = jb.snapshot()
    p = "nobody: "

    v = jb.run_json(["--", "/bin/echo", "hi"], user=USER)
    jb.field(p + "echo hi is OK", v, "status", "OK")
    jb.field(p + "echo hi stdout", v, "stdout", "hi\n")
    jb.field(p + "echo hi exit_code 0", v, "exit_code", 0)
    jb.check(p + "echo hi wall_time_us measured", 0 < v.get("wall_time_us", 0) < 10_000_000,
             jb.verdict_summary(v))

    v = run("exit_code", [3], [])
    jb.field(p + "exit 3 is RUNTIME_ERROR", v, "status", "RUNTIME_ERROR")
    jb.field(p + "exit 3 exit_code", v, "exit_code", 3)
    v = run("segv", [], [])
    jb.field(p + "segv is SIGNALED 11", v, "signal", 11)

    v = run("spin", [], ["--time", "1", "--wall-time", "60"])
    jb.field(p + "spin --time 1 is TIME_LIMIT", v, "status", "TIME_LIMIT")
    jb.field(p + "spin signal 9", v, "signal", 9)
    cpu = v.get("cpu_time_us", 0)
    jb.check(p + "spin cpu_time_us > 1 s", cpu > 1_000_000, jb.verdict_summary(v))
    jb.check(p + "spin cpu_time_us < 1.15 s", v.get("cpu_time_us", 1 << 40) < 1_150_000,
             jb.verdict_summary(v))
    v = run("burn", [600, 0, 2], ["--time", "5", "--wall-time", "60", "--policy", "ci"])
    jb.field(p + "children burning 600 ms is OK", v, "status", "OK")
    jb.check(p + "children's CPU measured (>= 0.56 s)", v.get("cpu_time_us", 0) >= 560_000,
             jb.verdict_summary(v))

    v = jb.run_json(["--wall-time", "1", "--", "/bin/sleep", "100"], user=USER)
    jb.field(p + "sleep 100 --wall-time 1 is WALL_TIME_LIMIT", v, "status", "WALL_TIME_LIMIT")
    jb.check(p + "wall_time_us < 1.15 s (kill latency)", v.get("wall_time_us", 1 << 40) < 1_150_000,
             jb.verdict_summary(v))
    jb.check(p + "wall_time_us > 1 s", v.get("wall_time_us", 0) > 1_000_000, jb.verdict_summary(v))

    v = run("write_bytes", [100_000_000, 1], ["--output-limit", "1M"])
    jb.field(p + "100 MB of output under 1M is OUTPUT_LIMIT", v, "status", "OUTPUT_LIMIT")
    jb.eq(p + "1 MiB kept", len(jb.out_bytes(v)), 1 << 20)

    for call in ("ptrace", "mount", "unshare", "bpf"):
        v = run("try_syscall", [call], [])
        jb.field(p + "%s is SYSCALL_VIOLATION" % call, v, "status", "SYSCALL_VIOLATION")
        jb.field(p + "%s named" % call, v, "syscall", call)
    v = run("try_syscall", ["perf_event_open"], [])
    jb.field(p + "perf_event_open is an errno (OK)", v, "status", "OK")
    jb.check(p + "perf_event_open listed in denied_syscalls",
             "perf_event_open" in v.get("denied_syscalls", []), repr(v.get("denied_syscalls")))

    res, verdict = jb.exec_job(b"\x0a\xff\xff\xff\xff\x0f", user=USER)
    jb.eq(p + "exec of garbage exits 0", res.rc, 0)
    jb.check(p + "exec of garbage is INVALID_JOB",
             verdict is not None and verdict["status"] == "INVALID_JOB", repr(res))

    marker = os.path.join("/tmp", "jbe2e-marker-%s" % jb.TOKEN)
    with open(marker, "w") as m:
        m.write("host tmp\n")
    try:
        strict = test_isolation.hidden_paths([marker, jb.SOURCE_DIR, jb.BUILD_DIR,
                                              os.path.dirname(jb.SOURCE_DIR)])
        test_isolation.check_inside(p, run, jb.host_hostname(), strict)
        test_isolation.check_net(p, run)
    finally:
        os.unlink(marker)

    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
