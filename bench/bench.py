#!/usr/bin/env python3
"""The judgebox benchmark (run by bench/run.sh, which builds what it needs).

Usage: bench.py BIN_DIR JB
  BIN_DIR holds floor, trivial, busy, mem and getppid (built by run.sh);
  JB is the judgebox binary.
Prints a table, then every figure on its own line as 'name: value'.
Nothing here asserts: the figures are for people (and the targets of issue 5).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "e2e"))
import jbstream  # noqa: E402 (frames, `judgebox job`, `judgebox show --stream`)

BIN, JB = sys.argv[1], sys.argv[2]
N_SINGLE = int(os.environ.get("BENCH_N_SINGLE", "300"))
N_FLOOR = int(os.environ.get("BENCH_N_FLOOR", "300"))
N_STREAM = int(os.environ.get("BENCH_N_STREAM", "2000"))
N_CV = int(os.environ.get("BENCH_N_CV", "20"))
TMP = tempfile.mkdtemp(prefix="jb-bench-")
figures = []  # (name, value, unit)
table = []    # rows for the human table


def fig(name, value, unit=""):
    figures.append((name, value, unit))


def prog(name):
    return os.path.join(BIN, name)


def floor(mode, *args, parallel=1):
    env = dict(os.environ, FLOOR_PARALLEL=str(parallel))
    out = subprocess.run([prog("floor"), mode] + [str(a) for a in args], env=env, check=True,
                         stdout=subprocess.PIPE).stdout.decode().split()
    return [float(x) for x in out[1:]]


def job_bytes(flags, argv):
    return jbstream.job_bytes(JB, flags, argv)


def write_stream(name, jobs):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(jbstream.frames(jobs))
    return path


def run_stream_json(path, parallel, extra=()):
    """Verdicts of a stream as dicts (through `judgebox show --stream`)."""
    with open(path, "rb") as f:
        out = subprocess.run([JB, "exec", "--stream", "--parallel", str(parallel)] + list(extra),
                             stdin=f,
                             stdout=subprocess.PIPE, check=True).stdout
    return jbstream.verdicts_json(JB, out)


def bare(argv):
    """Run argv outside any sandbox: (cpu seconds from getrusage, maxrss KiB, stdout)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, st, ru = os.wait4(p.pid, 0)
    if st != 0:
        raise RuntimeError("%s failed: %d" % (argv, st))
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss, out


def sandboxed(flags, argv):
    j = job_bytes(flags, argv)
    out = subprocess.run([JB, "exec"], input=j, stdout=subprocess.PIPE, check=True).stdout
    v = json.loads(subprocess.run([JB, "show"], input=out, stdout=subprocess.PIPE,
                                  check=True).stdout)
    if v["status"] != "OK":
        raise RuntimeError("%s: %s %s" % (argv, v["status"], v["message"]))
    return v


def cv(xs):
    return statistics.pstdev(xs) / statistics.mean(xs) if xs else float("nan")


# --- start-up cost and throughput ---------------------------------------------

def startup():
    trivial = prog("trivial")
    rows = {}
    for mode in ("fork", "ns", "skel"):
        for par in (1, 2):
            rows[(mode, par)] = floor(mode, N_FLOOR, trivial, parallel=par)
    single_job = os.path.join(TMP, "single.job")
    with open(single_job, "wb") as f:
        f.write(job_bytes(["--copy"], [trivial]))
    single = floor("cmd", N_SINGLE, single_job, JB, "exec")
    # The same with posix_spawn, as Python, Go and Rust start a program: a
    # fork copies the launcher first and makes every run here slower.
    spawn_floor = floor("spawn", N_FLOOR, "/dev/null", trivial)
    single_spawn = floor("spawn", N_SINGLE, single_job, JB, "exec")
    jb_job = job_bytes(["--copy"], [trivial])
    spath = write_stream("stream.bin", [jb_job] * N_STREAM)
    streams = {}
    for par in (1, 2):
        out = subprocess.run([prog("floor"), "stream", spath, JB, "exec", "--stream",
                              "--parallel", str(par)], check=True,
                             stdout=subprocess.PIPE).stdout.decode().split()
        med, p90, rate, count, bad = [float(x) for x in out[1:]]
        streams[par] = (med, p90, rate, int(count), int(bad))

    labels = {"fork": "floor fork+exec", "ns": "floor clone(6 ns)+exec",
              "skel": "floor full skeleton"}
    for (mode, par), (med, p90, rate) in rows.items():
        key = "floor_%s_p%d" % (mode, par)
        table.append(("%s, %d at once" % (labels[mode], par), med, p90, rate, ""))
        fig(key + "_median_us", med)
        fig(key + "_p90_us", p90)
        fig(key + "_runs_per_s", rate)
    med, p90, rate = single
    ratio = "x%.2f fork, x%.2f ns, x%.2f skel" % (
        med / rows[("fork", 1)][0], med / rows[("ns", 1)][0], med / rows[("skel", 1)][0])
    table.append(("judgebox exec (one process per job)", med, p90, rate, ratio))
    fig("single_exec_median_us", med)
    fig("single_exec_p90_us", p90)
    fig("single_exec_runs_per_s", rate)
    fig("single_exec_median_vs_fork", med / rows[("fork", 1)][0], "x")
    fig("single_exec_median_vs_ns", med / rows[("ns", 1)][0], "x")
    fig("single_exec_median_vs_skel", med / rows[("skel", 1)][0], "x")
    table.append(("floor posix_spawn+exec", spawn_floor[0], spawn_floor[1], spawn_floor[2], ""))
    fig("floor_spawn_p1_median_us", spawn_floor[0])
    med, p90, rate = single_spawn
    table.append(("judgebox exec, started by posix_spawn", med, p90, rate,
                  "x%.2f spawn" % (med / spawn_floor[0])))
    fig("single_exec_spawn_median_us", med)
    fig("single_exec_spawn_p90_us", p90)
    fig("single_exec_spawn_median_vs_spawn", med / spawn_floor[0], "x")
    for par in (1, 2):
        med, p90, rate, count, bad = streams[par]
        key = "stream_p%d" % par
        ratio = "%.2f of skel, %.2f of ns (jobs/s)" % (
            rate / rows[("skel", par)][2], rate / rows[("ns", par)][2])
        table.append(("judgebox exec --stream --parallel %d" % par, med, p90, rate, ratio))
        fig(key + "_gap_median_us", med)
        fig(key + "_gap_p90_us", p90)
        fig(key + "_jobs_per_s", rate)
        fig(key + "_vs_skel_jobs_per_s", rate / rows[("skel", par)][2], "x")
        fig(key + "_vs_ns_jobs_per_s", rate / rows[("ns", par)][2], "x")
        fig(key + "_verdicts", count)
        fig(key + "_not_ok", bad)


# --- accounting: CPU time, memory, syscall cost -------------------------------

def calibrate():
    """Iterations of busy that take about 1 s of CPU here."""
    n = 200_000_000
    cpu, _, _ = bare([prog("busy"), str(n)])
    return int(n / max(cpu, 0.01))


def cpu_figures():
    iters = calibrate()
    busy_job = job_bytes(["--copy", "--time", "5"], [prog("busy"), str(iters)])
    spath = write_stream("busy.bin", [busy_job] * N_CV)
    runs = [("p1", 1, []), ("p2", 2, [])]
    if os.cpu_count() >= 2 and b"--cpus" in subprocess.run(
            [JB, "exec", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout:
        runs.append(("p2_cpus_0_1", 2, ["--cpus", "0,1"]))
    for key, par, extra in runs:
        vs = run_stream_json(spath, par, extra)
        cpus = [v["cpu_time_us"] / 1e6 for v in vs if v["status"] == "OK"]
        fig("cpu_cv_%s" % key, 100 * cv(cpus), "%")
        fig("cpu_mean_%s_s" % key, statistics.mean(cpus) if cpus else 0, "s")
        fig("cpu_min_max_%s_s" % key, "%.3f..%.3f" % (min(cpus), max(cpus)) if cpus else "-")
        if len(cpus) != N_CV:
            fig("cpu_not_ok_%s" % key, N_CV - len(cpus))
    # Bare vs sandboxed, interleaved so that load changes hit both alike.
    b, s = [], []
    for _ in range(7):
        b.append(bare([prog("busy"), str(iters)])[0])
        v = sandboxed(["--copy", "--time", "5"], [prog("busy"), str(iters)])
        s.append(v["cpu_time_us"] / 1e6)
    fig("cpu_bare_median_s", statistics.median(b), "s")
    fig("cpu_sandbox_median_s", statistics.median(s), "s")
    fig("cpu_ratio_sandbox_vs_bare", statistics.median(s) / statistics.median(b), "x")


def mem_figures():
    peaks, rss = [], []
    for _ in range(3):
        v = sandboxed(["--copy", "--memory", "256M"], [prog("mem"), "100"])
        peaks.append(v["memory_peak_bytes"])
        rss.append(bare([prog("mem"), "100"])[1] * 1024)
    peak = statistics.median(peaks)
    fig("mem_peak_reported_mib", peak / 2**20, "MiB")
    fig("mem_peak_error_mib", (peak - 100 * 2**20) / 2**20, "MiB")
    fig("mem_peak_error", 100 * (peak - 100 * 2**20) / (100 * 2**20), "%")
    fig("mem_bare_maxrss_mib", statistics.median(rss) / 2**20, "MiB")


def getppid_figures():
    # Best of 5, interleaved: load from elsewhere only ever adds time.
    n = "10000000"
    b, s = [], []
    for _ in range(5):
        b.append(int(bare([prog("getppid"), n])[2]))
        v = sandboxed(["--copy", "--time", "30"], [prog("getppid"), n])
        s.append(int(v["stdout"]))
    fig("getppid_10m_bare_ms", min(b) / 1e6, "ms")
    fig("getppid_10m_sandbox_ms", min(s) / 1e6, "ms")
    fig("getppid_ratio_sandbox_vs_bare", min(s) / min(b), "x")


def fmt(name, v, unit):
    if isinstance(v, float):
        whole = unit != "x" and (name.endswith("_us") or name.endswith("_per_s") or
                                 unit == "ms")
        v = ("%.0f" if whole else "%.3f") % v
    return "%s%s" % (v, "x" if unit == "x" else (" " + unit) if unit else "")


def main():
    t0 = time.monotonic()
    load0 = os.getloadavg()
    info = subprocess.run([JB, "info"], stdout=subprocess.PIPE).stdout.decode()
    backend = next((l.split(":", 1)[1].strip() for l in info.splitlines()
                    if l.startswith("backend:")), "?")
    startup()
    cpu_figures()
    mem_figures()
    getppid_figures()
    load1 = os.getloadavg()
    print("judgebox benchmark: %s, kernel %s, %d CPUs, backend %s" %
          (subprocess.run([JB, "--version"], stdout=subprocess.PIPE).stdout.decode().strip(),
           os.uname().release, os.cpu_count(), backend))
    print("load average %.2f at start, %.2f at end (other work on the machine skews the "
          "figures)" % (load0[0], load1[0]))
    print()
    print("%-40s %10s %10s %10s  %s" % ("start-up (trivial static program)", "median us",
                                        "p90 us", "per s", "ratio"))
    for name, med, p90, rate, ratio in table:
        print("%-40s %10.0f %10.0f %10.0f  %s" % (name, med, p90, rate, ratio))
    print("(stream rows: median/p90 of the gap between consecutive verdicts)")
    print()
    for name, value, unit in figures:
        print("%s: %s" % (name, fmt(name, value, unit)))
    print("bench_seconds: %.0f" % (time.monotonic() - t0))


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["rm", "-rf", TMP])
