#!/bin/sh
# What hostile Jobs cost judgebox (issue 13; not part of ctest): peak RSS and
# wall time of `judgebox exec` and `exec --stream` (the hostile frame between
# two honest jobs) on each shape, with the verdict it gets. The figure to
# reach: a 10 MB hostile frame answered INVALID_JOB under 200 MB of peak RSS.
#
#   bench/hostile.sh                          JB_BIN=build/judgebox
#   JB_BIN=build/judgebox JB_BASE=/tmp/old/judgebox bench/hostile.sh
#
# JB_BASE, when set, is measured too (the build before a fix). Shapes:
#   files-10M    10 MB of empty Job.files entries (2 bytes each)
#   argv-10M     10 MB of empty argv entries
#   limits-10M   10 MB of empty `limits` (a singular field, repeated)
#   nest-10000   an interactor nested 10,000 deep
#   chain-2000   200 empty files under a 2,000-deep directory chain
#   deep-64      1,562 files 64 deep (99,968 components: within the caps)
# Peak RSS is ru_maxrss of judgebox and the processes it waited for
# (/usr/bin/time -f %M). Needs root or user namespaces, as judgebox does.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JB_BIN=${JB_BIN:-$ROOT/build/judgebox}
TMP=$(mktemp -d /tmp/jb-hostile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

python3 - "$ROOT/tests/e2e" "$TMP" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[1])
from jbstream import pb_field, frames
out = sys.argv[2]
TRUE = pb_field(3, 2, b"/bin/true")
MB10 = 10 << 20

def nest(depth):
    inner = TRUE
    for _ in range(depth):
        inner = TRUE + pb_field(12, 2, inner)
    return inner

def files_under(n, depth, one_chain):
    body = TRUE
    for i in range(n):
        d = "/".join(["c%d" % (0 if one_chain else i)] + ["d"] * (depth - 2))
        body += pb_field(8, 2, pb_field(1, 2, ("%s/f%d" % (d, i)).encode()))
    return body

shapes = {
    "files-10M": TRUE + b"\x42\x00" * (MB10 // 2),
    "argv-10M": TRUE + b"\x1a\x00" * (MB10 // 2),
    "limits-10M": TRUE + b"\x32\x00" * (MB10 // 2),
    "nest-10000": nest(10000),
    "chain-2000": files_under(200, 2001, True),
    "deep-64": files_under(1562, 64, False),
}
honest = TRUE
for name, body in shapes.items():
    with open(os.path.join(out, name + ".job"), "wb") as f:
        f.write(body)
    with open(os.path.join(out, name + ".stream"), "wb") as f:
        f.write(frames([honest, body, honest]))
EOF

# One run: "rss_kib wall_s rc" on stdout, the verdicts in $TMP/out.
measure() { # BIN MODE FILE
	if [ "$2" = stream ]; then set -- "$1" "exec --stream" "$3"; else set -- "$1" exec "$3"; fi
	# shellcheck disable=SC2086 # $2 is the subcommand and its flag
	/usr/bin/time -f "%M %e %x" -o "$TMP/time" "$1" $2 <"$3" >"$TMP/out" 2>"$TMP/err" || true
	tail -n 1 "$TMP/time"
}

# The status and message of the hostile job's verdict (seq 1 in a stream).
verdict() { # BIN MODE
	python3 - "$ROOT/tests/e2e" "$TMP/out" "$2" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from jbstream import decode_verdict, split_frames
data = open(sys.argv[2], "rb").read()
try:
    vs = [decode_verdict(b) for b in split_frames(data)] if sys.argv[3] == "stream" \
        else [decode_verdict(data)] if data else []
except ValueError as e:
    vs = []
if sys.argv[3] == "stream":
    others = [v["status"] for v in vs if v["seq"] != 1]
    vs = [v for v in vs if v["seq"] == 1]
else:
    others = []
if not vs:
    print("no verdict")
else:
    v = vs[0]
    print("%s%s: %s" % (v["status"], " (others %s)" % ",".join(others) if others else "",
                        v["message"][:70]))
EOF
}

run_bin() { # LABEL BIN
	printf '\n%s: %s\n' "$1" "$2"
	printf '%-11s %-7s %10s %8s %5s  %s\n' shape mode "peak RSS" wall exit verdict
	for shape in files-10M argv-10M limits-10M nest-10000 chain-2000 deep-64; do
		for mode in exec stream; do
			f=$TMP/$shape.job
			[ "$mode" = stream ] && f=$TMP/$shape.stream
			# shellcheck disable=SC2046 # three numbers
			set -- "$1" "$2" $(measure "$2" "$mode" "$f")
			rss=$3 wall=$4 rc=$5
			# time(1) says "Command terminated by signal N" above the figures.
			sig=$(sed -n 's/.*terminated by signal \([0-9]*\).*/SIG\1/p' "$TMP/time")
			printf '%-11s %-7s %7s MB %7ss %5s  %s\n' "$shape" "$mode" "$((rss / 1024))" \
				"$wall" "${sig:-$rc}" "$(verdict "$2" "$mode")"
		done
	done
}

# exec --json: 10 MB of empty argv strings ("" and a comma each), refused
# by counting values before the JSON parser (about 80 bytes a value) runs.
json_case() { # BIN
	python3 -c 'import sys; n = (10 << 20) // 3
sys.stdout.write("{\"argv\":[" + ",".join(["\"\""] * n) + "]}")' >"$TMP/argv-10M.json"
	/usr/bin/time -f "%M %e %x" -o "$TMP/time" "$1" exec --json <"$TMP/argv-10M.json" \
		>"$TMP/out" 2>"$TMP/err" || true
	# shellcheck disable=SC2046 # three numbers
	set -- $(tail -n 1 "$TMP/time")
	printf '%-11s %-7s %7s MB %7ss %5s  %s\n' json-10M json "$(($1 / 1024))" "$2" "$3" \
		"$(python3 -c 'import json, sys; v = json.load(open(sys.argv[1]))
print(v["status"] + ": " + v["message"][:70])' "$TMP/out" 2>/dev/null || echo "no verdict")"
}

[ -n "${JB_BASE:-}" ] && run_bin before "$JB_BASE"
run_bin after "$JB_BIN"
json_case "$JB_BIN"
