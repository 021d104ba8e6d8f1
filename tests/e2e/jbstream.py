"""Protobuf and stream helpers shared by the tests, tools/soak.py and
bench/bench.py (python3 stdlib only, nothing happens at import).

Varints, varint-delimited frames (the framing of `judgebox exec --stream`
and `judgebox submit`), a field reader and a small schema codec for Job and
Verdict, and the two judgebox calls every script makes: `judgebox job` to
build a Job and `judgebox show --stream` to read Verdicts back as JSON.

It lives next to jb.py (the e2e helpers, which re-export the codec) because
every e2e and Redis test already has this directory on its path; soak.py and
bench.py add it by a path relative to their own file.
"""

import json
import os
import subprocess

STATUSES = ["STATUS_UNSPECIFIED", "OK", "RUNTIME_ERROR", "SIGNALED", "TIME_LIMIT",
            "WALL_TIME_LIMIT", "MEMORY_LIMIT", "OUTPUT_LIMIT", "SYSCALL_VIOLATION",
            "INVALID_JOB", "INTERNAL_ERROR"]
LIMIT_FIELDS = ["cpu_time_ms", "wall_time_ms", "memory_bytes", "processes", "output_bytes",
                "file_size_bytes", "stack_bytes", "open_files", "box_bytes"]

# ---------------------------------------------------------------- varints, frames


def varint(n):
    """A protobuf varint; a negative n as its 64-bit two's complement."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, i):
    """Returns (value, next index), or (None, i) when buf ends inside it."""
    shift = 0
    val = 0
    while i < len(buf):
        b = buf[i]
        i += 1
        val |= (b & 0x7F) << shift
        if not b & 0x80:
            return val, i
        shift += 7
    return None, i


def frame(body):
    """One varint-delimited frame."""
    return varint(len(body)) + body


def frames(bodies):
    """A delimited stream of bodies."""
    return b"".join(frame(b) for b in bodies)


def split_frames(buf):
    """The bodies of a delimited stream; raises ValueError on a cut frame."""
    res, i = [], 0
    while i < len(buf):
        n, i = read_varint(buf, i)
        if n is None:
            raise ValueError("cut varint")
        if i + n > len(buf):
            raise ValueError("cut frame")
        res.append(buf[i:i + n])
        i += n
    return res


def iter_frames(fd, tail=None):
    """Yield each frame's body read from fd as soon as it is whole, until EOF
    or a read error. tail (a list) receives the bytes after the last frame."""
    buf, pos = bytearray(), 0
    while True:
        try:
            chunk = os.read(fd, 1 << 20)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        while True:
            n, i = read_varint(buf, pos)
            if n is None or len(buf) - i < n:
                break
            pos = i + n
            yield bytes(buf[i:pos])
        if pos > 1 << 20:
            del buf[:pos]
            pos = 0
    if tail is not None:
        tail.append(bytes(buf[pos:]))


# ---------------------------------------------------------------- fields


def pb_field(num, wire, payload):
    """One encoded field: wire 0 takes an int, wire 2 bytes."""
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(int(payload))
    return key + varint(len(payload)) + payload


def with_id(body, ident):
    """A Job body with its id (field 1) set in front: the last one counts."""
    return pb_field(1, 2, ident.encode()) + body


def pb_fields(buf):
    """Split a message into (number, wire, value) triples; raises ValueError."""
    i, out = 0, []

    def next_varint():
        nonlocal i
        n, i = read_varint(buf, i)
        if n is None:
            raise ValueError("truncated varint")
        return n

    while i < len(buf):
        key = next_varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            out.append((num, 0, next_varint()))
        elif wire == 2:
            n = next_varint()
            if i + n > len(buf):
                raise ValueError("truncated field %d" % num)
            out.append((num, 2, bytes(buf[i:i + n])))
            i += n
        elif wire == 1:
            out.append((num, 1, bytes(buf[i:i + 8])))
            i += 8
        elif wire == 5:
            out.append((num, 5, bytes(buf[i:i + 4])))
            i += 4
        else:
            raise ValueError("bad wire type %d" % wire)
    return out


def fields(buf):
    """Field number -> list of its values (int for varints, bytes otherwise)."""
    out = {}
    for num, _, val in pb_fields(buf):
        out.setdefault(num, []).append(val)
    return out


# ---------------------------------------------------------------- Job, Verdict

_LIMITS = {k: (i + 1, "u") for i, k in enumerate(LIMIT_FIELDS)}
_FILE = {"path": (1, "s"), "content": (2, "b"), "executable": (3, "bool"),
         "truncated": (4, "bool"), "error": (5, "s")}
_JOB = {"id": (1, "s"), "executable": (2, "b"), "argv": (3, "rs"), "env": (4, "rs"),
        "stdin": (5, "b"), "limits": (6, "m", _LIMITS), "policy": (7, "s"),
        "files": (8, "rm", _FILE), "rootfs": (9, "s"), "collect": (10, "rs")}
_VERDICT = {"id": (1, "s"), "status": (2, "enum"), "exit_code": (3, "i32"),
            "signal": (4, "i32"), "cpu_time_us": (5, "u"), "wall_time_us": (6, "u"),
            "memory_peak_bytes": (7, "u"), "stdout": (8, "b"), "stderr": (9, "b"),
            "stdout_truncated": (10, "bool"), "stderr_truncated": (11, "bool"),
            "syscall": (12, "s"), "message": (13, "s"), "files": (14, "rm", _FILE),
            "seq": (15, "u"), "cpu_user_us": (16, "u"), "cpu_system_us": (17, "u"),
            "limits": (18, "m", _LIMITS), "denied_syscalls": (19, "rs"), "version": (20, "s"),
            "cpus": (21, "s")}


def _encode(msg, schema):
    out = b""
    for key, val in msg.items():
        num, kind = schema[key][0], schema[key][1]
        if kind in ("s", "b"):
            out += pb_field(num, 2, val.encode() if isinstance(val, str) else val)
        elif kind == "rs":
            for s in val:
                out += pb_field(num, 2, s.encode())
        elif kind in ("u", "i32", "bool", "enum"):
            out += pb_field(num, 0, val)
        elif kind == "m":
            out += pb_field(num, 2, _encode(val, schema[key][2]))
        elif kind == "rm":
            for m in val:
                out += pb_field(num, 2, _encode(m, schema[key][2]))
    return out


def encode_job(**job):
    """Encode a Job from keyword fields (names as in the proto; limits and
    files as dicts / lists of dicts)."""
    return _encode(job, _JOB)


def _decode(buf, schema):
    by_num = {spec[0]: (name, spec) for name, spec in schema.items()}
    out = {}
    for name, spec in schema.items():
        kind = spec[1]
        out[name] = {"s": "", "b": b"", "rs": [], "rm": [], "u": 0, "i32": 0, "bool": False,
                     "enum": STATUSES[0], "m": None}[kind]
        if kind == "m":
            out[name] = _decode(b"", spec[2])
    for num, wire, val in pb_fields(buf):
        if num not in by_num:
            out.setdefault("_unknown", []).append(num)
            continue
        name, spec = by_num[num]
        kind = spec[1]
        if kind == "s":
            out[name] = val.decode("utf-8", "replace")
        elif kind == "b":
            out[name] = val
        elif kind == "rs":
            out[name].append(val.decode("utf-8", "replace"))
        elif kind == "u":
            out[name] = val
        elif kind == "i32":
            out[name] = val - (1 << 64) if val >= 1 << 63 else val
        elif kind == "bool":
            out[name] = bool(val)
        elif kind == "enum":
            out[name] = STATUSES[val] if val < len(STATUSES) else "enum#%d" % val
        elif kind == "m":
            out[name] = _decode(val, spec[2])
        elif kind == "rm":
            out[name].append(_decode(val, spec[2]))
    return out


def decode_verdict(buf):
    """Decode a Verdict into a dict shaped like the JSON one (stdout/stderr
    and file contents stay bytes); raises ValueError on a broken message."""
    return _decode(buf, _VERDICT)


def decode_job(buf):
    """Decode a Job (as `judgebox job` writes it) into a dict of its fields."""
    return _decode(buf, _JOB)


# ---------------------------------------------------------------- judgebox calls


def job_bytes(jb_bin, flags, argv, env=()):
    """The Job `judgebox job [--env E]... FLAGS -- ARGV` writes; raises
    CalledProcessError when it fails."""
    cmd = [jb_bin, "job"]
    for e in env:
        cmd += ["--env", e]
    cmd += list(flags) + ["--"] + list(argv)
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout


def verdicts_json(jb_bin, stream, check=True):
    """The Verdicts of a delimited stream as dicts, through `judgebox show
    --stream` (check: raise CalledProcessError when show fails)."""
    out = subprocess.run([jb_bin, "show", "--stream"], input=stream, stdout=subprocess.PIPE,
                         check=check).stdout
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


# ---------------------------------------------------------------- what a worker leaves


def cgroup_dirs():
    """judgebox-* directories under /sys/fs/cgroup (any depth up to 6)."""
    found, root = set(), "/sys/fs/cgroup"
    for top, dirs, _ in os.walk(root):
        depth = top[len(root):].count("/")
        keep = []
        for d in dirs:
            if d.startswith("judgebox-"):
                found.add(os.path.join(top, d))
            elif depth < 5:
                keep.append(d)
        dirs[:] = keep
    return found


def mounts():
    """The mount table, one entry per mount, without the ids."""
    with open("/proc/self/mountinfo") as f:
        return set(" ".join(l.split()[3:]) for l in f)
