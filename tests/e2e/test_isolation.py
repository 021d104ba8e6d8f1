#!/usr/bin/env python3
"""Isolation checks made from inside the sandbox by the `inspect` payload
(contract: "Inside the sandbox"), each value asserted here."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os

import jb

MiB = 1 << 20
NS = ["pid", "net", "mnt", "ipc", "uts", "user", "cgroup"]
DEV_REQUIRED = ["null", "zero", "full", "random", "urandom", "fd", "stdin", "stdout", "stderr",
                "shm"]
# Host devices that must never show up in the box's /dev.
DEV_FORBIDDEN = ["kmsg", "mem", "kmem", "port", "sda", "vda", "nvme0", "nvme0n1", "loop0",
                 "loop-control", "kvm", "fuse", "vsock", "zram0", "btrfs-control", "hwrng",
                 "cpu_dma_latency", "vga_arbiter", "console", "tty0", "tty1", "ttyS0", "mapper",
                 "disk", "block", "char", "dri", "snd", "input", "userfaultfd", "net", "vhost-net"]
EMPTY_OK = ["/home", "/root", "/var", "/srv", "/opt", "/mnt"]


# The default view binds these host directories: a checkout under one of them
# is visible by design, so it cannot be asserted absent.
VIEW_PREFIXES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


# Directories the box provides itself (a checkout in /tmp/x makes its parent
# /tmp one of the paths to hide: the box's own /tmp is not the host's).
BOX_OWN = ("/tmp", "/box", "/dev", "/proc", "/sys", "/etc", "/dev/shm")


def hidden_paths(paths):
    """The host paths that must be absent in the box: duplicates, / and those
    under the default view dropped (with a note)."""
    out = []
    for p in dict.fromkeys(paths):
        if p in ("", "/"):
            continue
        if p in BOX_OWN:
            jb.diag("not checking '%s': the box has its own" % p)
            continue
        if any(p == v or p.startswith(v + "/") for v in VIEW_PREFIXES):
            jb.diag("not checking '%s': it lies under the default view" % p)
            continue
        out.append(p)
    return out


def host_ns():
    return {n: os.readlink("/proc/self/ns/" + n) for n in NS if os.path.exists("/proc/self/ns/" + n)}


def net_dev_ifaces(text):
    """Interface names from /proc/net/dev joined with ';' by inspect."""
    return [line.split(":")[0].strip() for line in text.split(";")[2:] if ":" in line]


def check_inside(prefix, run, host_hostname, strict_paths):
    """Run `inspect basic PATHS` through run(args, flags) and assert everything.
    Used as root here and as nobody by test_unprivileged.py."""
    paths = EMPTY_OK + strict_paths
    v = run("inspect", ["basic"] + paths, [])
    jb.field(prefix + "inspect ran OK", v, "status", "OK")
    f = jb.kv_lines(v.get("stdout", ""))
    if not jb.check(prefix + "inspect printed its facts", "pid" in f and "Seccomp" in f,
                    jb.verdict_summary(v)):
        return f

    # PID namespace: init is PID 1, the program is its child, nothing else is visible.
    jb.check(prefix + "program is not PID 1", f.get("pid") not in ("1", None), f.get("pid"))
    jb.eq(prefix + "program's parent is PID 1 (init)", f.get("ppid"), "1")
    init = f.get("pid1_comm", "") + " " + f.get("pid1_cmdline", "")
    jb.check(prefix + "PID 1 is judgebox's init", "judgebox" in init or "init" in init, init)
    jb.check(prefix + "PID 1 is not the program", f.get("pid1_comm") != f.get("self_comm"), init)
    pids = set(f.get("proc_pids", "").split(","))
    jb.check(prefix + "/proc shows only init and the program", pids <= {"1", f.get("pid")},
             f.get("proc_pids"))

    # UTS, NET and all the other namespaces are fresh.
    jb.check(prefix + "hostname is not the host's",
             f.get("hostname") not in ("", None, host_hostname),
             "%r vs host %r" % (f.get("hostname"), host_hostname))
    for n, ino in host_ns().items():
        jb.check(prefix + "fresh %s namespace" % n, f.get("ns[%s]" % n) not in (ino, None),
                 "%s vs host %s" % (f.get("ns[%s]" % n), ino))
    jb.eq(prefix + "/proc/net/dev lists only lo", net_dev_ifaces(f.get("net_dev", "")), ["lo"])
    jb.eq(prefix + "lo is up (127.0.0.1 in the local table)", f.get("lo_fib"), "up")
    scn = f.get("sys_class_net", "")
    jb.check(prefix + "/sys/class/net absent or only lo", scn == "lo" or scn.startswith("E"), scn)

    # Users and privileges.
    for key in ("uid_map", "gid_map"):
        lines = [l.split() for l in f.get(key, "").split(";") if l.strip()]
        jb.check(prefix + "%s present" % key, len(lines) > 0, f.get(key))
        jb.check(prefix + "%s does not map to host id 0" % key,
                 all(len(l) == 3 and l[1] != "0" for l in lines), f.get(key))
    for key in ("uid", "euid", "gid", "egid"):
        jb.check(prefix + "%s is not 0 inside" % key, f.get(key) not in (None, "0"), f.get(key))
    for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"):
        jb.eq(prefix + "%s is 0" % cap, f.get(cap), "0000000000000000")
    jb.eq(prefix + "NoNewPrivs 1", f.get("NoNewPrivs"), "1")
    jb.eq(prefix + "Seccomp 2 (filter)", f.get("Seccomp"), "2")

    # Filesystem: read-only root, writable /box (the cwd) and /tmp.
    for p in ("/", "/usr"):
        jb.eq(prefix + "%s is mounted read-only" % p, f.get("rdonly[%s]" % p), "1")
    for key in ("create[/]", "mkdir[/]", "create[/usr]", "mkdir[/usr]", "create[/etc]"):
        jb.eq(prefix + "%s fails with EROFS" % key, f.get(key), "EROFS")
    for p in ("/box", "/tmp", "/dev/shm"):
        jb.eq(prefix + "%s is writable" % p, f.get("create[%s]" % p), "OK")
    jb.eq(prefix + "cwd is /box", f.get("cwd"), "/box")
    jb.eq(prefix + "HOME is /box", f.get("home"), "/box")
    for p in EMPTY_OK:
        st = f.get("path[%s]" % p)
        jb.check(prefix + "host's %s absent (or an empty mount point)" % p,
                 st in ("absent", "empty"), st)
    for p in strict_paths:
        jb.eq(prefix + "%s is absent" % p, f.get("path[%s]" % p), "absent")

    # A minimal /dev.
    jb.eq(prefix + "/dev/null works", f.get("dev_null"), "ok")
    jb.eq(prefix + "/dev/zero reads zeros", f.get("dev_zero"), "ok")
    jb.eq(prefix + "/dev/full gives ENOSPC", f.get("dev_full"), "ENOSPC")
    jb.eq(prefix + "/dev/urandom reads", f.get("dev_urandom"), "ok")
    dev = set(f.get("dev_entries", "").split(","))
    jb.check(prefix + "/dev has null zero full random urandom fd std* shm",
             set(DEV_REQUIRED) <= dev, "missing %s" % sorted(set(DEV_REQUIRED) - dev))
    jb.check(prefix + "/dev has none of the host's devices", not dev & set(DEV_FORBIDDEN),
             "found %s" % sorted(dev & set(DEV_FORBIDDEN)))
    extra = sorted(dev - set(DEV_REQUIRED))
    if extra:
        jb.diag(prefix + "/dev also has: %s" % ",".join(extra))
    jb.eq(prefix + "/dev/fd -> /proc/self/fd", f.get("link[/dev/fd]"), "/proc/self/fd")
    for i, s in enumerate(("stdin", "stdout", "stderr")):
        jb.eq(prefix + "/dev/%s -> /proc/self/fd/%d" % (s, i), f.get("link[/dev/%s]" % s),
              "/proc/self/fd/%d" % i)
    return f


INET_POLICY = """# e2e: ci plus AF_INET sockets, to probe the box's own loopback from inside
include ci
allow socket
"""


def check_net(prefix, run):
    """lo's flags (AF_UNIX socket ioctl: ci policy), then TCP over 127.0.0.1 and
    a UDP connect out under a test policy allowing AF_INET, found through
    JB_POLICY_PATH (judgebox reads it: a policy not found there fails)."""
    v = run("inspect", ["net"], ["--policy", "ci"])
    jb.field(prefix + "inspect net (ci policy) ran OK", v, "status", "OK")
    f = jb.kv_lines(v.get("stdout", ""))
    try:
        flags = int(f.get("lo_flags", ""), 16)
    except ValueError:
        flags = 0
    jb.check(prefix + "lo is UP (SIOCGIFFLAGS)", flags & 0x1, f.get("lo_flags"))
    jb.check(prefix + "lo is a loopback (SIOCGIFFLAGS)", flags & 0x8, f.get("lo_flags"))
    jb.eq(prefix + "no eth0 in the box (SIOCGIFFLAGS)", f.get("eth0_flags"), "ENODEV")

    jb.tmpfile("e2e-inet.policy", INET_POLICY.encode())
    saved = os.environ.get("JB_POLICY_PATH")
    os.environ["JB_POLICY_PATH"] = "%s:%s" % (jb.tmpdir(), os.path.join(jb.SOURCE_DIR, "policies"))
    try:
        v = run("inspect", ["inet"], ["--policy", "e2e-inet"])
    finally:
        if saved is None:
            del os.environ["JB_POLICY_PATH"]
        else:
            os.environ["JB_POLICY_PATH"] = saved
    jb.field(prefix + "inspect inet (AF_INET policy) ran OK", v, "status", "OK")
    f = jb.kv_lines(v.get("stdout", ""))
    jb.eq(prefix + "TCP over 127.0.0.1 works", f.get("lo_tcp"), "ok")
    jb.check(prefix + "no route out of the box", f.get("external_udp") not in ("connected", None),
             f.get("external_udp"))


def main():
    jb.require_binary()
    before = jb.snapshot()
    marker = os.path.join("/tmp", "jbe2e-marker-%s" % jb.TOKEN)
    with open(marker, "w") as m:
        m.write("host tmp\n")
    try:
        def run(name, args, flags):
            return jb.run_payload(name, args, flags)

        strict = hidden_paths([marker, jb.SOURCE_DIR, jb.BUILD_DIR, jb.PAYLOADS,
                               os.path.dirname(jb.SOURCE_DIR)])
        f = check_inside("", run, jb.host_hostname(), strict)
        check_net("", run)

        # The limits reach the program as rlimits.
        jb.eq("default open_files -> RLIMIT_NOFILE 256", f.get("rlimit_nofile"), "256")
        jb.eq("default file size (= box) -> RLIMIT_FSIZE 64 MiB", f.get("rlimit_fsize"),
              str(64 * MiB))
        jb.eq("default stack (= memory) -> RLIMIT_STACK 256 MiB", f.get("rlimit_stack"),
              str(256 * MiB))
        jb.eq("no core dumps", f.get("rlimit_core"), "0")
        v = jb.run_payload("inspect", ["basic"],
                           ["--open-files", "20", "--file-size", "3M", "--stack", "16M"])
        g = jb.kv_lines(v.get("stdout", ""))
        jb.eq("--open-files 20 -> RLIMIT_NOFILE", g.get("rlimit_nofile"), "20")
        jb.eq("--file-size 3M -> RLIMIT_FSIZE", g.get("rlimit_fsize"), str(3 * MiB))
        jb.eq("--stack 16M -> RLIMIT_STACK", g.get("rlimit_stack"), str(16 * MiB))

        # Processes left behind die with the namespace, at once (ci: fork allowed).
        mid = jb.snapshot()
        v = jb.run_payload("orphan", [3, 100], ["--policy", "ci"])
        jb.field("orphans: the program itself is OK", v, "status", "OK")
        jb.field("orphans: spawned", v, "stdout", "spawned 3\n")
        jb.check("orphans: judgebox did not wait for them (no time-out)", v.get("_rc") is not None,
                 v.get("_stderr", b"")[-200:])
        jb.assert_no_leftovers(mid, "orphans: none survive the job")
    finally:
        os.unlink(marker)
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
