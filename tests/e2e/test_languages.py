#!/usr/bin/env python3
"""The language matrix (issue 3): real programs in C (static and dynamic),
C++, Python 3, Java, Go, Rust and Node start and run under the `default`
policy with the default limits: hello world, 4 threads, 200 MB allocated and
touched, 1 MB of stdin echoed byte for byte, and file input and output (read
input.txt, a placed file, write output.txt, collected: C fopen, C++ ifstream,
Java Scanner(File), Files.readString and BufferedReader, Python open, Go
os.ReadFile, Rust fs::read_to_string, Node fs.readFileSync; the JVM's IPv4/
IPv6 probe gets an errno, issue 13). Compiled languages are built on
the host in a temp dir (the build tree is not visible in the box); class
files and scripts go in with --file. A language whose toolchain is missing is
skipped on its own (a '# SKIP' comment), never the whole file.

Then: the `ci` policy (a /bin/sh script with pipes, subshells and sort | uniq;
gcc compiling inside the box), the `strict` policy (a static echo passes,
open("/etc/passwd") is SYSCALL_VIOLATION), `policy check` on the broken files
of testdata/policies-bad and `policy show`, and runtimes sizing themselves
from the job's limits (java MaxHeapSize, node's heap; issue 4).

Each run prints its measured figures as '# LANG PROG: cpu X s, peak Y MiB'
for README's table of minimum limits."""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import base64
import os
import re
import shutil
import subprocess

import jb

LANG_DIR = os.path.join(jb.SOURCE_DIR, "testdata", "lang")
POLICIES_BAD = os.path.join(jb.SOURCE_DIR, "testdata", "policies-bad")
MiB = 1 << 20
PROGS = ("hello", "threads", "alloc", "echo", "fileio")
SUM = 4000000 * 4000001 // 2
ALLOC_OUT = "alloc 200000000 pages %d\n" % ((200000000 + 4095) // 4096)
# 200 MB does not fit the heap the JVM sizes for itself under 256 MiB (a
# quarter of the limit when it sees the limit); a judge passes -Xmx, as here.
# A small young generation keeps the copy of young arrays into the old one
# from doubling the peak, and SerialGC is what the JVM picks under 1.8 GB.
JAVA_ALLOC_FLAGS = ["-Xmx220m", "-Xmn16m", "-XX:+UseSerialGC"]
# The ways Fileio.java reads input.txt, each its own run (argv[1]).
JAVA_FILE_WAYS = ("scanner", "readstring", "buffered")
# input.txt of the fileio programs: integers over several lines, negative
# ones too; output.txt must say their sum and count.
FILEIO_NUMS = [(i * 7919) % 1000003 - 500000 for i in range(5000)]
FILEIO_IN = "".join("%d%s" % (x, "\n" if i % 10 == 9 else " ")
                    for i, x in enumerate(FILEIO_NUMS)).encode()
FILEIO_OUT = "sum %d count %d\n" % (sum(FILEIO_NUMS), len(FILEIO_NUMS))


def expected_stdout(lang, prog):
    name = {"c-static": "c", "c-dynamic": "c", "cpp": "c++"}.get(lang, lang)
    return {"hello": "hello from %s\n" % name, "threads": "threads 4 sum %d\n" % SUM,
            "alloc": ALLOC_OUT}.get(prog)


def sh(cmd, env=None, timeout=300):
    """Run a host build command; returns (ok, output)."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    return p.returncode == 0, p.stdout.decode("utf-8", "replace")


def in_box_path(prog):
    """An interpreter's path when the box can see it (the host's /usr, /bin)."""
    path = shutil.which(prog, path="/usr/bin:/bin:/usr/local/bin")
    if path and (path.startswith("/usr/") or path.startswith("/bin/")):
        return path
    return None


# ------------------------------------------------------------------ building
# Each builder returns {prog: (flags, argv)} for `judgebox run`, absent(why)
# when its toolchain is not installed (a skip), or failed(why) when the host
# build itself failed (a failure: the toolchain is there).


def absent(why):
    return ("absent", why)


def failed(why):
    return ("failed", why)


def build_native(lang, compiler, ext, extra):
    exe = shutil.which(compiler)
    if not exe:
        return absent("%s not installed" % compiler)
    out = {}
    for prog in PROGS:
        dst = os.path.join(jb.tmpdir(), "%s-%s" % (lang, prog))
        ok, log = sh([exe, "-O2", "-pthread"] + extra +
                     ["-o", dst, os.path.join(LANG_DIR, prog + ext)])
        if not ok:
            if lang == "c-static" and "cannot find -lc" in log:
                return absent("no static libc (libc6-dev)")
            return failed("%s failed on %s%s: %s" % (compiler, prog, ext, log[-300:]))
        out[prog] = (["--copy"], [dst])
    return out


def build_go():
    exe = shutil.which("go")
    if not exe:
        return absent("go not installed")
    home = os.path.join(jb.tmpdir(), "gohome")
    env = dict(os.environ, HOME=home, GOCACHE=os.path.join(home, "cache"),
               GOPATH=os.path.join(home, "path"), GOTOOLCHAIN="local", GOPROXY="off",
               GOFLAGS="", GO111MODULE="off", CGO_ENABLED="0")
    out = {}
    for prog in PROGS:
        dst = os.path.join(jb.tmpdir(), "go-" + prog)
        ok, log = sh([exe, "build", "-o", dst, os.path.join(LANG_DIR, prog + ".go")], env)
        if not ok:
            return failed("go build failed on %s.go: %s" % (prog, log[-300:]))
        out[prog] = (["--copy"], [dst])
    return out


def build_rust():
    exe = "/usr/bin/rustc" if os.access("/usr/bin/rustc", os.X_OK) else shutil.which("rustc")
    if not exe:
        return absent("rustc not installed")
    out = {}
    for prog in PROGS:
        dst = os.path.join(jb.tmpdir(), "rust-" + prog)
        ok, log = sh([exe, "-O", "-o", dst, os.path.join(LANG_DIR, prog + ".rs")])
        if not ok:
            return failed("rustc failed on %s.rs: %s" % (prog, log[-300:]))
        out[prog] = (["--copy"], [dst])
    return out


def build_java():
    java, javac = in_box_path("java"), shutil.which("javac")
    if not java or not javac:
        return absent("java/javac not installed (default-jdk-headless)")
    classes = os.path.join(jb.tmpdir(), "java")
    os.makedirs(classes, exist_ok=True)
    ok, log = sh([javac, "-d", classes] +
                 [os.path.join(LANG_DIR, p.capitalize() + ".java") for p in PROGS])
    if not ok:
        return failed("javac failed: " + log[-300:])
    out = {}
    for prog in PROGS:
        cls = prog.capitalize()
        files = []
        for f in sorted(os.listdir(classes)):  # Threads$1.class and the like too
            if f == cls + ".class" or f.startswith(cls + "$"):
                files += ["--file", "%s:%s" % (os.path.join(classes, f), f)]
        flags = JAVA_ALLOC_FLAGS if prog == "alloc" else []
        out[prog] = (files, [java] + flags + ["-cp", "/box", cls])
    return out


def build_script(interp, ext, why):
    exe = in_box_path(interp)
    if not exe:
        return absent(why)
    out = {}
    for prog in PROGS:
        src = os.path.join(LANG_DIR, prog + ext)
        out[prog] = (["--file", "%s:%s%s" % (src, prog, ext)], [exe, "/box/%s%s" % (prog, ext)])
    return out


LANGS = [
    ("c-dynamic", lambda: build_native("c-dynamic", "gcc", ".c", [])),
    ("c-static", lambda: build_native("c-static", "gcc", ".c", ["-static"])),
    ("cpp", lambda: build_native("cpp", "g++", ".cpp", [])),
    ("python", lambda: build_script("python3", ".py", "/usr/bin/python3 not installed")),
    ("java", build_java),
    ("go", build_go),
    ("rust", build_rust),
    ("node", lambda: build_script("node", ".js", "node not installed (nodejs)")),
]


# ------------------------------------------------------------------ the matrix

def figures(v):
    return "cpu %.3f s, wall %.3f s, peak %.1f MiB" % (
        v.get("cpu_time_us", 0) / 1e6, v.get("wall_time_us", 0) / 1e6,
        v.get("memory_peak_bytes", 0) / MiB)


def run_fileio_case(lang, flags, argv):
    """Read input.txt (placed), write output.txt (collected); under default
    an IPv4/IPv6 socket (the JVM's probe) is an errno, never a kill."""
    ways = JAVA_FILE_WAYS if lang == "java" else ("",)
    for way in ways:
        name = "%s fileio%s" % (lang, " " + way if way else "")
        files = ["--file", jb.tmpfile("fileio-input.txt", FILEIO_IN) + ":input.txt",
                 "--collect", "output.txt"]
        v = jb.run_json(flags + files + ["--"] + argv + ([way] if way else []), timeout=120)
        jb.diag("%s: %s, denied %s" % (name, figures(v), v.get("denied_syscalls")))
        jb.field(name + ": OK under default policy and limits", v, "status", "OK")
        f = (v.get("files") or [{}])[0]
        got = base64.b64decode(f.get("content", "")).decode("utf-8", "replace")
        jb.check(name + ": output.txt collected with the sum and count of input.txt",
                 got == FILEIO_OUT and not f.get("error"),
                 "output.txt %r error %r, want %r (%s)" % (got[:80], f.get("error"), FILEIO_OUT,
                                                         jb.verdict_summary(v)))


def run_matrix_case(lang, prog, flags, argv, stdin_path, stdin_data):
    if prog == "fileio":
        return run_fileio_case(lang, flags, argv)
    name = "%s %s" % (lang, prog)
    extra = ["--stdin", stdin_path] if prog == "echo" else []
    v = jb.run_json(flags + extra + ["--"] + argv, timeout=120)
    jb.diag("%s: %s, denied %s" % (name, figures(v), v.get("denied_syscalls")))
    jb.field(name + ": OK under default policy and limits", v, "status", "OK")
    jb.check(name + ": limits are the defaults", v.get("limits") == jb.DEFAULT_LIMITS,
             "limits %s" % v.get("limits"))
    want = expected_stdout(lang, prog)
    if prog == "echo":
        got = jb.out_bytes(v)
        jb.check(name + ": 1 MiB echoed byte for byte", got == stdin_data,
                 "%d bytes back, first difference at %s (%s)" % (
                     len(got), next((i for i, (a, b) in enumerate(zip(got, stdin_data))
                                     if a != b), min(len(got), len(stdin_data))),
                     jb.verdict_summary(v)))
    else:
        jb.field(name + ": stdout", v, "stdout", want)
    if prog == "alloc":
        jb.check(name + ": peak shows 200 MB touched", v.get("memory_peak_bytes", 0) >= 190e6,
                 figures(v))
    return v


def matrix():
    data = bytes((i * 7 + (i >> 8) * 13 + (i >> 16)) & 0xFF for i in range(1 << 20))
    data = os.urandom(1 << 19) + data[: 1 << 19]  # non-UTF-8 bytes, NULs, all values
    stdin_path = jb.tmpfile("stdin-1mib.bin", data)
    for lang, builder in LANGS:
        built = builder()
        if isinstance(built, tuple):
            if built[0] == "absent":
                jb.diag("SKIP %s: %s" % (lang, built[1]))
            else:
                jb.check("%s: the host build" % lang, False, built[1])
            continue
        for prog in PROGS:
            flags, argv = built[prog]
            run_matrix_case(lang, prog, flags, argv, stdin_path, data)
        run_pinned(lang, *built["threads"])


def run_pinned(lang, flags, argv):
    """4 threads under --cpus 0: the runtime starts on one CPU, where
    sched_setaffinity is EPERM (issue 13), and stays there."""
    name = "%s threads --cpus 0" % lang
    v = jb.run_json(["--cpus", "0"] + flags + ["--"] + argv, timeout=120)
    jb.diag("%s: %s, denied %s" % (name, figures(v), v.get("denied_syscalls")))
    jb.field(name + ": OK", v, "status", "OK")
    jb.field(name + ": stdout", v, "stdout", expected_stdout(lang, "threads"))
    jb.field(name + ": Verdict.cpus", v, "cpus", "0")


# ------------------------------------------------------------------ runtimes see their limits

def runtime_limits():
    java = in_box_path("java")
    if java:
        v = jb.run_json(["--memory", "512M", "--", java, "-XX:+PrintFlagsFinal", "-version"],
                        timeout=120)
        jb.field("java -XX:+PrintFlagsFinal -version under --memory 512M: OK", v, "status", "OK")
        m = re.search(r"\bMaxHeapSize\s*=\s*(\d+)", v.get("stdout", ""))
        heap = int(m.group(1)) if m else -1
        jb.diag("java MaxHeapSize under --memory 512M: %d MiB" % (heap // MiB))
        jb.check("java: MaxHeapSize derived from the job's 512 MiB (<= 512 MiB), not the host's RAM",
                 0 < heap <= 512 * MiB, "MaxHeapSize %d (%.0f MiB)" % (heap, heap / MiB))
    else:
        jb.diag("SKIP java MaxHeapSize: java not installed")
    node = in_box_path("node")
    if node:
        js = "console.log(require('v8').getHeapStatistics().heap_size_limit)"
        v = jb.run_json(["--memory", "512M", "--", node, "-e", js], timeout=120)
        jb.field("node under --memory 512M: OK", v, "status", "OK")
        try:
            heap = int(v.get("stdout", "").strip())
        except ValueError:
            heap = -1
        jb.diag("node heap_size_limit under --memory 512M: %d MiB" % (heap // MiB))
        jb.check("node: heap limit derived from the job's 512 MiB, not the host's RAM",
                 0 < heap <= 512 * MiB, "heap_size_limit %d" % heap)
    else:
        jb.diag("SKIP node heap: node not installed")


# ------------------------------------------------------------------ ci policy

SCRIPT = r"""set -e
printf 'pear\napple\nfig\napple\npear\napple\n' | sort | uniq -c | sed 's/^ *//'
v=outer
(v=inner; cd /tmp && echo "sub $v $(pwd)")
echo "after $v $(pwd)"
n=$( (echo one; echo two; echo three) | grep -c o )
echo "count $n"
echo done > out.txt
tr a-z A-Z < out.txt | cat
ls /box | sort | tr '\n' ' '; echo
"""
SCRIPT_OUT = ("3 apple\n1 fig\n2 pear\nsub inner /tmp\nafter outer /box\ncount 2\nDONE\n"
              "out.txt script.sh \n")

CPROG = r"""#include <stdio.h>
int main(void)
{
	unsigned long f = 1;
	for (int i = 2; i <= 20; i++)
		f *= i;
	printf("compiled in the box: 20! = %lu\n", f);
	return 0;
}
"""


def ci_policy():
    script = jb.tmpfile("script.sh", SCRIPT.encode())
    v = jb.run_json(["--policy", "ci", "--file", script + ":script.sh", "--",
                     "/bin/sh", "/box/script.sh"])
    jb.diag("ci sh script: " + figures(v))
    jb.field("ci: sh script with pipes, subshells, sort | uniq: OK", v, "status", "OK")
    jb.field("ci: sh script output", v, "stdout", SCRIPT_OUT)

    gcc = in_box_path("gcc")
    if not gcc:
        jb.diag("SKIP ci gcc: gcc not installed")
        return
    src = jb.tmpfile("small.c", CPROG.encode())
    v = jb.run_json(["--policy", "ci", "--file", src + ":small.c", "--", "/bin/sh", "-c",
                     "cd /box && %s -O2 -Wall -o small small.c && test -x /box/small && "
                     "./small" % gcc], timeout=120)
    jb.diag("ci gcc compile + run: " + figures(v))
    jb.field("ci: gcc compiles in the box and the result runs: OK", v, "status", "OK")
    jb.field("ci: compiled program's output", v, "stdout",
             "compiled in the box: 20! = 2432902008176640000\n")


# ------------------------------------------------------------------ strict policy

def strict_policy():
    gcc = shutil.which("gcc")
    if not gcc:
        jb.diag("SKIP strict: gcc not installed")
        return
    echo = os.path.join(jb.tmpdir(), "strict-echo")
    opener = os.path.join(jb.tmpdir(), "strict-open")
    ok1, log1 = sh([gcc, "-O2", "-static", "-o", echo, os.path.join(LANG_DIR, "echo.c")])
    ok2, log2 = sh([gcc, "-O2", "-static", "-o", opener, os.path.join(LANG_DIR, "open_passwd.c")])
    if not (ok1 and ok2):
        jb.diag("SKIP strict: no static build: " + (log1 + log2)[-300:])
        return
    data = b"strict echo\n" + bytes(range(256)) * 64
    stdin = jb.tmpfile("strict.in", data)
    v = jb.run_json(["--policy", "strict", "--stdin", stdin, "--copy", "--", echo])
    jb.field("strict: static echo OK", v, "status", "OK")
    jb.check("strict: static echo byte for byte", jb.out_bytes(v) == data,
             "%d bytes back (%s)" % (len(jb.out_bytes(v)), jb.verdict_summary(v)))

    v = jb.run_json(["--policy", "strict", "--copy", "--", opener])
    jb.field("strict: open('/etc/passwd') is SYSCALL_VIOLATION", v, "status", "SYSCALL_VIOLATION")
    jb.check("strict: the violation names openat (or open)",
             v.get("syscall") in ("openat", "open"), jb.verdict_summary(v))
    jb.check("strict: nothing printed after the forbidden open",
             "open returned" not in v.get("stdout", ""), jb.verdict_summary(v))


# ------------------------------------------------------------------ policy check / show

def policy_commands():
    cwd = os.getcwd()
    os.chdir(POLICIES_BAD)  # the .expected lines name the file as given
    try:
        for name in ("always_forbidden", "bad_action", "bad_condition", "duplicate",
                     "unknown_syscall"):
            with open(name + ".expected") as f:
                want = f.read().splitlines()[0]
            res = jb.run([jb.JB_BIN, "policy", "check", name + ".policy"])
            text = (res.stderr or res.stdout).decode("utf-8", "replace")
            jb.eq("policy check %s.policy exits 1" % name, res.rc, 1)
            jb.eq("policy check %s.policy: first line" % name,
                  (text.splitlines() or [""])[0], want)
    finally:
        os.chdir(cwd)
    for pol in ("default", "ci", "strict", "compile"):
        path = os.path.join(jb.SOURCE_DIR, "policies", pol + ".policy")
        if not os.path.exists(path) and pol != "default":
            continue
        res = jb.run([jb.JB_BIN, "policy", "check", path])
        jb.check("policy check policies/%s.policy exits 0" % pol, res.rc == 0, repr(res))
    res = jb.run([jb.JB_BIN, "policy", "show", "default"])
    lines = res.stdout.decode("utf-8", "replace").splitlines()
    jb.eq("policy show default exits 0", res.rc, 0)
    rules = [l for l in lines if re.match(r"^(allow|kill|errno)\b", l)]
    jb.check("policy show default lists rules", len(rules) >= 20,
             "%d rule lines: %r" % (len(rules), lines[:5]))
    jb.check("policy show default: allows read, kills ptrace, answers clone3 with ENOSYS",
             any(re.match(r"^allow\b.*\bread\b", l) for l in rules)
             and any(re.match(r"^kill\b.*\bptrace\b", l) for l in rules)
             and any(re.match(r"^errno ENOSYS\b.*\bclone3\b", l) for l in rules),
             "rules: %r" % rules[:40])
    res = jb.run([jb.JB_BIN, "policy", "show", "no-such-policy"])
    jb.check("policy show of an unknown name fails naming it",
             res.rc != 0 and b"no-such-policy" in res.stderr + res.stdout, repr(res))


def main():
    jb.require_binary()
    before = jb.snapshot()
    policy_commands()
    matrix()
    runtime_limits()
    ci_policy()
    strict_policy()
    jb.assert_no_leftovers_here(before)
    jb.finish()


if __name__ == "__main__":
    main()
