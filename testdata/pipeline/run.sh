#!/usr/bin/env bash
# Judge one C solution the way a contest judge does, with nothing but
# `judgebox job | judgebox exec | judgebox show`:
#
#   1. compile SOLUTION (default sol.c) and checker.c with gcc IN THE BOX
#      under the compile policy; the source goes in with --file, the binary
#      comes back with --collect (files[].content, base64 in the JSON);
#   2. run the binary on tests/N.in (--copy of the binary, --stdin);
#   3. run the checker as its own job, with the test input, the solution's
#      output and the jury's answer as --file entries, and read its testlib
#      exit code from the checker's verdict (see checker.c).
#
# Prints "compile: OK", one line per test ("test 1: OK", "test 2:
# WRONG_ANSWER (...)", "test 3: POINTS 0.5 (...)", "test 1: TIME_LIMIT", ...)
# and "result: OK" or "result: VERDICT on test N". Exit 0 when accepted, 1
# when not (compilation error included), 2 when judging failed (judgebox,
# checker). JB is the judgebox binary (default: judgebox on PATH, else the
# checkout's build/judgebox).
#
#     JB=build/judgebox testdata/pipeline/run.sh testdata/pipeline/sol_wrong.c
#
# Compile limits (tested by tests/e2e/test_pipeline.py and test_compile.py):
# gcc of a small C file takes ~0.1 s and 6 MiB, g++ -O2 of <bits/stdc++.h>
# ~1-2 s and 200 MiB. Compile bombs end in a verdict within them: an
# `#include </dev/urandom>` or an endless template recursion fill the memory
# (MEMORY_LIMIT after ~4 s), a 1 GiB initialised array hits the file-size
# limit in `as` at once. gcc starts cc1, as, collect2 and ld: 32 tasks are
# plenty. Collected files are capped at the output limit (16 MiB default),
# which bounds the binary too.
COMPILE_LIMITS="--policy compile --time 10 --wall-time 20 --memory 512M --processes 32 --box-size 256M --file-size 64M"
# The solution's limits on each test, and the checker's.
RUN_LIMITS="--time 1 --wall-time 3 --memory 256M"
CHECK_LIMITS="--time 5 --wall-time 10 --memory 256M"
CFLAGS="-O2 -pipe -std=gnu11"

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
solution=$(realpath "${1:-$here/sol.c}")
JB=${JB:-$(command -v judgebox || echo "$here/../../build/judgebox")}
JB=$(realpath "$JB")
work=$(mktemp -d "${TMPDIR:-/tmp}/jbpipe.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here"/tests/*.in "$here"/tests/*.ans "$work"/
cd "$work"

# field NAME < VERDICT.json: a top-level number or enum of the verdict.
field() { grep -o "\"$1\":\(\"[A-Z_]*\"\|-\?[0-9]*\)" | head -n 1 | cut -d: -f2 | tr -d '"'; }
# The program's exact stdout (JSON string, or stdout_base64 when not UTF-8).
stdout_of() {
	python3 -c 'import base64, json, sys
v = json.load(sys.stdin)
b64 = v.get("stdout_base64")
sys.stdout.buffer.write(base64.b64decode(b64) if b64 else v["stdout"].encode())'
}

# compile SRC BIN: gcc in the box; BIN is the collected binary. Returns 1 on
# a compilation error, 2 when judgebox gave no verdict.
compile() {
	cp "$1" src.c
	# shellcheck disable=SC2086 # the limits are words
	"$JB" job --id "compile $2" $COMPILE_LIMITS --file src.c:src.c --collect prog \
		-- gcc $CFLAGS -o prog src.c -lm | "$JB" exec | "$JB" show > "$2.json" || true
	local st
	st=$(field status < "$2.json")
	if [ -z "$st" ]; then
		echo "compile $(basename "$1"): no verdict from judgebox"
		return 2
	elif [ "$st" != OK ]; then
		echo "compile $(basename "$1"): COMPILATION_ERROR ($st)"
		python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["stderr"])' \
			< "$2.json" | head -n 20
		return 1
	fi
	# the one collected file; its content is base64 (an error would leave it empty)
	grep -o '"content":"[^"]*"' "$2.json" | head -n 1 | cut -d'"' -f4 | base64 -d > "$2"
	chmod 755 "$2"
	[ -s "$2" ] || { echo "compile $(basename "$1"): no binary collected"; return 1; }
	echo "compile $(basename "$1"): OK"
}

# judge N: prints the verdict of test N ("OK", "WRONG_ANSWER (...)", ...).
judge() {
	# shellcheck disable=SC2086
	"$JB" job --id "test $1" $RUN_LIMITS --stdin "$1.in" --copy -- ./sol \
		| "$JB" exec | "$JB" show > "run$1.json"
	local st
	st=$(field status < "run$1.json")
	[ -n "$st" ] || { echo "FAIL (no verdict from judgebox)"; return; }
	[ "$st" = OK ] || { echo "$st"; return; }
	stdout_of < "run$1.json" > "$1.out"
	# shellcheck disable=SC2086
	"$JB" job --id "check $1" $CHECK_LIMITS --file "$1.in:input.txt" \
		--file "$1.out:output.txt" --file "$1.ans:answer.txt" \
		--copy -- ./checker input.txt output.txt answer.txt \
		| "$JB" exec | "$JB" show > "check$1.json"
	local cst code why
	cst=$(field status < "check$1.json")
	code=$(field exit_code < "check$1.json")
	why=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["stderr"].strip())' \
		< "check$1.json")
	case "$cst:$code" in
	OK:0) echo "OK" ;;
	RUNTIME_ERROR:1) echo "WRONG_ANSWER ($why)" ;;
	RUNTIME_ERROR:2) echo "PRESENTATION_ERROR ($why)" ;;
	RUNTIME_ERROR:7) echo "POINTS $(stdout_of < "check$1.json" | head -n 1) ($why)" ;;
	*) echo "FAIL (checker: $cst, exit code $code: $why)" ;;
	esac
}

compile "$here/checker.c" checker > /dev/null || { echo "checker does not compile"; exit 2; }
rc=0
compile "$solution" sol || rc=$?
if [ "$rc" != 0 ]; then
	[ "$rc" = 1 ] && echo "result: COMPILATION_ERROR" || echo "result: FAIL"
	exit "$rc"
fi
result=OK
for t in $(for f in *.in; do echo "${f%.in}"; done | sort -n); do
	v=$(judge "$t")
	echo "test $t: $v"
	if [ "$result" = OK ] && [ "${v%% *}" != OK ]; then
		result="${v%% *} on test $t"
	fi
done
echo "result: $result"
case "$result" in
OK) exit 0 ;;
FAIL*) exit 2 ;;
*) exit 1 ;;
esac
