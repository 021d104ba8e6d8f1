#!/usr/bin/env python3
"""The operator flags exec shares with the worker (executor/opflags.c):
--cpus pins the slot (Verdict.cpus, and the program's affinity), --uid-base
is the box's host uid, and a bad --cpus is a usage error (exit 2).
tests/redis/test_worker_opflags.py checks the same through `judgebox
worker` with the helpers below."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
import jb
import jbstream

AFFINITY = ["/bin/grep", "Cpus_allowed_list", "/proc/self/status"]
SLEEP = ["/bin/sleep", "2"]


def make_job(id, argv):
    return jbstream.job_bytes(jb.JB_BIN, ["--id", id], argv)


def show(verdict):
    """One Verdict protobuf as JSON dicts, through `judgebox show` (it knows
    every field, Verdict.cpus included)."""
    return jbstream.verdicts_json(jb.JB_BIN, jbstream.frame(verdict))


def host_uid(pid):
    """The real uid of pid as the host sees it, or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            uids = [line.split()[1] for line in f if line.startswith("Uid:")]
    except OSError:
        return None
    return int(uids[0]) if uids else None


def box_uid(root_pid, comm, timeout=20):
    """The host uid of the first descendant of root_pid called comm (the
    job's program, seen from outside the box), waiting up to timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, (_, c) in jb.descendants(root_pid).items():
            if c == comm and host_uid(pid) is not None:
                return host_uid(pid)
        time.sleep(0.02)
    return None


def check_pinned(name, v, cpu):
    jb.field("%s: OK" % name, v, "status", "OK")
    jb.field("%s: Verdict.cpus" % name, v, "cpus", cpu)
    jb.check("%s: the program ran on CPU %s only" % (name, cpu),
             "Cpus_allowed_list:\t%s\n" % cpu in v.get("stdout", ""), repr(v.get("stdout")))


def check_bad_cpus(cmd):
    """cmd (argv up to the operator flags) refuses bad --cpus with exit 2."""
    for bad in ("abc", ",", "0-x"):
        res = jb.run(cmd + ["--cpus", bad], stdin=b"")
        jb.eq("%s --cpus '%s': usage error, exit 2" % (cmd[1], bad), res.rc, 2)
        jb.check("... the message names --cpus", b"--cpus" in res.stderr, repr(res))


def main():
    jb.require_binary()
    before = jb.snapshot()
    check_bad_cpus([jb.JB_BIN, "exec"])
    res = jb.run([jb.JB_BIN, "exec", "--help"])
    for flag in (b"--cpus", b"--uid-base", b"--max-memory", b"--allow-rootfs"):
        jb.check("exec --help lists %s" % flag.decode(), flag in res.stdout, repr(res))

    res = jb.run([jb.JB_BIN, "exec", "--cpus", "0"], stdin=make_job("pin", AFFINITY))
    jb.eq("exec --cpus 0: exit 0", res.rc, 0)
    vs = show(res.stdout)
    jb.eq("exec --cpus 0: one verdict", len(vs), 1)
    check_pinned("exec --cpus 0", vs[0] if vs else {}, "0")

    if os.geteuid() != 0:
        jb.diag("not root: --uid-base is not used, skipping its check")
    else:
        p = subprocess.Popen([jb.JB_BIN, "exec", "--uid-base", "61000"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(make_job("uid", SLEEP))
        p.stdin.close()
        jb.eq("exec --uid-base 61000: the program's host uid", box_uid(p.pid, "sleep"), 61000)
        out = p.stdout.read()
        p.stdout.close()
        p.wait(timeout=60)
        jb.eq("... and it ran to the end", [v["status"] for v in show(out)], ["OK"])
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
