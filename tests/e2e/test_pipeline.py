#!/usr/bin/env python3
"""The judge pipeline (issue 7): testdata/pipeline/run.sh compiles a C
solution in the box, collects the binary, runs it on three tests and has a
testlib-style checker judge each; the checker's exit codes; the collect
semantics (regular files only, never through a symlink, FIFOs refused
without blocking, the cap, missing files, directories, paths outside /box);
compiling valid and invalid C and C++ in the box."""
import base64
import os
import re
import shutil
import sys
import time
sys.dont_write_bytecode = True
import jb

PIPELINE = os.path.join(jb.SOURCE_DIR, "testdata", "pipeline")
RUN_SH = os.path.join(PIPELINE, "run.sh")
BOX_PATH = "/usr/local/bin:/usr/bin:/bin"


def compile_limits():
    return jb.compile_limits(RUN_SH)


def has(tool):
    return shutil.which(tool, path=BOX_PATH) is not None


def content(f):
    return base64.b64decode(f.get("content", ""))


def run_sh(source, name):
    """run.sh on SOURCE: (rc, {test: verdict line}, result, whole stdout)."""
    env = dict(os.environ, JB=jb.JB_BIN)
    res = jb.run(["bash", RUN_SH, source], env=env, timeout=120)
    out = res.stdout.decode("utf-8", "replace")
    tests = dict(re.findall(r"^test (\d+): (.*)$", out, re.M))
    m = re.search(r"^result: (.*)$", out, re.M)
    jb.diag("%s:\n%s%s" % (name, out, res.stderr.decode("utf-8", "replace")))
    return res.rc, tests, m.group(1) if m else None, out


def test_run_sh():
    rc, tests, result, out = run_sh(os.path.join(PIPELINE, "sol.c"), "sol.c")
    jb.check("run.sh sol.c: compiled in the box", "compile sol.c: OK" in out, out)
    jb.eq("run.sh sol.c: all three tests OK", tests, {"1": "OK", "2": "OK", "3": "OK"})
    jb.eq("run.sh sol.c: result OK, exit 0", (result, rc), ("OK", 0))

    rc, tests, result, out = run_sh(os.path.join(PIPELINE, "sol_wrong.c"), "sol_wrong.c")
    jb.eq("run.sh sol_wrong.c: tests 1 and 3 OK", (tests.get("1"), tests.get("3")), ("OK", "OK"))
    jb.check("run.sh sol_wrong.c: WRONG_ANSWER on test 2, with the checker's reason",
             tests.get("2", "").startswith("WRONG_ANSWER (wrong answer") and
             "7000000004" in tests.get("2", ""), tests)
    jb.eq("run.sh sol_wrong.c: result and exit 1", (result, rc), ("WRONG_ANSWER on test 2", 1))

    src = jb.tmpfile("points.c", b'#include <stdio.h>\nint main(void) { long long n, a, s = 0;\n'
                     b'scanf("%lld", &n); while (n--) { scanf("%lld", &a); s += a; }\n'
                     b'printf("%lld %lld\\n", s, s); return 0; }\n')
    rc, tests, result, _ = run_sh(src, "points.c (sum right, maximum wrong)")
    jb.check("run.sh: half right is POINTS 0.5 on every test",
             len(tests) == 3 and all(v.startswith("POINTS 0.5 (") for v in tests.values()), tests)

    src = jb.tmpfile("ce.c", b"int main(void) { return undeclared_thing; }\n")
    rc, tests, result, out = run_sh(src, "ce.c")
    jb.eq("run.sh: a compilation error is reported, exit 1", (result, rc),
          ("COMPILATION_ERROR", 1))
    jb.check("run.sh: ... with gcc's message", "undeclared_thing" in out and not tests, out)


def box_compile(argv, files, collect=(), flags=()):
    """A compiler in the box under run.sh's compile limits: the verdict."""
    args = compile_limits() + list(flags)
    for box, host in files.items():
        args += ["--file", "%s:%s" % (host, box)]
    for c in collect:
        args += ["--collect", c]
    return jb.run_json(args + ["--"] + list(argv), timeout=120)


def collected_binary(v, name):
    """Write the first collected file to the scratch dir; its path or None."""
    files = v.get("files") or [{}]
    if files[0].get("error") or not files[0].get("content"):
        return None
    return jb.tmpfile(name, content(files[0]), 0o755)


def run_binary(path, stdin_bytes, flags=()):
    stdin = jb.tmpfile(os.path.basename(path) + ".in", stdin_bytes)
    return jb.run_json(["--time", "2", "--stdin", stdin] + list(flags) + ["--copy", "--", path])


def test_checker_codes():
    v = box_compile(["gcc", "-O2", "-o", "checker", "checker.c"],
                    {"checker.c": os.path.join(PIPELINE, "checker.c")}, ["checker"])
    checker = collected_binary(v, "checker")
    if not jb.check("checker.c compiles in the box", checker, jb.verdict_summary(v)):
        return
    test_in = os.path.join(PIPELINE, "tests", "2.in")
    cases = [("OK", b"7000000004 4000000000\n", b"7000000004 4000000000\n", 0),
             ("OK, any whitespace", b"  7000000004\n\n4000000000", b"7000000004 4000000000\n", 0),
             ("WRONG_ANSWER", b"1 2\n", b"7000000004 4000000000\n", 1),
             ("PRESENTATION_ERROR (not a number)", b"seven 4\n", b"7000000004 4000000000\n", 2),
             ("PRESENTATION_ERROR (one number)", b"7000000004\n", b"7000000004 4000000000\n", 2),
             ("PRESENTATION_ERROR (extra data)", b"7000000004 4000000000 9\n",
              b"7000000004 4000000000\n", 2),
             ("FAIL (the jury's answer is wrong)", b"1 2\n", b"1 2\n", 3),
             ("POINTS (sum right)", b"7000000004 1\n", b"7000000004 4000000000\n", 7),
             ("POINTS (maximum right)", b"1 4000000000\n", b"7000000004 4000000000\n", 7)]
    for i, (name, out, ans, code) in enumerate(cases):
        o = jb.tmpfile("c%d.out" % i, out)
        a = jb.tmpfile("c%d.ans" % i, ans)
        v = jb.run_json(["--file", test_in + ":input.txt", "--file", o + ":output.txt",
                         "--file", a + ":answer.txt", "--copy", "--", checker,
                         "input.txt", "output.txt", "answer.txt"])
        jb.eq("checker: %s is exit code %d" % (name, code), (v.get("exit_code"), v.get("signal"),
              v.get("status")), (code, 0, "OK" if code == 0 else "RUNTIME_ERROR"))
        if code == 7:
            jb.eq("checker: %s writes the score alone on stdout" % name, v.get("stdout"), "0.5\n")


COLLECT_SCRIPT = r"""
printf 'hello, collect\n' > normal
mkdir -p sub/d && printf 'nested\n' > sub/d/f
ln -s /etc/passwd link
ln -s ../../../../../../etc/passwd rel
ln -s normal inlink
ln -s /etc etc
mkfifo fifo
i=0; while [ $i -lt 100 ]; do echo 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN; i=$((i+1)); done > big
head -c 1024 big > exact
mkdir dir
"""
BIG = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN\n" * 100
COLLECT = ["normal", "/box/sub/d/f", "link", "rel", "inlink", "etc/passwd", "fifo", "big",
           "exact", "missing", "dir"]


def fifo_env():
    """A policy that lets the job make a FIFO (mknod is killed everywhere else)."""
    d = os.path.join(jb.tmpdir(), "policies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "e2e-fifo.policy"), "w") as f:
        f.write("# compile plus mkfifo, for the collect tests\ninclude compile\n"
                "allow mknod mknodat\n")
    return dict(os.environ, JB_POLICY_PATH=d + ":" + os.path.join(jb.SOURCE_DIR, "policies"))


def test_collect():
    args = ["--policy", "e2e-fifo", "--output-limit", "1K"]
    for c in COLLECT:
        args += ["--collect", c]
    res = jb.run([jb.JB_BIN, "run", "--json"] + args + ["--", "/bin/sh", "-c", COLLECT_SCRIPT],
                 env=fifo_env(), timeout=30)
    v = jb.parse_json(res)
    jb.field("collect: the job itself is OK", v, "status", "OK")
    jb.check("collect: a FIFO does not block (no time-out)", res.rc is not None, repr(res))
    files = v.get("files") or []
    jb.eq("collect: one entry per path, in the order asked", [f.get("path") for f in files],
          COLLECT)
    got = {f.get("path"): f for f in files}

    def entry(path):
        f = got.get(path, {})
        return content(f), f.get("truncated"), f.get("error", "<missing>")

    jb.eq("collect: a normal file comes back whole", entry("normal"),
          (b"hello, collect\n", False, ""))
    jb.eq("collect: an absolute /box path, nested", entry("/box/sub/d/f"), (b"nested\n", False, ""))
    for path, what in [("link", "a symlink to /etc/passwd"),
                       ("rel", "a relative symlink climbing out of /box"),
                       ("inlink", "a symlink to a file inside /box"),
                       ("etc/passwd", "a path through a symlinked directory (/box/etc -> /etc)")]:
        data, trunc, err = entry(path)
        jb.check("collect: %s is refused, no content, a clear message" % what,
                 data == b"" and not trunc and re.search(r"symbolic link|symlink", err),
                 (data[:80], trunc, err))
    leaked = [f.get("path") for f in files if b"root:" in content(f)]
    jb.eq("collect: no host file's data in any entry", leaked, [])
    data, trunc, err = entry("fifo")
    jb.check("collect: a FIFO is refused with a message", data == b"" and "FIFO" in err,
             (data, err))
    jb.eq("collect: a file over the cap (1K) is truncated to 1024 bytes and flagged",
          entry("big"), (BIG[:1024], True, ""))
    jb.eq("collect: a file of exactly the cap is whole, not flagged", entry("exact"),
          (BIG[:1024], False, ""))
    data, trunc, err = entry("missing")
    jb.check("collect: a missing file gives a message, no content", data == b"" and err,
             (data, err))
    data, trunc, err = entry("dir")
    jb.check("collect: a directory is refused with a message",
             data == b"" and "directory" in err, (data, err))
    jb.eq("collect: a truncated file is not a status change", v.get("stdout_truncated"), False)

    for path in ["/etc/passwd", "../etc/passwd", "/box/../etc/passwd", "/boxx/f"]:
        v = jb.run_json(["--collect", path, "--", "/bin/true"])
        jb.check("collect %r (outside /box) is INVALID_JOB" % path,
                 v.get("status") == "INVALID_JOB" and not v.get("files"), jb.verdict_summary(v))


C_OK = b"""#include <stdio.h>
int main(void) { long long n, a, s = 0; scanf("%lld", &n);
  while (n-- > 0 && scanf("%lld", &a) == 1) s += a; printf("%lld\\n", s); return 0; }
"""
C_BAD = b"int main(void) { int x = ; return y; }\n"
CXX_OK = b"""#include <algorithm>
#include <iostream>
#include <vector>
int main() { std::vector<long long> v; long long x; std::cin >> x;
  while (std::cin >> x) v.push_back(x); std::sort(v.begin(), v.end());
  for (auto y : v) std::cout << y << ' '; std::cout << '\\n'; }
"""
CXX_BAD = b"#include <string>\nint main() { std::string s = 42; return s; }\n"


def check_compile(lang, compiler, std, ok_src, bad_src, want_out):
    ext = "c" if lang == "C" else "cpp"
    src = jb.tmpfile("ok." + ext, ok_src)
    v = box_compile([compiler, "-O2", "-std=" + std, "-o", "prog", "prog." + ext],
                    {"prog." + ext: src}, ["prog"])
    jb.field("%s: valid source compiles (OK)" % lang, v, "status", "OK")
    binary = collected_binary(v, "prog-" + ext)
    jb.check("%s: the binary comes back (ELF)" % lang,
             binary and open(binary, "rb").read(4) == b"\x7fELF", (v.get("files") or [{}])[0])
    if binary:
        r = run_binary(binary, b"4\n3000000000 4000000000 -1 5\n")
        jb.eq("%s: the collected binary runs in a new job" % lang, (r.get("status"),
              r.get("stdout")), ("OK", want_out))
    src = jb.tmpfile("bad." + ext, bad_src)
    v = box_compile([compiler, "-o", "prog", "prog." + ext], {"prog." + ext: src}, ["prog"])
    jb.eq("%s: invalid source is RUNTIME_ERROR, exit code 1" % lang,
          (v.get("status"), v.get("exit_code"), v.get("signal")), ("RUNTIME_ERROR", 1, 0))
    jb.check("%s: the compiler's errors come back in stderr" % lang,
             "error:" in v.get("stderr", "") and "prog." + ext in v.get("stderr", ""),
             v.get("stderr"))
    f = (v.get("files") or [{}])[0]
    jb.check("%s: no binary, the collect entry says why" % lang,
             not f.get("content") and f.get("error"), f)


def main():
    jb.require_binary()
    if not has("gcc"):
        jb.skip_all("gcc is not installed (run.sh compiles with it)")
    before = jb.snapshot()
    test_run_sh()
    test_checker_codes()
    test_collect()
    check_compile("C", "gcc", "gnu11", C_OK, C_BAD, "7000000004\n")
    if has("g++"):
        check_compile("C++", "g++", "c++17", CXX_OK, CXX_BAD, "-1 5 3000000000 4000000000 \n")
    else:
        jb.diag("SKIP C++: g++ is not installed")
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
