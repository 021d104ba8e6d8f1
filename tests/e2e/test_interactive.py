#!/usr/bin/env python3
"""Interactive jobs (issue 7): guess-the-number with a correct, a wrong and a
hanging solution; both sides sandboxed with their own limits; nothing left."""
import sys, time
sys.dont_write_bytecode = True
import jb


def interactor_job(secret, most, wall="5"):
    res = jb.run([jb.JB_BIN, "job", "--wall-time", wall, "--copy", "--",
                  jb.payload("guess_interactor"), str(secret), str(most)])
    if res.rc != 0:
        raise SystemExit("judgebox job failed: %r" % (res,))
    return jb.tmpfile("int-%s-%s.job" % (secret, most), res.stdout)


def play(mode, job, flags=()):
    return jb.run_json(["--wall-time", "5", "--time", "2", "--interactor", job] + list(flags) +
                       ["--copy", "--", jb.payload("guess_solution"), mode], timeout=60)


def main():
    jb.require_binary()
    before = jb.snapshot()
    job = interactor_job(777777, 25)

    v = play("ok", job)
    i = v.get("interactor") or {}
    jb.eq("correct: solution OK", v.get("status"), "OK")
    jb.eq("correct: interactor accepts (exit 0)", (i.get("status"), i.get("exit_code")), ("OK", 0))
    jb.check("correct: interactor says how many guesses", "ok: " in i.get("stderr", ""),
             i.get("stderr"))
    jb.eq("correct: the solution's stdout went to the interactor, not the verdict",
          v.get("stdout"), "")
    jb.check("correct: both sides measured", v.get("wall_time_us", 0) > 0 and
             i.get("wall_time_us", 0) > 0, jb.verdict_summary(v))
    jb.check("correct: each side has its own limits echoed",
             v["limits"]["cpu_time_ms"] == 2000 and i["limits"]["cpu_time_ms"] == 10000,
             (v["limits"], i["limits"]))

    v = play("wrong", job)
    i = v.get("interactor") or {}
    jb.eq("wrong: interactor rejects with testlib's WA (exit 1)",
          (i.get("status"), i.get("exit_code")), ("RUNTIME_ERROR", 1))
    jb.check("wrong: the interactor says why", "wrong answer" in i.get("stderr", ""),
             i.get("stderr"))

    v = play("hang", interactor_job(5, 25, wall="1"))
    i = v.get("interactor") or {}
    jb.eq("hang: the interactor hits its own wall limit", i.get("status"), "WALL_TIME_LIMIT")
    # Both figures are the verdicts' own (each from its program's execve).
    gap = (v.get("wall_time_us", 1 << 40) - i.get("wall_time_us", 0)) / 1e6
    jb.check("hang: the solution is killed 1 s after the interactor's end (verdicts' wall times)",
             v.get("signal") == 9 and 0.8 < gap < 1.5, "%s, %.3f s after" % (jb.verdict_summary(v), gap))

    # The program ends at once while the interactor keeps writing: the
    # interactor gets EPIPE (SIGPIPE is ignored on its side) and gives its
    # own verdict, never SIGNALED 13 caused by the program.
    res = jb.run([jb.JB_BIN, "job", "--wall-time", "5", "--", "/usr/bin/yes"])
    yes_job = jb.tmpfile("yes.job", res.stdout)
    v = jb.run_json(["--interactor", yes_job, "--", "/bin/true"], timeout=60)
    i = v.get("interactor") or {}
    jb.eq("early exit: the program is OK", v.get("status"), "OK")
    jb.eq("early exit: the writing interactor gets EPIPE, not SIGPIPE (its own RUNTIME_ERROR)",
          (i.get("status"), i.get("exit_code"), i.get("signal")), ("RUNTIME_ERROR", 1, 0))
    jb.check("early exit: the interactor says why", "Broken pipe" in i.get("stderr", ""),
             i.get("stderr"))

    # Validation: stdin belongs to the interactor.
    v = jb.run_json(["--stdin", job, "--interactor", job, "--", "/bin/true"])
    jb.eq("stdin with an interactor is INVALID_JOB", v.get("status"), "INVALID_JOB")
    jb.check("... naming the field", v.get("message", "").startswith("stdin"), v.get("message"))

    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
