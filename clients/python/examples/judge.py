#!/usr/bin/env python3
"""Judge a C solution with the judgebox Python client: compile it with gcc
in the box under the `compile` policy, collect the binary, run it on every
TESTS/N.in in one batch and compare its output with TESTS/N.ans, token by
token.

    judge.py [--judgebox PATH] SOLUTION.c TESTS_DIR

Prints "test N: OK" (or WRONG_ANSWER, TIME_LIMIT, ...) per test in test
order and "result: OK" or "result: VERDICT on test N"; exits 0 when
accepted, 1 when not (COMPILATION_ERROR included). The same code is in the
README's "Python client" section (a test checks that they agree)."""

import argparse
import os
import sys

from judgebox import Client, Status

# README-BEGIN
COMPILE = dict(policy="compile", cpu_time_ms=10_000, wall_time_ms=20_000,
               memory_bytes=512 << 20, processes=32, box_bytes=256 << 20,
               file_size_bytes=64 << 20)


def judge(client, source: bytes, tests):
    """tests: [(input, answer)]. Returns one verdict name per test, or
    ["COMPILATION_ERROR"]."""
    v = client.run(["gcc", "-O2", "-o", "prog", "sol.c"], files={"sol.c": source},
                   collect=["prog"], **COMPILE)
    if v.status != Status.OK or v.file("prog").error:
        print(v.stderr.decode(errors="replace"), file=sys.stderr)
        return ["COMPILATION_ERROR"]
    binary = v.file("prog").content
    jobs = [dict(argv=["./sol"], executable=binary, stdin=inp, cpu_time_ms=1000)
            for inp, _ in tests]
    results = [None] * len(tests)
    for v in client.batch(jobs):  # completion order; v.seq is the test's index
        if v.status != Status.OK:
            results[v.seq] = v.status.name
        elif v.stdout.split() != tests[v.seq][1].split():
            results[v.seq] = "WRONG_ANSWER"
        else:
            results[v.seq] = "OK"
    return results
# README-END


def load_tests(directory):
    names = sorted((f[:-3] for f in os.listdir(directory) if f.endswith(".in")), key=int)
    tests = []
    for n in names:
        with open(os.path.join(directory, n + ".in"), "rb") as i, \
                open(os.path.join(directory, n + ".ans"), "rb") as a:
            tests.append((i.read(), a.read()))
    return names, tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--judgebox", default=True, help="the judgebox binary (default: on PATH)")
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("solution")
    ap.add_argument("tests")
    args = ap.parse_args()
    client = Client(local=args.judgebox, parallel=args.parallel)
    with open(args.solution, "rb") as f:
        source = f.read()
    names, tests = load_tests(args.tests)
    results = judge(client, source, tests)
    if results == ["COMPILATION_ERROR"]:
        print("result: COMPILATION_ERROR")
        return 1
    for n, r in zip(names, results):
        print("test %s: %s" % (n, r))
    bad = [(n, r) for n, r in zip(names, results) if r != "OK"]
    print("result: " + ("OK" if not bad else "%s on test %s" % (bad[0][1], bad[0][0])))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
