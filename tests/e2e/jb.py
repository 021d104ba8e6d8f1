"""Shared helpers for the judgebox end-to-end tests (python3 stdlib only).

Each tests/e2e/test_*.py is one ctest test. ctest passes JB_BIN (the judgebox
binary), JB_PAYLOADS (the built testdata/progs), JB_SOURCE_DIR and
JB_BUILD_DIR. Output is TAP-ish ("ok N - name" / "not ok N - name # detail"),
then "N passed, M failed" on a line alone; exit 1 on any failure, 77 = skip.

Leftovers: at import, this process becomes a child subreaper, so a process
that judgebox leaves behind (even one whose parent died) stays our
descendant and is found by snapshot()/assert_no_leftovers(), whatever else
runs on the machine. Every process we start also carries JB_E2E_TOKEN, which
finds a judgebox that escaped our tree.
"""

import base64
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import jbstream

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("JB_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("JB_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
JB_BIN = os.environ.get("JB_BIN") or os.path.join(BUILD_DIR, "judgebox")
PAYLOADS = os.environ.get("JB_PAYLOADS") or os.path.join(BUILD_DIR, "testdata")

NOBODY = 65534
SETPRIV = shutil.which("setpriv")
TOKEN = "%d-%d" % (os.getpid(), random.randrange(1 << 30))
os.environ["JB_E2E_TOKEN"] = TOKEN

PR_SET_CHILD_SUBREAPER = 36
try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
except OSError:  # leftovers are then only found through the token
    pass

STATUSES = jbstream.STATUSES
LIMIT_FIELDS = jbstream.LIMIT_FIELDS
VERDICT_FIELDS = ["id", "status", "exit_code", "signal", "cpu_time_us", "wall_time_us",
                  "memory_peak_bytes", "stdout", "stderr", "stdout_truncated",
                  "stderr_truncated", "syscall", "message", "files", "seq", "cpu_user_us",
                  "cpu_system_us", "limits", "denied_syscalls", "version"]
DEFAULT_LIMITS = {"cpu_time_ms": 10000, "wall_time_ms": 21000, "memory_bytes": 256 << 20,
                  "processes": 64, "output_bytes": 16 << 20, "file_size_bytes": 64 << 20,
                  "stack_bytes": 256 << 20, "open_files": 256, "box_bytes": 64 << 20}

# ---------------------------------------------------------------- TAP output

_n = 0
_failed = 0
_passed = 0


def _oneline(s, limit=400):
    s = str(s).replace("\n", "\\n")
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


def diag(msg):
    """A comment line, ignored by the counters."""
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


def check(name, cond, detail="", todo=None):
    """Record one assertion. A failing todo check is reported, not counted."""
    global _n, _failed, _passed
    _n += 1
    if cond:
        _passed += 1
        print("ok %d - %s" % (_n, name), flush=True)
        return True
    if todo:
        print("not ok %d - %s # TODO %s: %s" % (_n, name, todo, _oneline(detail)), flush=True)
        return False
    _failed += 1
    print("not ok %d - %s # %s" % (_n, name, _oneline(detail)), flush=True)
    return False


def eq(name, got, want, todo=None):
    return check(name, got == want, "got %s, want %s" % (_oneline(repr(got), 200),
                                                        _oneline(repr(want), 200)), todo)


def field(name, v, key, want, todo=None):
    """Assert v[key] == want, showing the verdict's status and message on failure."""
    got = v.get(key, "<missing>")
    return check(name, got == want, "%s: got %s, want %r (%s)" % (
        key, _oneline(repr(got), 200), want, verdict_summary(v)), todo)


def verdict_summary(v):
    if "_error" in v:
        return v["_error"]
    return "status=%s exit=%s sig=%s cpu=%s wall=%s msg=%s syscall=%s stderr=%s" % (
        v.get("status"), v.get("exit_code"), v.get("signal"), v.get("cpu_time_us"),
        v.get("wall_time_us"), _oneline(v.get("message", ""), 160), v.get("syscall"),
        _oneline(v.get("stderr", ""), 120))


def finish():
    """Print the summary line and exit 1 if anything failed."""
    cleanup_tmp()
    print("1..%d" % _n)
    print("%d passed, %d failed" % (_passed, _failed), flush=True)
    sys.exit(1 if _failed else 0)


def skip_all(reason):
    cleanup_tmp()
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(77)


def require_binary():
    if not os.access(JB_BIN, os.X_OK):
        print("not ok 1 - judgebox binary exists # '%s' is not executable" % JB_BIN)
        print("0 passed, 1 failed", flush=True)
        sys.exit(1)


# ---------------------------------------------------------------- temp files

_tmpdir = None


def tmpdir():
    """A private scratch directory (0755, readable by nobody), removed at finish."""
    global _tmpdir
    if _tmpdir is not None and not os.path.isdir(_tmpdir):
        diag("scratch dir '%s' vanished (a tmp cleaner?): making a new one" % _tmpdir)
        _tmpdir = None
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="jbe2e-")
        os.chmod(_tmpdir, 0o755)
    return _tmpdir


def tmpfile(name, content, mode=0o644):
    path = os.path.join(tmpdir(), name)
    with open(path, "wb") as f:
        f.write(content)
    os.chmod(path, mode)
    return path


def cleanup_tmp():
    global _tmpdir
    if _tmpdir:
        shutil.rmtree(_tmpdir, ignore_errors=True)
        _tmpdir = None


# ---------------------------------------------------------------- running

class Result:
    def __init__(self, rc, stdout, stderr, elapsed):
        self.rc, self.stdout, self.stderr, self.elapsed = rc, stdout, stderr, elapsed

    def __repr__(self):
        return "rc=%s elapsed=%.2f stdout=%s stderr=%s" % (
            self.rc, self.elapsed, _oneline(self.stdout, 200), _oneline(self.stderr, 200))


def user_prefix(user):
    if user is None:
        return []
    if user != "nobody":
        raise ValueError("unknown user %r" % user)
    return [SETPRIV, "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"]


def backend():
    """The resource backend `judgebox info` names ("cgroup v1", ...)."""
    res = run([JB_BIN, "info"])
    for line in res.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("backend:"):
            return line.split(":", 1)[1].strip()
    return ""


def run(cmd, stdin=None, timeout=60, user=None, env=None):
    """Run cmd (a list) with stdin bytes; never raises for the child's failure.
    On timeout the whole process group is killed and rc is None."""
    full = user_prefix(user) + list(cmd)
    t0 = time.monotonic()
    p = subprocess.Popen(full, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, env=env)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        rc = None
        err += b"\n[e2e: timed out after %ds]" % timeout
    return Result(rc, out, err, time.monotonic() - t0)


def parse_json(res):
    try:
        v = json.loads(res.stdout.decode("utf-8"))
        if not isinstance(v, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as e:
        v = {"_error": "no JSON verdict (%s): %r" % (e, res)}
    v["_rc"], v["_stderr"], v["_elapsed"] = res.rc, res.stderr, res.elapsed
    return v


def run_json(args, stdin=None, timeout=60, user=None):
    """`judgebox run --json ARGS` -> the verdict dict, plus _rc, _stderr and
    _elapsed (seconds, real time of the judgebox process); _error when no JSON."""
    return parse_json(run([JB_BIN, "run", "--json"] + list(args), stdin, timeout, user))


def payload(name):
    return os.path.join(PAYLOADS, name)


def run_payload(name, args=(), flags=(), **kw):
    """Run a built payload through --copy (it becomes /box/program)."""
    return run_json(list(flags) + ["--copy", "--", payload(name)] + [str(a) for a in args], **kw)


def out_bytes(v, which="stdout"):
    """The exact bytes of a verdict's stdout/stderr (from *_base64 when present)."""
    if which + "_base64" in v:
        return base64.b64decode(v[which + "_base64"])
    s = v.get(which)
    return s.encode("utf-8") if isinstance(s, str) else b""


def kv_lines(text):
    """Parse "key=value" lines (inspect's output)."""
    out = {}
    for line in text.splitlines():
        k, sep, val = line.partition("=")
        if sep:
            out[k] = val
    return out


def pattern(n):
    """What write_bytes writes: "0123456789abcdef" cycling, '\\n' every 64th."""
    block = bytearray(b"0123456789abcdef" * 4)
    block[63] = ord("\n")
    block = bytes(block)
    return (block * (n // 64 + 1))[:n]


def host_hostname():
    return socket.gethostname()


def compile_limits(run_sh):
    """The compile limits documented at the top of testdata/pipeline/run.sh
    (its COMPILE_LIMITS= line: one source of truth for run.sh and the tests)."""
    import re
    with open(run_sh) as f:
        m = re.search(r'^COMPILE_LIMITS="([^"]*)"', f.read(), re.M)
    if not m:
        raise SystemExit("no COMPILE_LIMITS= line in %s" % run_sh)
    return m.group(1).split()


# ---------------------------------------------------------------- protobuf

# The codec lives in jbstream.py (shared with the Redis tests, tools/soak.py
# and bench/bench.py); these names stay for the tests that use them.
_varint = jbstream.varint
pb_field = jbstream.pb_field
pb_fields = jbstream.pb_fields
encode_job = jbstream.encode_job
decode_verdict = jbstream.decode_verdict
decode_job = jbstream.decode_job


def exec_job(data, args=(), user=None, timeout=60):
    """Pipe bytes to `judgebox exec ARGS`: returns (Result, verdict dict or None)."""
    res = run([JB_BIN, "exec"] + list(args), stdin=data, timeout=timeout, user=user)
    try:
        v = decode_verdict(res.stdout) if res.stdout else None
    except ValueError:
        v = None
    return res, v


# ---------------------------------------------------------------- leftovers

def _proc_stat(pid):
    """(ppid, state, comm) of a process, or None when gone."""
    try:
        with open("/proc/%s/stat" % pid, "rb") as f:
            s = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    lp, rp = s.find("("), s.rfind(")")
    rest = s[rp + 2:].split()
    return int(rest[1]), rest[0], s[lp + 1:rp]


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root=None):
    """{pid: (state, comm)} of every live descendant of root (default: us)."""
    root = root or os.getpid()
    children = {}
    info = {}
    for pid in _pids():
        st = _proc_stat(pid)
        if st:
            children.setdefault(st[0], []).append(pid)
            info[pid] = (st[1], st[2])
    out, todo = {}, [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c in info:
                out[c] = info[c]
                todo.append(c)
    return out


def _has_token(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return ("JB_E2E_TOKEN=" + TOKEN).encode() in f.read().split(b"\0")
    except OSError:
        return False


def _reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read().splitlines()


def _cgroup_dirs():
    out = set()
    base = "/sys/fs/cgroup"
    try:
        hierarchies = os.listdir(base)
    except OSError:
        return out
    for h in hierarchies:
        top = os.path.join(base, h)
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        if h.startswith("judgebox"):  # a pure v2 host: base is the hierarchy
            out.add(top)
        for dirpath, dirnames, _ in os.walk(top):
            depth = dirpath[len(top):].count("/")
            for d in dirnames:
                if d.startswith("judgebox"):
                    out.add(os.path.join(dirpath, d))
            if depth >= 3:
                dirnames[:] = []
    return out


def _tmp_entries():
    """judgebox's own /tmp entries, and e2e scratch directories other than
    the one this test is using now (a test must remove the ones it made)."""
    mine = os.path.basename(_tmpdir) if _tmpdir else None
    try:
        return {e for e in os.listdir("/tmp")
                if e.startswith("judgebox") or (e.startswith("jbe2e-") and e != mine)}
    except OSError:
        return set()


def _fds():
    out = {}
    d = "/proc/self/fd"
    for fd in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, fd))
        except OSError:
            continue  # the directory fd of this very listing
        if target.startswith("/proc/") and target.endswith("/fd"):
            continue
        out[int(fd)] = target
    return out


def snapshot():
    """What exists before a test: compared by assert_no_leftovers()."""
    _reap_zombies()
    return {"mounts": _mounts(), "cgroups": _cgroup_dirs(), "tmp": _tmp_entries(),
            "fds": _fds(), "pids": set(_pids())}


def _cgroup_is_ours(path, ours):
    """A judgebox-* cgroup is a leftover when it is empty (nobody removed it) or
    holds one of our descendants; one holding only strangers' tasks belongs to
    a concurrent run on this shared machine. judgebox-PID, the per-process
    parent, belongs to that judgebox while PID lives (a concurrent test's), and
    so does judgebox-PID-NAME, the job cgroup a single run makes right under
    the parent on v1."""
    import re
    m = re.match(r"judgebox-(\d+)(-.*)?$", os.path.basename(path))
    if m:
        pid = int(m.group(1))
        if pid not in ours and os.path.exists("/proc/%d" % pid):
            return False
    pids = []
    for name in ("cgroup.procs", "tasks"):
        try:
            with open(os.path.join(path, name)) as f:
                pids = [int(x) for x in f.read().split()]
            break
        except (OSError, ValueError):
            continue
    return not pids or any(p in ours for p in pids)


def leftovers(before):
    """Everything new since before that judgebox should have removed."""
    _reap_zombies()
    found = []
    ours = descendants()
    for pid, (state, comm) in sorted(ours.items()):
        if state != "Z":
            found.append("process %d (%s) state %s" % (pid, comm, state))
    for pid in _pids():
        if pid in ours or pid == os.getpid():
            continue
        st = _proc_stat(pid)
        if st and st[2] == "judgebox" and _has_token(pid):
            found.append("process %d (judgebox) outside our tree" % pid)
    after = _mounts()
    if len(after) != len(before["mounts"]):
        found.append("mount count %d -> %d" % (len(before["mounts"]), len(after)))
    old = set(before["mounts"])
    for line in after:
        if line not in old and ("judgebox" in line or "/box" in line):
            found.append("mount: " + line)
    for cg in sorted(_cgroup_dirs() - before["cgroups"]):
        # Another session's judgebox on a shared v1 host (its memory twin is
        # outside our memory cgroup) is not our leak.
        if _cgroup_is_ours(cg, ours) and not foreign_cgroup(cg):
            found.append("cgroup " + cg)
    for e in sorted(_tmp_entries() - before["tmp"]):
        found.append("/tmp/" + e)
    fds = _fds()
    for fd, target in sorted(fds.items()):
        if before["fds"].get(fd) != target:
            found.append("fd %d -> %s" % (fd, target))
    return found


def assert_no_leftovers(before, name="nothing left behind (processes, mounts, cgroups, /tmp, fds)",
                        grace=2.0):
    """Check (allowing grace seconds for teardown) that nothing is left."""
    deadline = time.monotonic() + grace
    while True:
        found = leftovers(before)
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if found:
        for pid, _ in descendants().items():  # do not leave them either
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return check(name, not found, "; ".join(found))


def run_rusage(cmd, timeout=60):
    """Run cmd, returning (Result, ru_maxrss in KiB of it and its waited-for
    descendants). stderr is discarded."""
    t0 = time.monotonic()
    p = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, start_new_session=True)

    def kill():
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        out = p.stdout.read()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    return Result(p.returncode, out, b"", time.monotonic() - t0), ru.ru_maxrss


# ---------------------------------------------------------------- shared hosts

def _own_cgroup(controller):
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if controller in ctrls.split(","):
                    return path
    except (OSError, ValueError):
        pass
    return None


def foreign_cgroup(path):
    """True for a judgebox-PID[-NAME] cgroup (or one below it) made by another
    session of a shared v1 host that gives each session its own memory
    cgroup: its memory-hierarchy twin lies outside our memory cgroup."""
    import re
    m = re.search(r"/(judgebox-\d+(?:-[^/]*)?)(/|$)", path)
    own = _own_cgroup("memory")
    if not m or own is None:
        return False
    base = "/sys/fs/cgroup/memory"
    twins = [d for d in _cgroup_dirs() if d.startswith(base + "/") and
             os.path.basename(d) == m.group(1)]
    mine = os.path.normpath(base + own)
    return bool(twins) and not any(os.path.dirname(t) == mine for t in twins)


def assert_no_leftovers_here(before, name="nothing left behind (processes, mounts, cgroups, /tmp, fds)",
                             grace=2.0):
    """assert_no_leftovers, ignoring the cgroups of other sessions (foreign_cgroup)."""
    deadline = time.monotonic() + grace
    while True:
        found = [f for f in leftovers(before)
                 if not (f.startswith("cgroup ") and foreign_cgroup(f[len("cgroup "):]))]
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return check(name, not found, "; ".join(found))
