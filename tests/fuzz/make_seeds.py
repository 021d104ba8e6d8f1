#!/usr/bin/env python3
"""Write the hostile seeds of the fuzz corpus (python3 stdlib only).

    tests/fuzz/make_seeds.py [TESTDATA_FUZZ_DIR]   (default: testdata/fuzz)

Jobs into job/ (fuzz_job) and Verdicts into verdict/ (fuzz_verdict):
interactors nested past the one level allowed, argv and env one past their
caps (4096: 8 KB of empty entries; files and collect, capped at 10,000,
share the code and would make every input 20 KB, so the unit tests cover
them), a path one component too deep, repeated singular fields, and the
honest shapes next to them (an interactor one deep, argv at its cap), so
that mutations start on both sides of each bound. The files are committed;
run this again after changing a cap in executor/wire/job.c.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from jbstream import pb_field  # noqa: E402

TRUE = pb_field(3, 2, b"/bin/true")  # Job.argv


def job_chain(depth):
    """A Job whose interactor (field 12) nests depth deep."""
    inner = TRUE
    for _ in range(depth):
        inner = TRUE + pb_field(12, 2, inner)
    return inner


def verdict_chain(depth):
    """A Verdict whose interactor (field 22) nests depth deep."""
    inner = pb_field(1, 2, b"v") + pb_field(2, 0, 1)
    for _ in range(depth):
        inner = pb_field(1, 2, b"v") + pb_field(22, 2, inner)
    return inner


def repeated(num, n, entry=b""):
    return TRUE + pb_field(num, 2, entry) * n


def seeds():
    deep_path = "/".join(["d"] * 64) + "/f"
    files_empty = pb_field(8, 2, b"")
    return {
        "job": {
            "interactor_1.job": job_chain(1),
            "interactor_2.job": job_chain(2),
            "interactor_40.job": job_chain(40),
            "argv_4096.job": TRUE + pb_field(3, 2, b"") * 4095,
            "argv_4097.job": TRUE + pb_field(3, 2, b"") * 4096,
            "env_4097.job": repeated(4, 4097),
            "interactor_argv_4097.job": TRUE + pb_field(12, 2, TRUE + pb_field(3, 2, b"") * 4096),
            "files_empty.job": TRUE + files_empty * 64,
            "path_65.job": TRUE + pb_field(8, 2, pb_field(1, 2, deep_path.encode())),
            "id_repeated.job": TRUE + pb_field(1, 2, b"a") * 64,
            "limits_repeated.job": TRUE + pb_field(6, 2, pb_field(1, 0, 5)) * 32,
        },
        "verdict": {
            "minimal.bin": pb_field(1, 2, b"v") + pb_field(2, 0, 1),
            "interactor_1.bin": verdict_chain(1),
            "interactor_2.bin": verdict_chain(2),
            "interactor_40.bin": verdict_chain(40),
            "files_100.bin": pb_field(14, 2, pb_field(1, 2, b"out") + pb_field(2, 2, b"x")) * 100,
            "unknown_field.bin": pb_field(1, 2, b"v") + pb_field(99, 0, 1),
            "denied.bin": pb_field(19, 2, b"clone3") * 20 + pb_field(20, 2, b"0.1.0"),
        },
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "testdata", "fuzz")
    for sub, files in seeds().items():
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(out, sub, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
