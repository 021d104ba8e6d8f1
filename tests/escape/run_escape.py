#!/usr/bin/env python3
"""The adversarial suite: run every payload of tests/escape/progs inside
judgebox and check that nothing got out.

Each payload NAME.c starts with comment lines the runner reads:

    // escape: what it attacks (one line, for people)
    // expect: STATUS [SYSCALL | ~REGEX]     the verdict it must get
    // run: FLAGS                           extra `judgebox run` flags
    // args: ARGS                           the payload's arguments
                                            (run and args may take several lines)
    // host: CHECK ...                      host-side checks (see HOST_CHECKS)
    // check: CONDITION                     one verdict condition per line
    // needs: FEATURE                       a host feature the attack needs
                                            (int80); on a host without it
                                            the payload must fault as the
                                            host does (SIGNALED 11)

{placeholders} in run/args are filled in by the runner: {port} {hostip}
{abstract} {unixpath} {victim} {srcdir} {hostuser} {token} {stdin64}.

Every payload runs as `timeout 60 judgebox run --json --copy [FLAGS] --
PAYLOAD ARGS TOKEN`; the TOKEN (unique per run) ends argv so that every
process of the job carries it in /proc/PID/cmdline. After each run the host
is checked: no process of the job left (token, or a box uid in a pid
namespace whose judgebox is gone), no judgebox mount in our mount namespace,
no judgebox-* cgroup left by a judgebox that has ended, and the payload's
own checks. A payload never says "ESCAPED:" or "BROKEN:" on stdout.

Output: TAP ("ok N - name", "not ok N - name" and "# ..." diagnostics), then
"N passed, M failed". Exit 0 when all passed, 1 otherwise, 77 when the host
cannot run a sandbox at all (no user namespaces or seccomp notification).

Usage: run_escape.py [--list] [NAME ...]
Environment: JB_BIN (judgebox), JB_ESCAPE_PROGS (built payloads),
JB_SOURCE_DIR (the checkout).
"""
import codecs
import ctypes
import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("JB_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
JB = os.environ.get("JB_BIN") or os.path.join(SRC, "build", "judgebox")
PROGS = os.environ.get("JB_ESCAPE_PROGS") or os.path.join(SRC, "build", "tests", "escape", "progs")
OUTER_TIMEOUT = 60
BOX_UIDS = range(60000, 60100)
IS_ROOT = os.geteuid() == 0
RUN_ID = "jbesc%dx" % os.getpid()
KILL_STATUSES = {"SYSCALL_VIOLATION", "MEMORY_LIMIT", "TIME_LIMIT", "WALL_TIME_LIMIT"}
LIMIT_FLAGS = {  # run flag -> (Verdict.limits field, unit to bytes/ms)
    "--memory": "memory_bytes", "--processes": "processes", "--open-files": "open_files",
    "--output-limit": "output_bytes", "--box-size": "box_bytes", "--file-size": "file_size_bytes",
    "--time": "cpu_time_ms", "--wall-time": "wall_time_ms",
}


class Failure(Exception):
    pass


# ---- payload metadata ---------------------------------------------------

def read_meta(path):
    meta = {"name": os.path.basename(path)[:-2], "check": [], "host": [], "run": "", "args": ""}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^// (\w+): (.*)$", line.rstrip("\n"))
            if not m:
                break
            key, val = m.group(1), m.group(2).strip()
            if key not in ("escape", "expect", "run", "args", "host", "check", "needs"):
                raise SystemExit("%s: unknown metadata key '%s'" % (path, key))
            if key == "check":
                meta["check"].append(val)
            elif key == "host":
                meta["host"] += val.split()
            elif key in ("run", "args"):  # may go on over several lines
                meta[key] = (meta[key] + " " + val).strip()
            else:
                meta[key] = val
    for key in ("escape", "expect"):
        if key not in meta:
            raise SystemExit("%s: no '// %s:' line" % (path, key))
    exp = meta["expect"].split(None, 1)
    meta["status"] = exp[0]
    meta["syscall"] = exp[1] if len(exp) > 1 else None
    if meta["status"] == "SYSCALL_VIOLATION" and not meta["syscall"]:
        raise SystemExit("%s: SYSCALL_VIOLATION without the syscall's name" % path)
    return meta


# ---- the host: processes, mounts, cgroups -------------------------------

def read_text(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data if binary else data.decode("utf-8", "replace")
    except OSError:
        return None


def proc_status(pid):
    st = read_text("/proc/%d/status" % pid)
    if st is None:
        return None
    out = {}
    for line in st.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.split()
    return out


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def cmdline(pid):
    c = read_text("/proc/%d/cmdline" % pid, binary=True)
    return c.replace(b"\0", b" ").decode("utf-8", "replace") if c is not None else ""


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def become_subreaper():
    """Orphans of our jobs (an init whose judgebox died, a process that got
    out of its namespace) are reparented to us, not to the host's init: a
    leftover is then any descendant of ours we did not start."""
    PR_SET_CHILD_SUBREAPER = 36
    return libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def reap_strays(keep):
    """Collect zombies reparented to us (none of them a fixture in keep)."""
    for pid in all_pids():
        st = proc_status(pid)
        if st and st.get("PPid", ["0"])[0] == str(os.getpid()) and pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def box_leftovers(token, keep=()):
    """Processes that outlived their job (call once its judgebox has ended):
    any carrying the token in its argv, and any other descendant of ours
    (box uid 60000-60099 when root) that is not a fixture in keep."""
    me, found, procs = os.getpid(), [], {}
    for pid in all_pids():
        st = proc_status(pid)
        if st is not None and "PPid" in st:
            procs[pid] = st
    for pid, st in procs.items():
        cl = cmdline(pid)
        state = (st.get("State") or ["?"])[0]
        if pid == me or pid in keep or state in ("Z", "X"):
            continue
        uid = int(st["Uid"][0])
        what = "pid %d (uid %d, state %s, ns pids %s) '%s'" % (
            pid, uid, state, "/".join(st.get("NSpid", [])), cl[:120])
        if token in cl:
            found.append(what)
            continue
        if IS_ROOT and uid not in BOX_UIDS:
            continue
        up, hops = int(st["PPid"][0]), 0
        while up not in (0, 1, me) and up in procs and hops < 64:
            up, hops = int(procs[up]["PPid"][0]), hops + 1
        if up == me:
            found.append(what)
    return found


def judgebox_mounts():
    mi = read_text("/proc/self/mountinfo") or ""
    return {line for line in mi.splitlines() if "judgebox" in line}


def judgebox_cgroups():
    found = set()
    for depth in range(0, 6):  # 0: the root of a pure v2 host
        pattern = "/sys/fs/cgroup/" + "*/" * depth + "judgebox-*"
        found.update(glob.glob(pattern))
    return found


def stale_cgroups(before, pids):
    """New cgroups named after one of our (ended) judgebox processes. Other
    judgebox-* come and go: other users of the host run jobs too."""
    names = {"judgebox-%d" % p for p in pids}
    return sorted(cg for cg in judgebox_cgroups() - before
                  if any(part in names for part in cg.split("/")))


# ---- host fixtures and checks --------------------------------------------

def host_ip():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))
        ip = s.getsockname()[0]
        s.close()
        return ip if not ip.startswith("127.") else "none"
    except OSError:
        return "none"


def libc():
    return ctypes.CDLL(None, use_errno=True)


class Run:
    """One payload run: its fixtures, its judgebox process, its verdict."""
    counter = 0

    def __init__(self, meta, suite):
        Run.counter += 1
        self.meta = meta
        self.suite = suite
        self.token = "%s%d" % (RUN_ID, Run.counter)
        self.fixtures = {}
        self.cleanups = []
        self.notes = []
        self.during = []  # threads probing the host while the job runs
        self.starts = 0
        self.judgeboxes = []  # pids of this run's judgebox processes (ended)

    def current_pid(self):
        """judgebox's pid in the latest run, once its pidfile is written."""
        path = os.path.join(self.suite.tmp, "pid-%s-%d" % (self.token, self.starts))
        try:
            with open(path) as f:
                return int(f.read())
        except (OSError, ValueError):
            return 0

    def cleanup(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # a fixture's cleanup must not hide results
                self.notes.append("cleanup: %s" % e)

    # placeholders ------------------------------------------------------
    def fill(self, text):
        def sub(m):
            key = m.group(1)
            if key not in self.fixtures:
                self.fixtures[key] = getattr(self, "fx_" + key)()
            return str(self.fixtures[key])
        return re.sub(r"\{(\w+)\}", sub, text)

    def fx_token(self):
        return self.token

    def fx_srcdir(self):
        return SRC

    def fx_hostuser(self):
        for line in (read_text("/etc/passwd") or "").splitlines():
            name = line.split(":")[0]
            if name and name not in ("root", "nobody", "box"):
                return name
        return "daemon"

    def fx_hostip(self):
        return host_ip()

    def fx_stdin64(self):
        return self.suite.stdin64()

    def fx_port(self):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("0.0.0.0", 0))
        tcp.listen(16)
        tcp.setblocking(False)
        port = tcp.getsockname()[1]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(("0.0.0.0", port))
            udp.setblocking(False)
        except OSError:
            udp.close()
            udp = None
        self.fixtures["_tcp"], self.fixtures["_udp"] = tcp, udp
        self.cleanups.append(tcp.close)
        if udp:
            self.cleanups.append(udp.close)
        return port

    def fx_abstract(self):
        name = "jbesc-%s" % self.token
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0" + name)
        s.listen(8)
        s.setblocking(False)
        self.fixtures["_abstract_sock"] = s
        self.cleanups.append(s.close)
        return name

    def fx_unixpath(self):
        path = "/tmp/jbesc-%s.sock" % self.token
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        os.chmod(path, 0o777)
        s.listen(8)
        s.setblocking(False)
        self.fixtures["_path_sock"] = s
        self.cleanups.append(s.close)
        self.cleanups.append(lambda: os.unlink(path))
        return path

    def fx_victim(self):
        """A host process for the payload to kill: as the box's own host uid
        when root (so only the pid namespace protects it)."""
        kw = {"user": 60000, "group": 60000} if IS_ROOT else {}
        p = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL, **kw)
        self.fixtures["_victim"] = p
        self.cleanups.append(lambda: (p.kill(), p.wait()))
        return p.pid


class Suite:
    def __init__(self):
        self._stdin64 = None
        self.tmp = tempfile.mkdtemp(prefix="jbesc-")

    def stdin64(self):
        if not self._stdin64:
            self._stdin64 = os.path.join(self.tmp, "stdin64")
            with open(self._stdin64, "wb") as f:
                chunk = b"0123456789abcdef" * 65536
                for _ in range(64):
                    f.write(chunk)
        return self._stdin64

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# Host checks: (before(run) -> state, after(run, state) -> list of problems).
def hc_listener_after(run, _):
    bad = []
    tcp, udp = run.fixtures.get("_tcp"), run.fixtures.get("_udp")
    try:
        conn, addr = tcp.accept()
        bad.append("host TCP listener accepted a connection from %s" % (addr,))
        conn.close()
    except BlockingIOError:
        pass
    if udp:
        try:
            data, addr = udp.recvfrom(100)
            bad.append("host UDP socket got %r from %s" % (data, addr))
        except BlockingIOError:
            pass
    return bad


def hc_unix_after(run, _):
    bad = []
    for key in ("_abstract_sock", "_path_sock"):
        s = run.fixtures.get(key)
        if not s:
            continue
        try:
            c, _ = s.accept()
            bad.append("host AF_UNIX listener %s accepted a connection" % key)
            c.close()
        except BlockingIOError:
            pass
    return bad


def hc_victim_after(run, _):
    p = run.fixtures.get("_victim")
    if p and p.poll() is not None:
        return ["host victim pid %d died (status %s)" % (p.pid, p.returncode)]
    return []


def hc_hostname_before(run):
    return socket.gethostname()


def hc_hostname_after(run, before):
    now = socket.gethostname()
    return [] if now == before else ["host hostname changed %r -> %r" % (before, now)]


def hc_clock_before(run):
    return time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC)


def hc_clock_after(run, before):
    now = time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC)
    return [] if abs(now - before) < 1.0 else ["host clock moved by %.3f s" % (now - before)]


ROOTFS_FILES = ["/etc/ld.so.cache", "/etc/passwd", "/etc/hosts", "/usr/bin/env",
                "/etc/localtime", "/etc/nsswitch.conf"]
ROOTFS_DIRS = ["", "/usr", "/usr/bin", "/usr/lib", "/etc", "/lib", "/bin", "/sbin",
               "/usr/local/bin"]


def file_id(path):
    try:
        st = os.lstat(path)
        return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino, st.st_uid)
    except OSError as e:
        return str(e)


def hc_rootfs_before(run):
    return {p: file_id(p) for p in ROOTFS_FILES}


def hc_rootfs_after(run, before):
    bad = ["host '%s' changed" % p for p in ROOTFS_FILES if file_id(p) != before[p]]
    for d in ROOTFS_DIRS:
        for suffix in ("", ".ln"):
            p = "%s/%s%s" % (d, run.token, suffix)
            if os.path.lexists(p):
                bad.append("host '%s' created" % p)
    return bad


def dmesg_sysrq():
    try:
        out = subprocess.run(["dmesg"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return sum(1 for line in out.stdout.splitlines() if b"sysrq" in line.lower())


def hc_sysrq_before(run):
    n = dmesg_sysrq()
    if n is None:
        run.notes.append("dmesg unreadable: sysrq effect not checked on the host")
    return n


def hc_sysrq_after(run, before):
    n = dmesg_sysrq()
    if before is None or n is None:
        return []
    return [] if n == before else ["kernel log got %d new sysrq lines" % (n - before)]


PROC_SYS = ["/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
            "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe",
            "/proc/sys/kernel/sysrq", "/proc/sys/fs/file-max", "/proc/sys/net/ipv4/ip_forward",
            "/proc/sys/kernel/ns_last_pid"]


def hc_proc_sys_before(run):
    return {p: read_text(p) for p in PROC_SYS if "ns_last_pid" not in p}


def hc_proc_sys_after(run, before):
    return ["host %s changed %r -> %r" % (p, v, read_text(p))
            for p, v in before.items() if read_text(p) != v]


def hc_leaked_fd_before(run):
    fd, path = tempfile.mkstemp(prefix="jbesc-leak-", dir=run.suite.tmp)
    os.set_inheritable(fd, True)
    run.pass_fds = (fd,)
    run.cleanups.append(lambda: (os.close(fd), os.unlink(path)))
    return path


def hc_leaked_fd_after(run, path):
    size = os.path.getsize(path)
    return [] if size == 0 else ["the leaked host file got %d bytes" % size]


def host_probe(code):
    """Run a python snippet as a separate host process (as the runner's
    user); it exits 0 when the host resource still works."""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=20)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace").strip()


INOTIFY_PROBE = """
import ctypes, os, sys
l = ctypes.CDLL(None, use_errno=True)
fd = l.inotify_init1(0)
if fd < 0:
    print("inotify_init1 on the host:", os.strerror(ctypes.get_errno())); sys.exit(1)
"""

SIGQUEUE_PROBE = """
import ctypes, os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
l = ctypes.CDLL(None, use_errno=True)
class V(ctypes.Union): _fields_ = [("i", ctypes.c_int), ("p", ctypes.c_void_p)]
if l.sigqueue(os.getpid(), signal.SIGRTMIN, V(0)) < 0:
    print("sigqueue on the host:", os.strerror(ctypes.get_errno())); sys.exit(1)
"""


def during_probe(code, what):
    def before(run):
        res = {}

        def later():
            # The payload makes /box/ready once it has used the resource up,
            # then holds it 3 s; root sees its /box through /proc/PID/root.
            pid = wait_for_token(run.token)
            end = time.monotonic() + 20
            while time.monotonic() < end:
                if pid and os.path.exists("/proc/%d/root/box/ready" % pid):
                    break
                time.sleep(0.02)
            else:
                run.notes.append("the payload's /box/ready was not seen: probed anyway")
            res["r"] = host_probe(code)
        t = threading.Thread(target=later)
        run.during.append(t)
        return res

    def after(run, res):
        if "r" not in res:
            return ["%s: the probe did not run" % what]
        rc, out = res["r"]
        return [] if rc == 0 else ["while the job ran, %s failed: %s" % (what, out)]
    return before, after


SUPERVISOR_RSS_MAX = 128 << 20


def hc_rss_before(run):
    """Watch judgebox's own peak RSS (VmHWM) while it runs: the job's limits
    bound the job, and what the supervisor holds for it must stay bounded too."""
    res = {"peak": 0}

    def watch():
        end = time.monotonic() + OUTER_TIMEOUT + 5
        pid = 0
        while time.monotonic() < end and not res.get("done"):
            if not pid:
                pid = run.current_pid()
            st = proc_status(pid) if pid else None
            if pid and st is None and res["peak"]:
                break
            if st and "VmHWM" in st:
                res["peak"] = max(res["peak"], int(st["VmHWM"][0]) * 1024)
            time.sleep(0.01)
    t = threading.Thread(target=watch)
    run.during.append(t)
    return res


def hc_rss_after(run, res):
    res["done"] = True
    peak = res["peak"]
    if not peak:
        return ["the supervisor's RSS could not be watched"]
    return [] if peak < SUPERVISOR_RSS_MAX else [
        "judgebox's peak RSS %d MiB (bound %d MiB): the job made the supervisor hold it"
        % (peak >> 20, SUPERVISOR_RSS_MAX >> 20)]


HOST_CHECKS = {
    "supervisor_rss": (hc_rss_before, hc_rss_after),
    "listener": (None, hc_listener_after),
    "unix_listener": (None, hc_unix_after),
    "victim": (None, hc_victim_after),
    "hostname": (hc_hostname_before, hc_hostname_after),
    "clock": (hc_clock_before, hc_clock_after),
    "rootfs_unchanged": (hc_rootfs_before, hc_rootfs_after),
    "sysrq": (hc_sysrq_before, hc_sysrq_after),
    "proc_sys": (hc_proc_sys_before, hc_proc_sys_after),
    "leaked_fd": (hc_leaked_fd_before, hc_leaked_fd_after),
    "inotify_during": during_probe(INOTIFY_PROBE, "root's inotify_init1"),
    "sigqueue_during": during_probe(SIGQUEUE_PROBE, "root's sigqueue"),
    "cross_job": (None, None),  # handled by run_cross_job
}


# ---- host features a payload needs ------------------------------------------

# mov eax, 20 (i386 getpid); int $0x80; ret: run bare, in a child python.
INT80_PROBE = """
import ctypes, mmap
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(b"\\xb8\\x14\\x00\\x00\\x00\\xcd\\x80\\xc3")
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
print(ctypes.CFUNCTYPE(ctypes.c_int)(addr)())
"""


def feature_missing(name, cache={}):
    """Why the host lacks a feature a payload needs, or None. int80: some
    hosts (Firecracker/PVM guests) refuse int $0x80 in the kernel itself,
    a SIGSEGV even outside any sandbox: the i386 ABI is then unreachable,
    and a payload using it proves nothing. Anything but that SIGSEGV
    counts as present, so the payload runs and must get its verdict."""
    if name not in cache:
        if name != "int80":
            raise SystemExit("unknown feature %r in a '// needs:' line" % name)
        r = subprocess.run([sys.executable, "-c", INT80_PROBE], capture_output=True,
                           timeout=20)
        cache[name] = (None if r.returncode != -signal_number("SIGSEGV") else
                       "this host's kernel refuses int $0x80 itself (SIGSEGV outside "
                       "any sandbox): the i386 ABI is unreachable here")
    return cache[name]


def signal_number(name):
    import signal
    return int(getattr(signal, name))


# ---- running judgebox ------------------------------------------------------

def judgebox_cmd(run, flags, args, pidfile):
    """timeout 60 judgebox run ...; the sh in between writes its pid, which
    exec makes judgebox's own (its cgroups are named judgebox-PID)."""
    prog = os.path.join(PROGS, run.meta["name"])
    return (["timeout", str(OUTER_TIMEOUT), "sh", "-c", 'echo $$ > "$0"; exec "$@"', pidfile,
             JB, "run", "--json", "--copy"] + flags + ["--", prog] + args + [run.token])


def judgebox_env(flags):
    env = dict(os.environ)
    env["JBESC_SECRET"] = "operator-secret"  # env_leak: must not reach the job
    if "--policy" in flags:
        name = flags[flags.index("--policy") + 1]
        if os.path.exists(os.path.join(HERE, "policies", name + ".policy")):
            env["JB_POLICY_PATH"] = "%s:%s" % (os.path.join(HERE, "policies"),
                                               os.path.join(SRC, "policies"))
    return env


def start_judgebox(run, flags, args):
    run.starts += 1
    pidfile = os.path.join(run.suite.tmp, "pid-%s-%d" % (run.token, run.starts))
    cmd = judgebox_cmd(run, flags, args, pidfile)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=judgebox_env(flags),
                         pass_fds=getattr(run, "pass_fds", ()))
    p.cmd = cmd
    p.pidfile = pidfile
    p.t0 = time.monotonic()
    return p


def finish_judgebox(run, p):
    out, err = p.communicate()
    elapsed = time.monotonic() - p.t0
    try:
        with open(p.pidfile) as f:
            run.judgeboxes.append(int(f.read()))
        os.unlink(p.pidfile)
    except (OSError, ValueError):
        pass
    if p.returncode == 124:
        raise Failure("judgebox did not finish within %d s (outer timeout)" % OUTER_TIMEOUT)
    lines = [l for l in out.decode(errors="replace").splitlines() if l.strip()]
    try:
        v = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise Failure("no JSON verdict (exit %d); stdout %r stderr %r"
                      % (p.returncode, out[-300:], err[-300:]))
    v["_elapsed"] = elapsed
    return v


def expand(run, text):
    return shlex.split(run.fill(text)) if text else []


# ---- verdict checks ---------------------------------------------------------

def show(v):
    keep = ("status", "exit_code", "signal", "syscall", "message", "cpu_time_us",
            "wall_time_us", "memory_peak_bytes", "denied_syscalls", "stdout_truncated",
            "stderr_truncated")
    d = {k: v.get(k) for k in keep}
    d["stdout"] = (v.get("stdout") or "")[:300]
    d["stderr"] = (v.get("stderr") or "")[:200]
    return json.dumps(d)


def check_expected(meta, v, flags):
    bad = []
    st = v.get("status")
    if st != meta["status"]:
        bad.append("status %s, expected %s" % (st, meta["status"]))
    want = meta["syscall"]
    if st == "SYSCALL_VIOLATION" and want:
        got = v.get("syscall", "")
        ok = re.search(want[1:], got) if want.startswith("~") else got == want
        if not ok:
            bad.append("syscall %r, expected %r" % (got, want))
        if not v.get("message"):
            bad.append("SYSCALL_VIOLATION with an empty message")
    if st != "SYSCALL_VIOLATION" and v.get("syscall"):
        bad.append("syscall %r set on a %s verdict" % (v.get("syscall"), st))
    if st == meta["status"] == "OK" and (v.get("exit_code") != 0 or v.get("signal") != 0):
        bad.append("OK with exit_code %s signal %s" % (v.get("exit_code"), v.get("signal")))
    if st == meta["status"] and st in KILL_STATUSES and v.get("signal") != 9:
        bad.append("%s but signal %s, expected 9 (judgebox's kill)" % (st, v.get("signal")))
    out = v.get("stdout") or ""
    for tag in ("ESCAPED:", "BROKEN:"):
        for line in out.splitlines():
            if line.startswith(tag):
                bad.append("payload says: %s" % line[:200])
    if st != "INVALID_JOB":
        bad += check_limits(v, flags)
    return bad


def parse_size(s):
    m = re.match(r"^([\d.]+)([KMGT]?)$", s)
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2)]
    return int(float(m.group(1)) * mult)


def check_limits(v, flags):
    bad = []
    lim = v.get("limits") or {}
    for i, f in enumerate(flags[:-1]):
        field = LIMIT_FLAGS.get(f)
        if not field:
            continue
        val = flags[i + 1]
        want = (int(float(val) * 1000) if field.endswith("_ms")
                else int(val) if field in ("processes", "open_files") else parse_size(val))
        if lim.get(field) != want:
            bad.append("limits.%s = %s, expected %s (from %s %s)"
                       % (field, lim.get(field), want, f, val))
    return bad


def unescape(s):
    return codecs.decode(s, "unicode_escape")


def check_condition(cond, v):
    """One '// check:' condition; returns a problem or None."""
    m = re.match(r"^(stdout|stderr)=(.*)$", cond)
    if m:
        got, want = v.get(m.group(1)) or "", unescape(m.group(2))
        return None if got == want else "%s %r, expected %r" % (m.group(1), got[:200], want)
    m = re.match(r"^(stdout|stderr)~(.*)$", cond)
    if m:
        got = v.get(m.group(1)) or ""
        return None if re.search(m.group(2), got) else "%s lacks /%s/" % (m.group(1), m.group(2))
    m = re.match(r"^(stdout|stderr)_len=(\d+)$", cond)
    if m:
        n = len((v.get(m.group(1)) or "").encode())
        return None if n == int(m.group(2)) else "%s is %d bytes, expected %s" % (
            m.group(1), n, m.group(2))
    if cond in ("stdout_truncated", "stderr_truncated"):
        return None if v.get(cond) is True else "%s is %s" % (cond, v.get(cond))
    m = re.match(r"^denied~(\w+)$", cond)
    if m:
        d = v.get("denied_syscalls") or []
        return None if m.group(1) in d else "denied_syscalls %s lacks %s" % (d, m.group(1))
    m = re.match(r"^cpus=(.*)$", cond)
    if m:
        return None if v.get("cpus") == m.group(1) else "cpus %r, expected %r" % (
            v.get("cpus"), m.group(1))
    m = re.match(r"^(signal|exit)=(\d+)$", cond)
    if m:
        key = "signal" if m.group(1) == "signal" else "exit_code"
        return None if v.get(key) == int(m.group(2)) else "%s %s, expected %s" % (
            key, v.get(key), m.group(2))
    m = re.match(r"^(wall|cpu|elapsed)(<|>=)([\d.]+)$", cond)
    if m:
        secs = {"wall": v.get("wall_time_us", 0) / 1e6, "cpu": v.get("cpu_time_us", 0) / 1e6,
                "elapsed": v.get("_elapsed", 0)}[m.group(1)]
        lim = float(m.group(3))
        ok = secs < lim if m.group(2) == "<" else secs >= lim
        return None if ok else "%s %.3f s, expected %s %s" % (m.group(1), secs, m.group(2), lim)
    m = re.match(r"^file(\d+)_(error~(.*)|empty)$", cond)
    if m:
        files = v.get("files") or []
        i = int(m.group(1))
        if i >= len(files):
            return "files[%d] missing (%d files)" % (i, len(files))
        f = files[i]
        if m.group(2) == "empty":
            return None if not f.get("content") else "files[%d] has content %r" % (
                i, f.get("content")[:80])
        return None if re.search(m.group(3), f.get("error") or "") else (
            "files[%d].error %r lacks /%s/" % (i, f.get("error"), m.group(3)))
    return "unknown check condition %r" % cond


# ---- one payload ----------------------------------------------------------------

def run_payload(meta, suite):
    """Run one payload; returns (problems, notes)."""
    run = Run(meta, suite)
    bad = []
    mounts0, cgroups0 = judgebox_mounts(), judgebox_cgroups()
    try:
        flags, args = expand(run, meta["run"]), expand(run, meta["args"])
        states = {}
        for name in meta["host"]:
            if name not in HOST_CHECKS:
                raise Failure("unknown host check %r" % name)
            before = HOST_CHECKS[name][0]
            states[name] = before(run) if before else None
        if "cross_job" in meta["host"]:
            verdict = run_cross_job(run, flags, bad)
        else:
            p = start_judgebox(run, flags, args)
            for t in run.during:
                t.start()
            try:
                verdict = finish_judgebox(run, p)
            finally:
                for t in run.during:
                    t.join()
        bad += check_expected(meta, verdict, flags)
        for cond in meta["check"]:
            problem = check_condition(cond, verdict)
            if problem:
                bad.append(problem)
        for name in meta["host"]:
            after = HOST_CHECKS[name][1]
            if after:
                bad += after(run, states[name])
        if bad:
            run.notes.append("verdict: " + show(verdict))
    except Failure as e:
        bad.append(str(e))
    finally:
        run.cleanup()
    bad += host_clean(run, mounts0, cgroups0)
    return bad, run.notes


def host_clean(run, mounts0, cgroups0):
    bad = []
    for _ in range(20):  # the kernel reaps a dead namespace asynchronously
        reap_strays(())
        left = box_leftovers(run.token)
        if not left:
            break
        time.sleep(0.1)
    bad += ["left behind: %s" % l for l in left]
    bad += ["judgebox mount in the host's namespace: %s" % m
            for m in judgebox_mounts() - mounts0]
    bad += ["cgroup left behind: %s" % c for c in stale_cgroups(cgroups0, run.judgeboxes)]
    return bad


def wait_for_token(token, timeout=10):
    """Host pid of the holder job's program (its argv carries the token)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for pid in all_pids():
            cl = cmdline(pid)
            st = proc_status(pid)
            ns = st.get("NSpid", []) if st else []
            if token in cl and len(ns) > 1 and ns[-1] != "1":  # the program, not init
                return pid
        time.sleep(0.05)
    return 0


def run_cross_job(run, flags, bad):
    """Holder and probe: two jobs at once; the probe must find nothing of the
    holder, and the holder must not hear from the probe."""
    holder = start_judgebox(run, flags, ["hold", run.token])
    host_pid = wait_for_token(run.token)
    if not host_pid:
        bad.append("the holder job never showed up on the host")
    try:
        probe = start_judgebox(run, flags, ["probe", run.token, str(host_pid)])
        pv = finish_judgebox(run, probe)
    finally:
        hv = finish_judgebox(run, holder)  # never leave the holder running
    for who, v in (("probe", pv), ("holder", hv)):
        problems = check_expected(run.meta, v, flags)
        bad += ["%s: %s" % (who, p) for p in problems]
        if problems:
            run.notes.append("%s verdict: %s" % (who, show(v)))
    if "holder: no connection arrived" not in (hv.get("stdout") or ""):
        bad.append("holder did not report: %r" % (hv.get("stdout") or "")[:200])
    return pv


# ---- main -----------------------------------------------------------------------

def environment_missing():
    """Why this host cannot run any sandbox at all (no user namespaces, no
    seccomp notification), or None. A judgebox that crashes or answers
    wrongly is not a reason to skip: the payloads then fail, one by one."""
    try:
        r = subprocess.run([JB, "run", "--json", "--", "/bin/true"], capture_output=True,
                           timeout=OUTER_TIMEOUT)
        v = json.loads(r.stdout.decode().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None
    msg = v.get("message", "")
    if v.get("status") == "INTERNAL_ERROR" and re.search(
            r"user namespaces disabled|kernel < 5|no user-notification", msg):
        return msg
    return None


def main(argv):
    metas = [read_meta(p) for p in sorted(glob.glob(os.path.join(HERE, "progs", "*.c")))]
    if "--list" in argv:
        for m in metas:
            print("%-24s %-32s %s" % (m["name"], m["expect"], m["escape"]))
        return 0
    names = [a for a in argv if not a.startswith("-")]
    if names:
        unknown = set(names) - {m["name"] for m in metas}
        if unknown:
            print("unknown payload(s): %s" % " ".join(sorted(unknown)), file=sys.stderr)
            return 2
        metas = [m for m in metas if m["name"] in names]
    why = environment_missing()
    if why:
        print("1..0 # SKIP this host cannot run a sandbox: %s" % why)
        return 77
    if not become_subreaper():
        print("# cannot become a child subreaper: orphans are found by their token only")
    suite = Suite()
    print("1..%d" % (len(metas) + 1))
    passed = failed = 0
    try:
        for i, meta in enumerate(metas, 1):
            why = meta.get("needs") and feature_missing(meta["needs"])
            if why:
                # The host faults the call before any filter sees it: what
                # must hold then is that it faults in the box too (SIGSEGV,
                # the call never ran), not a skip.
                print("# %s: %s; expecting SIGNALED 11 as on the host" % (meta["name"], why))
                meta = dict(meta, status="SIGNALED", syscall=None, expect="SIGNALED (signal 11)",
                            check=meta["check"] + ["signal=11"])
            if not os.path.exists(os.path.join(PROGS, meta["name"])):
                bad, notes = ["payload not built: %s" % os.path.join(PROGS, meta["name"])], []
            else:
                bad, notes = run_payload(meta, suite)
            print("%s %d - %s" % ("not ok" if bad else "ok", i, meta["name"]))
            print("# %s -> %s" % (meta["escape"], meta["expect"]))
            for line in bad + notes:
                print("#   %s" % line)
            sys.stdout.flush()
            passed, failed = passed + (not bad), failed + bool(bad)
        reap_strays(())
        left = box_leftovers(RUN_ID)
        final = "%s %d - host: nothing left behind by the suite" % (
            "not ok" if left else "ok", len(metas) + 1)
        print(final)
        for l in left:
            print("#   left behind: %s" % l)
        passed, failed = passed + (not left), failed + bool(left)
    finally:
        suite.close()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
