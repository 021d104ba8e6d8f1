#!/usr/bin/env python3
"""The verdicts of the cgroup v2 guest (tests/vm/run.sh): reads the files
tests/vm/guest.sh wrote to OUT and prints one TAP line per test script and
user, the failing checks under each, the number of checks run in the guest,
and "N passed, M failed" (scripts). Exit 1 on any failure, a skipped
script (in the guest everything must run), or a guest that did not finish.

Usage: report.py OUT CONSOLE_LOG QEMU_RC LIMIT_S [NAME ...]"""

import os
import re
import sys

WHO = {"root": "root", "deleg": "delegated user"}

# Checks of CPU time, wall time and throughput that a guest under software
# emulation cannot meet: every instruction is translated (10-35 times
# slower), and when the host deschedules a virtual CPU the guest's clock
# goes on, so the task then running is charged for it (no steal time under
# TCG). Only upper bounds on figures are here; lower bounds ("cpu_time_us >
# 1 s") and every verdict are asserted. Such a failure is printed as TODO
# and does not fail the run; a script that ended otherwise than with its
# own "N passed, M failed" still does.
TIMING = [
    # test_resources.py
    r".*: ended well before the wall limit$",
    r"endless fork bomb: judgebox returned within 30 s$",
    r"4 threads x 1 s: cpu_time_us about 4 s ",
    r"4 threads x 1 s: wall at least ",
    r"concurrent round \d: the idle job's cpu_time_us < 50 ms$",
    # test_status.py and test_unprivileged.py
    r".* cpu_time_us < [\d.]+ s \(kill latency\)$",
    r"cpu: burn 300 ms measured \(0\.28\.\.0\.6 s\)$",
    r"cpu: init and set-up not counted ",
    r"WALL_TIME_LIMIT: judgebox returned within 1\.5 s$",
    r"WALL_TIME_LIMIT: wall_time_us < 1\.15 s ",
    r"WALL_TIME_LIMIT: sleeping used little CPU$",
    r"WALL_TIME_LIMIT: 0\.5 s < wall_time_us < 0\.65 s$",
    r"nobody: spin cpu_time_us < 1\.15 s$",
    r"nobody: returned within 1\.5 s$",
    # test_stream.py (yes writes < 64 MiB within the default 21 s wall time)
    r".* mid-stream: exit 0 within 5 s$",
    r"flood and hang: the others finish before the hanging job ends ",
    r"flood: OUTPUT_LIMIT, 64 MiB kept, truncated$",
    r"slow reader: the spinning job is killed on time ",
]


def timing(line):
    name = re.sub(r"^not ok \d+ - ", "", line).split(" # ")[0]
    return any(re.match(t, name) for t in TIMING)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def checks(text):
    """(passed, failed, failing lines, timing failures) from a script's TAP
    output; a TODO failure is neither passed nor failed."""
    passed, failed, bad, slow = 0, 0, [], []
    for line in text.splitlines():
        if re.match(r"ok \d+", line):
            passed += 1
        elif re.match(r"not ok \d+", line) and "# TODO" not in line:
            if timing(line):
                slow.append(line)
            else:
                failed += 1
                bad.append(line)
    return passed, failed, bad, slow


def summary_line(text):
    """The script's own "N passed, M failed" (it ended normally), or None."""
    m = re.findall(r"^(\d+) passed, (\d+) failed$", text, re.M)
    return m[-1] if m else None


def main():
    out, console, qemu_rc, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    for line in read(os.path.join(out, "guest.txt")).splitlines():
        print("# guest: " + line)
    n, failed_scripts = 0, 0
    totals = {w: [0, 0, 0, 0] for w in WHO}  # scripts, checks passed, failed, timing
    for line in read(os.path.join(out, "results")).splitlines():
        who, name, rc, secs = line.split()
        text = read(os.path.join(out, "%s.%s.out" % (who, name)))
        p, f, bad, slow = checks(text)
        n += 1
        t = totals.setdefault(who, [0, 0, 0, 0])
        t[0], t[1], t[2], t[3] = t[0] + 1, t[1] + p, t[2] + f, t[3] + len(slow)
        what = "%s: %s (%d checks passed, %d failed, %d timing TODO, %s s)" % (
            WHO.get(who, who), name, p, f, len(slow), secs)
        skipped = rc == "77" or re.search(r"^1\.\.0 # SKIP", text, re.M)
        # exit 1 with only timing failures is a pass here
        summary = summary_line(text)
        ended = summary is not None and rc in ("0", "1") and int(summary[1]) == f + len(slow)
        if ended and f == 0 and p > 0 and not skipped and (rc == "0" or slow):
            print("ok %d - %s" % (n, what))
        else:
            failed_scripts += 1
            why = "skipped" if skipped else "exit %s" % rc + (", timed out" if rc == "124" else "")
            print("not ok %d - %s # %s" % (n, what, why))
        for b in bad[:30]:
            print("#   " + b)
        for b in slow:
            print("#   TODO timing under TCG: " + b)
        if not ended or skipped or (p == 0 and not bad):
            for b in text.splitlines()[-15:]:
                print("#   | " + b)
    if not os.path.exists(os.path.join(out, "done")):
        n += 1
        failed_scripts += 1
        print("not ok %d - the guest ran every test # %s" % (
            n, "killed at the %s s limit" % limit if qemu_rc in (124, 137) else
            "qemu exit %d" % qemu_rc))
        # a kernel BUG (a soft lockup panics the guest) from its first line
        lines = read(console).splitlines()
        first = next((i for i, l in enumerate(lines) if "BUG:" in l or "Kernel panic" in l),
                     len(lines) - 20)
        for b in lines[max(first, 0):][:150]:
            print("#   | " + b)
    if n == 0:
        n, failed_scripts = 1, 1
        print("not ok 1 - no test ran in the guest (names given: %s)" % (sys.argv[5:] or "none"))
    print("1..%d" % n)
    for who, (s, p, f, slow) in totals.items():
        print("# in the guest as %s: %d scripts, %d checks: %d passed, %d failed, %d timing "
              "TODO" % (WHO.get(who, who), s, p + f + slow, p, f, slow))
    print("%d passed, %d failed" % (n - failed_scripts, failed_scripts), flush=True)
    sys.exit(1 if failed_scripts else 0)


if __name__ == "__main__":
    main()
