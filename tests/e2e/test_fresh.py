#!/usr/bin/env python3
"""A box in a long stream is as fresh as the first one. From a stream's second
job on, the read-only root is a copy of one template the supervisor built
(mount.h), and each slot reuses its emptied cgroup: nothing an earlier job
left (files in /box, /tmp or /dev/shm, processes, SysV and POSIX IPC objects,
mounts) may be seen by a later one, the hostname is box, and the view
(mounts, /etc, ownership of what the box writes) must be the one a single
run gets."""
import os
import re
import sys
sys.dont_write_bytecode = True
import jb
import jbstream

# Leaves traces everywhere it can: files, a background process, IPC objects.
DIRTY = r"""
echo dirty > /box/left-in-box; echo dirty > /tmp/left-in-tmp; echo dirty > /dev/shm/left-in-shm
mkdir -p /box/d/e; echo x > /box/d/e/f
(sleep 30 &) ; (setsid sleep 30 &)
python3 - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print("shmget", libc.shmget(0x4a42, 4096, 0o1666))
print("msgget", libc.msgget(0x4a43, 0o1666))
print("semget", libc.semget(0x4a44, 1, 0o1666))
fd = os.open("/dev/shm/sem.jb", os.O_CREAT | os.O_RDWR, 0o666)
print("posix", fd >= 0)
EOF
echo done
"""

# Reports what it finds; the same script for the fresh single run.
PROBE = r"""
echo "box: $(ls -A /box | tr '\n' ' ')"
echo "tmp: $(ls -A /tmp | tr '\n' ' ')"
echo "shm: $(ls -A /dev/shm | tr '\n' ' ')"
ls /proc > /dev/shm/.procs # in this shell: init, sh and ls, not a pipeline's race
echo "procs: $(grep -c '^[0-9]' /dev/shm/.procs)"
echo "host: $(hostname)"
echo "sysv: $(cat /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem | grep -vc key)"
echo "mqueue: $(ls -A /dev/mqueue 2>/dev/null | wc -l)"
echo "root: $(grep -c ' / / ro,nosuid,nodev,noatime ' /proc/self/mountinfo)"
echo "mounts: $(cut -d' ' -f5,6,9 /proc/self/mountinfo | sed 's/noatime/relatime/' | sort | tr '\n' ';')"
echo "etc: $(ls /etc | tr '\n' ' ')"
echo "passwd: $(md5sum < /etc/passwd)"
echo "write-root: $(touch /x 2>&1 | sed 's/.*: //')"
echo "write-etc: $(touch /etc/passwd 2>&1 | sed 's/.*: //')"
touch /box/mine /tmp/mine; echo "own: $(stat -c '%U %a' /box/mine /tmp/mine /box /tmp | tr '\n' ' ')"
"""


# ci plus the SysV IPC calls the dirty job uses (ci has none of them).
ENV = None
POLICY = "include ci\nallow shmget msgget semget\n"


def job(script, id):
    return jb.run([jb.JB_BIN, "job", "--id", id, "--policy", "fresh", "--", "/bin/sh", "-c",
                   script], env=ENV).stdout


def stream(jobs, parallel):
    res = jb.run([jb.JB_BIN, "exec", "--stream", "--parallel", str(parallel)],
                 stdin=jbstream.frames(jobs), timeout=180, env=ENV)
    return jbstream.verdicts_json(jb.JB_BIN, res.stdout, check=False)


def report(v):
    return dict(l.split(": ", 1) for l in jb.out_bytes(v).decode().splitlines() if ": " in l)


def main():
    jb.require_binary()
    before = jb.snapshot()
    global ENV
    pdir = jb.tmpdir()
    with open(os.path.join(pdir, "fresh.policy"), "w") as f:
        f.write(POLICY)
    ENV = dict(os.environ, JB_POLICY_PATH=pdir + ":" + os.path.join(jb.SOURCE_DIR, "policies"))
    single = jb.parse_json(jb.run([jb.JB_BIN, "run", "--json", "--policy", "fresh", "--",
                                   "/bin/sh", "-c", PROBE], env=ENV))
    jb.field("single run probe", single, "status", "OK")
    want = report(single)
    jb.check("fresh box: /box, /tmp, /dev/shm empty",
             want.get("box") == "" and want.get("tmp") == "" and want.get("shm") == "",
             str(want))
    for parallel in (1, 2):
        jobs = []
        for i in range(4):
            jobs += [job(DIRTY, "dirty%d" % i), job(PROBE, "probe%d" % i)]
        vs = {v["id"]: v for v in stream(jobs, parallel)}
        jb.eq("p%d: every job answered" % parallel, len(vs), len(jobs))
        for i in range(4):
            d = vs.get("dirty%d" % i, {})
            jb.field("p%d dirty%d" % (parallel, i), d, "status", "OK")
            jb.check("p%d dirty%d left IPC objects" % (parallel, i),
                     re.search(r"shmget [0-9]", jb.out_bytes(d).decode()) is not None,
                     jb.out_bytes(d).decode())
            p = vs.get("probe%d" % i, {})
            jb.field("p%d probe%d" % (parallel, i), p, "status", "OK")
            got = report(p)
            if os.geteuid() == 0:  # the template needs root (mount.h)
                jb.eq("p%d probe%d runs in a copy of the template" % (parallel, i),
                      got.pop("root", None), "1")
            for key in sorted(k for k in want if k != "root"):
                jb.eq("p%d probe%d sees the fresh box's %s" % (parallel, i, key),
                      got.get(key), want[key])
    jb.cleanup_tmp()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
