#!/usr/bin/env python3
"""What the box learns about the supervisor and its init (contract: "Inside
the sandbox"; issue 13 items 4, 5 and 16), checked from inside by the
`identity` payload:

- nothing of the supervisor's argv, environment or host paths anywhere under
  /proc: a marker in `run`'s flags (--id, --stdin and --file host paths), in
  `exec`'s (--allow-rootfs) and in judgebox's environment must not show up
  in what the program (or an interactor) reads of /proc/1 and /proc/self;
  /proc/1/cmdline is exactly "jb-init";
- PID 1 is out of the program's reach when judgebox is root: kill, prlimit,
  setpriority and /proc/1/{environ,mem,maps,fd,cwd,root,exe} all fail, also
  under a policy that lets prlimit64 and setpriority through to the kernel;
  init and the box user have distinct host ids as README says
  (--uid-base + R and --uid-base + 2N + 1 + R), and without cgroups
  RLIMIT_NPROC still counts processes exactly; unprivileged (nobody),
  what README and SECURITY.md say still holds;
- /etc holds exactly the entries README lists, none of the host's secrets
  (environment, shadow, its hostname)."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import subprocess
import time

import jb

# README "What the program sees": the host's /etc entries a box gets (those
# the host has), the prefixes, and what judgebox writes itself.
ETC_NAMES = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
             "timezone", "ssl", "nsswitch.conf", "host.conf", "gai.conf", "protocols",
             "services", "mime.types", "locale.alias"]
ETC_PREFIXES = ["java-", "python3"]
ETC_OWN = ["passwd", "group", "hosts", "hostname"]
ETC_NEVER = ["environment", "shadow", "gshadow", "profile", "sudoers", "machine-id",
             "resolv.conf", "ld.so.preload", "subuid"]
# The attempts on init and what a root supervisor makes them fail with.
PID1_DENIED = {"kill0": "EPERM", "kill_term": "EPERM", "prlimit_get": "EPERM",
               "prlimit_set": "EPERM", "setpriority": "EPERM", "environ": "EACCES",
               "mem": "EACCES", "maps": "EACCES", "fd": "EACCES", "cwd": "EACCES",
               "root": "EACCES", "exe": "EACCES"}
# Under a policy that lets these two reach the kernel.
PID1_POLICY = """# e2e: default plus prlimit64 and setpriority on any pid: the kernel decides
include default
allow prlimit64 setpriority
"""
DEFAULT_UID_BASE = 60000


def expected_etc():
    host = os.listdir("/etc")
    want = {n for n in ETC_NAMES if os.path.lexists(os.path.join("/etc", n))}
    want |= {n for n in host if any(n.startswith(p) for p in ETC_PREFIXES)}
    return sorted(want | set(ETC_OWN))


def check_etc(p, run):
    v = run("identity", ["etc"], [])
    jb.field(p + "identity etc ran OK", v, "status", "OK")
    got = sorted(v.get("stdout", "").split())
    jb.eq(p + "/etc lists exactly README's entries", got, expected_etc())
    for name in ETC_NEVER:
        jb.check(p + "/etc/%s is not in the box" % name, name not in got, repr(got))
    v = jb.run_json(["--", "/bin/cat", "/etc/hostname"])
    jb.field("/etc/hostname is the box's own", v, "stdout", "box\n")


def scrub_markers(mark):
    """A scratch dir named by mark, with a stdin file and a --file source."""
    d = os.path.join(jb.tmpdir(), mark + "-dir")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    stdin = os.path.join(d, mark + ".in")
    with open(stdin, "w") as f:
        f.write("17\n")
    src = os.path.join(d, mark + "-src")
    with open(src, "w") as f:
        f.write("data\n")
    for path in (stdin, src):
        os.chmod(path, 0o644)
    return d, stdin, src


def check_dump(name, out, mark):
    """out: everything the payload printed (bytes)."""
    jb.check(name + ": the dump read /proc/1 and /proc/self",
             b"== /proc/1/status ==" in out and b"== /proc/self/mountinfo ==" in out,
             out[:300])
    jb.check(name + ": /proc/1/cmdline is exactly 'jb-init'",
             b"== /proc/1/cmdline ==\njb-init|\n" in out,
             out[out.find(b"/proc/1/cmdline"):][:200])
    at = out.find(mark.encode())
    jb.check(name + ": no marker of the supervisor's argv or environment", at < 0,
             "found at %d: %r" % (at, out[max(0, at - 200):at + 100]))


def check_scrubbed(p, user):
    mark = "jbidmark%s" % jb.TOKEN.replace("-", "x")
    d, stdin, src = scrub_markers(mark)
    env = dict(os.environ, JB_IDENTITY_SECRET=mark + "-env")
    cmd = [jb.JB_BIN, "run", "--json", "--id", mark + "-id", "--stdin", stdin,
           "--file", src + ":data.txt", "--output-limit", "64M", "--copy", "--",
           jb.payload("identity"), "dump"]
    v = jb.parse_json(jb.run(cmd, user=user, env=env))
    jb.field(p + "run: identity dump OK", v, "status", "OK")
    check_dump(p + "run", jb.out_bytes(v) + jb.out_bytes(v, "stderr"), mark)

    # exec: the operator's flags and environment.
    res = jb.run([jb.JB_BIN, "job", "--output-limit", "64M", "--copy", "--",
                  jb.payload("identity"), "dump"])
    out = jb.run([jb.JB_BIN, "exec", "--allow-rootfs", d], stdin=res.stdout, user=user, env=env)
    try:
        ev = jb.decode_verdict(out.stdout)
    except ValueError:
        ev = {}
    jb.eq(p + "exec: identity dump OK", ev.get("status"), "OK")
    check_dump(p + "exec", bytes(ev.get("stdout") or b""), mark)

    # An interactive pair: the interactor's box shows nothing either.
    ij = jb.run([jb.JB_BIN, "job", "--output-limit", "64M", "--copy", "--",
                 jb.payload("identity"), "dump", "stderr"])
    job = jb.tmpfile("identity-interactor.job", ij.stdout)
    cmd = [jb.JB_BIN, "run", "--json", "--id", mark + "-id", "--interactor", job,
           "--file", src + ":data.txt", "--output-limit", "64M", "--copy", "--",
           jb.payload("identity"), "dump", "stderr"]
    v = jb.parse_json(jb.run(cmd, user=user, env=env))
    i = v.get("interactor") or {}
    jb.eq(p + "interactive: both sides OK", (v.get("status"), i.get("status")), ("OK", "OK"))
    check_dump(p + "interactive program", jb.out_bytes(v, "stderr"), mark)
    check_dump(p + "interactor", jb.out_bytes(i, "stderr"), mark)


def check_host_view(mark):
    """From the host, as root, while a job sleeps: init's environment and
    argv areas hold nothing of the supervisor's (the program cannot read
    /proc/1/environ at all; this checks that the strings are gone too)."""
    env = dict(os.environ, JB_IDENTITY_SECRET=mark + "-env")
    p = subprocess.Popen([jb.JB_BIN, "run", "--id", mark + "-id", "--", "/bin/sleep", "3"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        init, deadline = None, time.monotonic() + 10
        while init is None and time.monotonic() < deadline:
            init = next((pid for pid, (_, comm) in jb.descendants(p.pid).items()
                         if comm == "jb-init"), None)
            time.sleep(0.01)
        areas = {}
        for name in ("environ", "cmdline"):
            try:
                with open("/proc/%d/%s" % (init or 0, name), "rb") as f:
                    areas[name] = f.read()
            except OSError as e:
                areas[name] = str(e).encode()
    finally:
        p.wait(timeout=30)
    jb.eq("host view: init's cmdline is 'jb-init'", areas.get("cmdline"), b"jb-init\0")
    env_area = areas.get("environ", b"")
    jb.check("host view: init's environment area is all zeros",
             env_area and not env_area.strip(b"\0"), repr(env_area[:200]))


def pid1(run, flags=()):
    v = run("identity", ["pid1"], list(flags))
    return v, jb.kv_lines(v.get("stdout", ""))


def policy_flags():
    path = jb.tmpfile("e2e-pid1.policy", PID1_POLICY.encode())
    os.environ["JB_POLICY_PATH"] = "%s:%s" % (os.path.dirname(path),
                                              os.path.join(jb.SOURCE_DIR, "policies"))
    return ["--policy", "e2e-pid1"]


def check_box_files(p, f):
    jb.eq(p + "the program is uid 1000", f.get("self_uid"), "1000")
    jb.eq(p + "/box is the box user's", f.get("box_owner"), "1000:1000")
    jb.eq(p + "/box is writable", f.get("box_write"), "OK")
    jb.eq(p + "/tmp is writable", f.get("tmp_write"), "OK")


def check_pid1_root(run):
    for flags, what in (([], "default policy"), (policy_flags(), "prlimit64/setpriority allowed")):
        v, f = pid1(run, flags)
        jb.field("pid1 (%s): OK, init survived" % what, v, "status", "OK")
        for key, err in PID1_DENIED.items():
            jb.eq("pid1 (%s): %s is %s" % (what, key, err), f.get(key), err)
        check_box_files("pid1 (%s): " % what, f)
    # The ids: README's allocation for a run (run index 0, N = 1).
    v = run("cat_file", ["/proc/self/uid_map"], [])
    maps = sorted(tuple(l.split()) for l in v.get("stdout", "").splitlines())
    base = DEFAULT_UID_BASE
    jb.eq("uid_map: init is 0 -> --uid-base + 3, the box user 1000 -> --uid-base", maps,
          [("0", str(base + 3), "1"), ("1000", str(base), "1")])
    v = run("cat_file", ["/proc/self/gid_map"], [])
    maps = sorted(tuple(l.split()) for l in v.get("stdout", "").splitlines())
    jb.eq("gid_map: the same ids", maps, [("0", str(base + 3), "1"), ("1000", str(base), "1")])


def check_pid1_nobody(run):
    """Unprivileged: one id only (SECURITY.md). kill(1, ...) is allowed and
    dropped by the kernel (a namespace's init without handlers); prlimit and
    setpriority on init are the policy's EPERM; /proc/1 stays closed (init is
    not dumpable and holds capabilities the program has not)."""
    v, f = pid1(run)
    jb.field("nobody pid1: OK, init survived SIGTERM", v, "status", "OK")
    jb.eq("nobody pid1: kill(1, 0) works (same uid, documented)", f.get("kill0"), "OK")
    for key in ("prlimit_get", "prlimit_set", "setpriority"):
        jb.eq("nobody pid1: %s is the policy's EPERM" % key, f.get(key), "EPERM")
    for key in ("environ", "mem", "maps", "fd", "cwd", "root", "exe"):
        jb.eq("nobody pid1: /proc/1 %s is EACCES" % key, f.get(key), "EACCES")
    check_box_files("nobody pid1: ", f)


FORKS_PY = b"""import os, time
n = 0
while True:
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    except OSError as e:
        print("children", n)
        break
"""


def check_nproc_fallback(p, user):
    """Without cgroups RLIMIT_NPROC bounds the tasks of the box user's uid:
    processes 4 is the main process and 3 children, whether init shares
    the uid (counted: the limit is one higher) or has its own."""
    if not os.access("/usr/bin/python3", os.X_OK):
        jb.diag("no /usr/bin/python3: the NPROC check is skipped")
        return
    src = jb.tmpfile("forks.py", FORKS_PY)
    v = jb.run_json(["--cgroup", "none", "--processes", "4", "--policy", "ci", "--file",
                     src + ":f.py", "--", "/usr/bin/python3", "f.py"], user=user)
    jb.field(p + "no cgroups, processes 4: 3 children besides the main process", v, "stdout",
             "children 3\n")


def check_uid_base():
    for bad in ("0", "4294967290"):
        res = jb.run([jb.JB_BIN, "exec", "--uid-base", bad], stdin=b"")
        jb.eq("exec --uid-base %s: usage error, exit 2" % bad, res.rc, 2)
        jb.check("... the message names --uid-base", b"--uid-base" in res.stderr, repr(res))


def main():
    jb.require_binary()
    before = jb.snapshot()
    root = os.geteuid() == 0

    def run(name, args, flags):
        return jb.run_payload(name, args, flags)

    check_etc("", run)
    check_scrubbed("", None)
    if root:
        check_host_view("jbidmark%s" % jb.TOKEN.replace("-", "x"))
        check_pid1_root(run)
        check_nproc_fallback("", None)
        check_uid_base()
        if jb.SETPRIV:
            saved = os.environ.pop("JB_POLICY_PATH", None)

            def run_nobody(name, args, flags):
                return jb.run_payload(name, args, flags, user="nobody")
            check_pid1_nobody(run_nobody)
            check_nproc_fallback("nobody: ", "nobody")
            check_scrubbed("nobody: ", "nobody")
            check_etc("nobody: ", run_nobody)
            if saved is not None:
                os.environ["JB_POLICY_PATH"] = saved
        else:
            jb.diag("setpriv is not installed: the unprivileged checks are skipped")
    else:
        check_pid1_nobody(run)
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
