"""Shared helpers for the Redis worker/submit tests (python3 stdlib only).

Each tests/redis/test_*.py is one ctest test, TAP-ish output through the e2e
helpers (tests/e2e/jb.py), exit 77 when redis-server is missing or judgebox
was built without hiredis. Every test starts its own redis-server on a free
loopback port (--save "" --appendonly no --bind 127.0.0.1) in a scratch
directory and stops it: no traffic beyond loopback, nothing left behind.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import jb  # noqa: E402
import jbstream  # noqa: E402
from jb import check, diag, eq, finish, skip_all  # noqa: E402,F401

JB = jb.JB_BIN
WORKER_PIDS = []
REDIS_SERVER = shutil.which("redis-server")


def require():
    """Skip (77) unless the worker is built and redis-server exists."""
    if os.environ.get("JB_HAVE_REDIS") == "0":
        skip_all("judgebox was built without hiredis (libhiredis-dev)")
    if not REDIS_SERVER:
        skip_all("redis-server is not installed")
    jb.require_binary()
    probe = subprocess.run([JB, "submit", "--jobs", "probe"], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
    if b"without hiredis" in probe.stderr:
        skip_all("judgebox was built without hiredis (libhiredis-dev)")


# ---------------------------------------------------------------- RESP client

class RedisError(Exception):
    pass


class Client:
    """A minimal blocking RESP2 client: enough for the tests' own commands."""

    def __init__(self, port=None, password=None, path=None, timeout=30):
        if path:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(timeout)
            self.sock.connect(path)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        self.buf = b""
        if password:
            self.call("AUTH", password)

    def close(self):
        self.sock.close()

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        r = self._reply()
        if isinstance(r, RedisError):
            raise r
        return r

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(max(65536, n))
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ValueError("bad RESP line %r" % line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Redis:
    """A private redis-server on a free loopback port."""

    def __init__(self, extra=(), password=None, unix=False):
        self.dir = tempfile.mkdtemp(prefix="jbredis-")
        self.password = password
        self.sock = os.path.join(self.dir, "redis.sock") if unix else None
        self.extra = list(extra)
        if password:
            self.extra += ["--requirepass", password]
        if unix:
            self.extra += ["--unixsocket", self.sock, "--unixsocketperm", "700"]
        self.proc = None
        self.log = open(os.path.join(self.dir, "redis.log"), "ab")
        for _ in range(5):
            self.port = free_port()
            if self.start(check_port=True):
                return
        raise RuntimeError("cannot start redis-server: " + self.log_text())

    def start(self, check_port=False):
        """(Re)start on the same port and directory; loads dump.rdb if saved."""
        cmd = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.dir, "--dbfilename", "dump.rdb",
               "--daemonize", "no", "--protected-mode", "yes"] + self.extra
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if check_port:
                    return False
                raise RuntimeError("redis-server exited: " + self.log_text())
            try:
                c = self.client(timeout=2)
                c.call("PING")
                c.close()
                return True
            except (OSError, ConnectionError, RedisError):
                time.sleep(0.05)
        raise RuntimeError("redis-server does not answer: " + self.log_text())

    def url(self):
        auth = ":%s@" % self.password if self.password else ""
        return "redis://%s127.0.0.1:%d" % (auth, self.port)

    def client(self, timeout=30):
        return Client(self.port, self.password, timeout=timeout)

    def stop(self, save=False):
        """save: SHUTDOWN SAVE (data kept for the restart); else SIGKILL (lost)."""
        if not self.proc or self.proc.poll() is not None:
            return
        if save:
            c = self.client()
            try:
                c.call("SHUTDOWN", "SAVE")
            except (ConnectionError, OSError):
                pass  # it closes the connection as it goes
            c.close()
        else:
            self.proc.kill()
        self.proc.wait(timeout=30)

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "redis.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self):
        self.stop()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- judgebox

class Worker:
    """`judgebox worker` with its stderr in a log file."""

    def __init__(self, url, stream, name, group="g", parallel=1, extra=()):
        self.name = name
        self.logpath = os.path.join(jb.tmpdir(), "worker-%s.log" % name)
        self.logf = open(self.logpath, "ab")
        cmd = [JB, "worker", "--redis", url, "--jobs", stream, "--group", group,
               "--consumer", name, "--parallel", str(parallel)] + list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.logf)
        WORKER_PIDS.append(self.proc.pid)

    def term(self, timeout=60):
        """SIGTERM; the exit status (None if it did not exit in time: killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.logf.close()

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def dump_log(self):
        for line in self.log().splitlines()[-30:]:
            diag("%s: %s" % (self.name, line))


delimited = jbstream.frames  # varint-delimited frames of msgs


def read_verdicts(out):
    return [jb.decode_verdict(f) for f in jbstream.split_frames(out)]


def job(id, argv, **fields):
    return jb.encode_job(id=id, argv=list(argv), **fields)


def add_job(c, stream, data, reply=None):
    args = ["XADD", stream, "*", "job", data]
    if reply:
        args += ["reply", reply]
    return c.call(*args).decode()


def pending_of(c, stream, group, consumer):
    """Entry ids pending for consumer."""
    try:
        rows = c.call("XPENDING", stream, group, "-", "+", 10000, consumer)
    except RedisError:
        return []
    return [r[0].decode() for r in rows]


def pending_count(c, stream, group):
    try:
        return c.call("XPENDING", stream, group)[0]
    except RedisError:
        return -1


class Verdicts:
    """Reads a reply stream: raw entries, and the first verdict per entry."""

    def __init__(self, c, stream):
        self.c, self.stream, self.last = c, stream, "0-0"
        self.raw = []      # (entry field, verdict dict)
        self.by_entry = {}

    def poll(self, block_ms=200):
        r = self.c.call("XREAD", "COUNT", 1000, "BLOCK", block_ms, "STREAMS", self.stream,
                        self.last)
        for _, entries in r or []:
            for sid, kv in entries:
                self.last = sid.decode()
                f = dict(zip(kv[::2], kv[1::2]))
                v = jb.decode_verdict(f[b"verdict"])
                entry = f.get(b"entry", b"").decode()
                v["_id_field"] = f.get(b"id", b"").decode()
                self.raw.append((entry, v))
                self.by_entry.setdefault(entry, v)

    def wait(self, entries, timeout, tick=None):
        """Until every entry in entries has a verdict (or timeout); returns
        the entries still missing. tick() runs between reads."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            missing = [e for e in entries if e not in self.by_entry]
            if not missing:
                return []
            if tick:
                tick()
            self.poll()
        return [e for e in entries if e not in self.by_entry]


def wait_until(cond, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def _ours(entry):
    """A cgroup leftover is ours when it is under judgebox-PID of one of the
    workers this test started: other judgeboxes run on this shared machine."""
    if not entry.startswith("cgroup "):
        return True
    return any("/judgebox-%d" % pid in entry for pid in WORKER_PIDS)


def _rm_cgroup(top):
    for dirpath, _, _ in sorted(os.walk(top, topdown=False), key=lambda t: -len(t[0])):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


def assert_no_leftovers(before, killed=(), grace=3.0):
    """jb's leftover check, limited to what our workers made. killed: the
    workers SIGKILLed on purpose: their sandboxes die with them
    (PR_SET_PDEATHSIG) but they had no chance to remove their cgroup
    directories, which are reported and removed here."""
    killed_pids = {w.proc.pid for w in killed}
    deadline = time.monotonic() + grace
    while True:
        found = [f for f in jb.leftovers(before) if _ours(f)]
        if not found or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    stale = [f for f in found if f.startswith("cgroup ") and
             any("/judgebox-%d" % p in f for p in killed_pids)]
    for f in found:
        if f.startswith("cgroup "):
            _rm_cgroup(f[len("cgroup "):])
    if stale:
        diag("the SIGKILLed worker(s) left %d cgroup(s), removed by the test" % len(stale))
    others = [f for f in found if f not in stale]
    return check("nothing left behind (processes, mounts, cgroups, /tmp, fds)", not others,
                 "; ".join(others))


class Session:
    """A test's frame: require(), the leftover snapshot, a private Redis and
    a client to it. Tests append their workers to .workers (the SIGKILLed
    ones also to .killed); close() in a finally closes the client, kills the
    workers and stops Redis; finish() then checks leftovers and ends."""

    def __init__(self, **redis_kw):
        require()
        self.before = jb.snapshot()
        self.redis = Redis(**redis_kw)
        self.client = self.redis.client()
        self.workers = []
        self.killed = []

    def close(self):
        self.client.close()
        for w in self.workers:
            w.kill()
        self.redis.close()

    def finish(self):
        assert_no_leftovers(self.before, killed=self.killed)
        jb.finish()
