#!/usr/bin/env python3
"""Every limit at its smallest values is the job's business (issue 13,
item 6): `/bin/echo hi` under each limit's small values must end with a
status the job caused (OK, RUNTIME_ERROR, OUTPUT_LIMIT, ...), never
INTERNAL_ERROR (the sandbox failing in the job's place), and with the
status expected where it is obvious. One limit is small at a time; the
others keep their defaults, the wall time a generous one (except when the
wall time is the limit swept)."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import jb

KiB, MiB = 1 << 10, 1 << 20
LONG_WALL = ["--wall-time", "60"]  # a busy shared host must not decide these cases
JOB_STATUSES = {"OK", "RUNTIME_ERROR", "SIGNALED", "TIME_LIMIT", "WALL_TIME_LIMIT",
                "MEMORY_LIMIT", "OUTPUT_LIMIT"}

# (flags, the status expected or None when several are honest, why)
CASES = [
    (["--time", "0.001"], None, "cpu 1 ms: OK or TIME_LIMIT, whichever the program reaches"),
    (["--wall-time", "0.001"], "WALL_TIME_LIMIT", "wall 1 ms: exec alone takes longer"),
    (["--processes", "1"], "OK", "one task: echo needs no other"),
    (["--output-limit", "1"], "OUTPUT_LIMIT", "output 1 byte: 'hi\\n' is 3"),
    (["--output-limit", "3"], "OK", "output 3 bytes: exactly 'hi\\n' is OK"),
    (["--file-size", "1"], "OK", "file size 1 byte: echo writes no file"),
    (["--stack", "4K"], None, "stack 4 KiB: the program may not start"),
    (["--stack", "64K"], None, "stack 64 KiB"),
    (["--box-size", "4K"], "OK", "box 4 KiB: echo needs none of it"),
    (["--box-size", "64K"], "OK", "box 64 KiB"),
]
CASES += [(["--memory", size], None, "memory %s" % size)
          for size in ("4K", "16K", "64K", "256K", "1M")]
CASES += [(["--open-files", str(n)], None, "open files %d" % n) for n in range(1, 13)]
# echo itself needs 0-2 and, dynamic, one descriptor at a time for its
# libraries: from 4 on it must run.
OPEN_FILES_OK = 4


def expected(flags, want):
    if flags[0] == "--open-files" and int(flags[1]) >= OPEN_FILES_OK:
        return "OK"
    return want


def sweep():
    for flags, want, why in CASES:
        wall = [] if flags[0] == "--wall-time" else LONG_WALL
        v = jb.run_json(flags + wall + ["--", "/bin/echo", "hi"], timeout=120)
        name = " ".join(flags)
        st = v.get("status")
        jb.diag("%s (%s): %s" % (name, why, jb.verdict_summary(v)))
        jb.check("%s: a status the job caused, not INTERNAL_ERROR" % name, st in JOB_STATUSES,
                 jb.verdict_summary(v))
        want = expected(flags, want)
        if want:
            jb.field("%s: %s" % (name, want), v, "status", want)


def policy_notifies_nofile():
    # A policy that kills prlimit64(RLIMIT_NOFILE): judgebox sets that limit
    # itself after the filter is loaded, and that call is not the program's;
    # the program's own is, from its execve on.
    import os
    with open(os.path.join(jb.SOURCE_DIR, "policies", "default.policy")) as f:
        text = f.read().replace("allow prlimit64 if arg0 == 0\n",
                                "allow prlimit64 if arg0 == 0 and arg1 == 3\n"
                                "kill prlimit64 if arg1 == 7\n")
    jb.tmpfile("nofile.policy", text.encode())
    env = dict(os.environ, JB_POLICY_PATH="%s:%s" % (jb.tmpdir(),
                                                      os.path.join(jb.SOURCE_DIR, "policies")))
    for cmd, want in ((["/bin/echo", "hi"], "OK"),
                      (["/bin/sh", "-c", "ulimit -n 5"], "SYSCALL_VIOLATION")):
        v = jb.parse_json(jb.run([jb.JB_BIN, "run", "--json", "--policy", "nofile",
                                  "--open-files", "7"] + LONG_WALL + ["--"] + cmd, env=env))
        jb.field("policy killing prlimit64(NOFILE): %s is %s" % (" ".join(cmd), want), v,
                 "status", want)


def main():
    jb.require_binary()
    before = jb.snapshot()
    sweep()
    policy_notifies_nofile()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
