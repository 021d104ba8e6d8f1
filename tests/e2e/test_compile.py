#!/usr/bin/env python3
"""Compilers in the box (issue 7), under the compile limits documented in
testdata/pipeline/run.sh: compile bombs end in a verdict within the limits
(each the one status its limits give it, its figures within them), and python3's
py_compile produces a .pyc to collect and run.

Every language of the matrix compiles in the box under the `compile` policy
(issue 13: gcc, g++, javac, rustc, go build with its cache in /tmp,
py_compile), with the commands README shows; the collected result then reads
input.txt and writes output.txt under `default` (testdata/lang/fileio.*)."""
import base64
import os
import shutil
import subprocess
import sys
sys.dont_write_bytecode = True
import jb
from test_languages import FILEIO_IN, FILEIO_OUT, LANG_DIR

RUN_SH = os.path.join(jb.SOURCE_DIR, "testdata", "pipeline", "run.sh")
BOX_PATH = "/usr/local/bin:/usr/bin:/bin"


def compile_limits():
    return jb.compile_limits(RUN_SH)


def has(tool):
    return shutil.which(tool, path=BOX_PATH) is not None


def box(argv, files, collect=(), extra=()):
    args = list(compile_limits()) + list(extra)
    for name, data in files.items():
        args += ["--file", "%s:%s" % (jb.tmpfile(os.path.basename(name), data), name)]
    for c in collect:
        args += ["--collect", c]
    return jb.run_json(args + ["--"] + list(argv), timeout=120)


def bomb(name, argv, files, expected, extra=()):
    """Run one bomb under the compile limits with extra flags after them (the
    last of a flag wins); check its verdict is the one expected, within the
    limits that applied."""
    v = box(argv, files, extra=extra)
    lim = v.get("limits", {})
    wall_s = lim.get("wall_time_ms", 0) / 1000
    cpu_ms = lim.get("cpu_time_ms", 0)
    st = v.get("status")
    jb.diag("%s: %s in %.2f s (cpu %.2f s, peak %.0f MiB, exit %s, signal %s): %s" % (
        name, st, v.get("_elapsed", 0), v.get("cpu_time_us", 0) / 1e6,
        v.get("memory_peak_bytes", 0) / 2**20, v.get("exit_code"), v.get("signal"),
        (v.get("message") or v.get("stderr", "")[-160:]).strip()))
    jb.check("%s: %s" % (name, expected), st == expected, jb.verdict_summary(v))
    jb.check("%s: the job's figures stay within its limits" % name,
             v.get("wall_time_us", 0) <= (wall_s + 0.2) * 1e6 and
             v.get("cpu_time_us", 0) <= (cpu_ms + 200) * 1000 and
             v.get("memory_peak_bytes", 0) <= v.get("limits", {}).get("memory_bytes", 0),
             jb.verdict_summary(v))
    return v


def test_bombs():
    if has("gcc"):
        bomb("#include </dev/urandom>", ["gcc", "-c", "ur.c"],
             {"ur.c": b"#include </dev/urandom>\n"}, "MEMORY_LIMIT", ["--memory", "128M"])
        # A task (as) dying of SIGXFSZ is OUTPUT_LIMIT by the contract, even
        # when its parent (gcc) survives to report it and exits 4.
        bomb("1 GiB initialised static array", ["gcc", "-o", "big", "big.c"],
             {"big.c": b"char a[1 << 30] = {1};\nint main(void) { return a[0]; }\n"},
             "OUTPUT_LIMIT")
    else:
        jb.diag("SKIP the gcc bombs: gcc is not installed")
    if has("g++"):
        bomb("endless template recursion (g++ -ftemplate-depth=100000000)",
             ["g++", "-ftemplate-depth=100000000", "-c", "t.cpp"],
             {"t.cpp": b"template <int N> struct R { static const int v = R<N + 1>::v + 1; };\n"
                       b"int x = R<0>::v;\n"}, "MEMORY_LIMIT", ["--memory", "128M"])
        bomb("deep template recursion, CPU-bound (F<100000>, -ftemplate-depth=1000000)",
             ["g++", "-ftemplate-depth=1000000", "-c", "f.cpp"],
             {"f.cpp": b"template <int N> struct F { static const long v = F<N - 1>::v + "
                       b"F<N - 2>::v; };\ntemplate <> struct F<0> { static const long v = 0; };\n"
                       b"template <> struct F<1> { static const long v = 1; };\n"
                       b"long x = F<100000>::v;\n"}, "TIME_LIMIT", ["--time", "2"])
    else:
        jb.diag("SKIP the g++ bombs: g++ is not installed")


PY_SRC = b"import sys\nprint(sum(int(x) for x in sys.stdin.read().split()[1:]))\n"


def host_python(code):
    return subprocess.run(["/usr/bin/python3", "-c", code], stdout=subprocess.PIPE,
                          check=True).stdout


def run_pyc(name, pyc):
    """Run a collected .pyc in a new job: python3 runs it without the source."""
    path = jb.tmpfile(name, pyc)
    stdin = jb.tmpfile(name + ".in", b"3\n1 2 3\n")
    v = jb.run_json(["--file", path + ":x.pyc", "--stdin", stdin, "--",
                     "/usr/bin/python3", "x.pyc"])
    jb.eq("py_compile: the collected %s runs in a new job" % name,
          (v.get("status"), v.get("stdout")), ("OK", "6\n"))


def test_py_compile():
    if not os.access("/usr/bin/python3", os.X_OK):
        jb.diag("SKIP py_compile: no /usr/bin/python3 for the box")
        return
    magic = host_python("import importlib.util, sys; "
                        "sys.stdout.buffer.write(importlib.util.MAGIC_NUMBER)")
    tag = host_python("import sys; sys.stdout.write(sys.implementation.cache_tag)").decode()

    v = box(["/usr/bin/python3", "-c", "import py_compile; "
             "py_compile.compile('/box/x.py', cfile='/box/x.pyc', doraise=True)"],
            {"x.py": PY_SRC}, ["x.pyc"])
    jb.field("py_compile.compile(cfile=x.pyc): OK", v, "status", "OK")
    f = (v.get("files") or [{}])[0]
    pyc = base64.b64decode(f.get("content", ""))
    jb.check("py_compile: x.pyc collected, starting with the interpreter's magic",
             pyc[:len(magic)] == magic and not f.get("error") and not f.get("truncated"), f)
    if pyc:
        run_pyc("x.pyc", pyc)

    cached = "__pycache__/x.%s.pyc" % tag
    v = box(["/usr/bin/python3", "-m", "py_compile", "x.py"], {"x.py": PY_SRC}, [cached])
    f = (v.get("files") or [{}])[0]
    jb.check("python3 -m py_compile: %s collected" % cached, v.get("status") == "OK" and
             base64.b64decode(f.get("content", ""))[:len(magic)] == magic,
             "%s; %s" % (jb.verdict_summary(v), f))

    v = box(["/usr/bin/python3", "-m", "py_compile", "bad.py"], {"bad.py": b"def f(:\n"})
    jb.eq("python3 -m py_compile of a syntax error: RUNTIME_ERROR, exit code 1",
          (v.get("status"), v.get("exit_code")), ("RUNTIME_ERROR", 1))
    jb.check("... with the SyntaxError in stderr", "SyntaxError" in v.get("stderr", ""),
             v.get("stderr"))


# go build: its cache in /tmp (the box's HOME, /box, is the job's own
# files), no toolchain download, no cgo (gcc stays out of the link).
GO_ENV = ["GOCACHE=/tmp/go-cache", "GOTOOLCHAIN=local", "CGO_ENABLED=0"]

# lang: (box tool, source, compile argv, env, collected files, run argv
# (None: run the collected 'prog'), runs (extra args of each run))
COMPILERS = [
    ("c", "gcc", "fileio.c", ["gcc", "-O2", "-o", "prog", "fileio.c"], [], ["prog"], None),
    ("c++", "g++", "fileio.cpp", ["g++", "-O2", "-o", "prog", "fileio.cpp"], [], ["prog"], None),
    ("java", "javac", "Fileio.java", ["javac", "Fileio.java"], [], ["Fileio.class"],
     ["java", "-cp", "/box", "Fileio", "scanner"]),
    ("rust", "rustc", "fileio.rs", ["rustc", "-O", "-C", "strip=symbols", "-o", "prog",
                                    "fileio.rs"], [], ["prog"], None),
    ("go", "go", "fileio.go", ["go", "build", "-o", "prog", "fileio.go"], GO_ENV, ["prog"], None),
    ("python", "python3", "fileio.py", ["python3", "-c", "import py_compile; py_compile.compile("
                                        "'fileio.py', cfile='fileio.pyc', doraise=True)"],
     [], ["fileio.pyc"], ["python3", "fileio.pyc"]),
]


def compile_one(lang, src, argv, env, collect):
    """Compile src in the box; returns the verdict and {path: bytes}."""
    with open(os.path.join(LANG_DIR, src), "rb") as f:
        data = f.read()
    args = list(compile_limits()) + ["--file", "%s:%s" % (jb.tmpfile(src, data), src)]
    for e in env:
        args += ["--env", e]
    if env:
        args += ["--env", "PATH=" + BOX_PATH, "--env", "HOME=/box"]
    for c in collect:
        args += ["--collect", c]
    v = jb.run_json(args + ["--"] + argv, timeout=120)
    jb.diag("%s: %s: %s, cpu %.2f s, wall %.2f s, peak %.0f MiB, denied %s" % (
        lang, " ".join(argv), v.get("status"), v.get("cpu_time_us", 0) / 1e6,
        v.get("wall_time_us", 0) / 1e6, v.get("memory_peak_bytes", 0) / 2**20,
        v.get("denied_syscalls")))
    out = {}
    for f in v.get("files") or []:
        if not f.get("error") and not f.get("truncated"):
            out[f["path"]] = base64.b64decode(f.get("content", ""))
    return v, out


def run_compiled(lang, built, run_argv):
    """Run what the box compiled, under default: input.txt in, output.txt out."""
    args = ["--file", jb.tmpfile("input-%s.txt" % lang, FILEIO_IN) + ":input.txt",
            "--collect", "output.txt"]
    if run_argv is None:
        args += ["--copy", "--", jb.tmpfile("prog-%s" % lang, built["prog"], 0o755)]
    else:
        for path, data in built.items():
            args += ["--file", "%s:%s" % (jb.tmpfile("%s-%s" % (lang, path), data), path)]
        args += ["--"] + run_argv
    v = jb.run_json(args, timeout=120)
    f = (v.get("files") or [{}])[0]
    got = base64.b64decode(f.get("content", "")).decode("utf-8", "replace")
    jb.check("%s: the program compiled in the box reads input.txt, writes output.txt" % lang,
             v.get("status") == "OK" and got == FILEIO_OUT,
             "output.txt %r (%s)" % (got[:80], jb.verdict_summary(v)))


def test_languages():
    for lang, tool, src, argv, env, collect, run_argv in COMPILERS:
        if not has(tool):
            jb.diag("SKIP %s: %s is not installed where the box sees it" % (lang, tool))
            continue
        v, built = compile_one(lang, src, argv, env, collect)
        jb.check("%s: %s compiles in the box under the compile policy: OK" % (lang, argv[0]),
                 v.get("status") == "OK" and set(built) == set(collect),
                 "%s; collected %s" % (jb.verdict_summary(v), sorted(built)))
        if set(built) == set(collect):
            run_compiled(lang, built, run_argv)


def main():
    jb.require_binary()
    if not has("gcc") and not has("g++"):
        jb.skip_all("neither gcc nor g++ is installed")
    before = jb.snapshot()
    test_bombs()
    test_py_compile()
    test_languages()
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
