#!/bin/sh
# Build the libFuzzer targets with clang and run each for a bounded time.
#
#   FUZZ_SECONDS=40 tests/fuzz/run_fuzz.sh [TARGET ...]
#   (default: fuzz_job fuzz_policy fuzz_verdict fuzz_jobjson; FUZZ_SECONDS per target)
#
# Build: its own tree, ${FUZZ_BUILD_DIR:-build-fuzz} (clang, -DJB_FUZZ=ON:
# ASan + UBSan + fuzzer coverage on the core). Seeds: testdata/fuzz/job for
# fuzz_job (Jobs and streams, with the hostile shapes of make_seeds.py:
# nested interactors, lists past their caps), testdata/fuzz/verdict for
# fuzz_verdict (the Verdicts of show and submit), testdata/fuzz/policy for
# fuzz_policy (the shipped policies and tests/policy's ones), testdata/fuzz/jobjson
# for fuzz_jobjson (JSON Jobs: nested, many entries). libFuzzer
# first replays every seed (so a crash input kept there is a regression
# test), then mutates for FUZZ_SECONDS; what it learns goes to a work corpus
# in the build tree, never into testdata.
#
# A crash, leak, sanitizer report or hang (over 10 s for one input) fails the
# run. Its input is copied into the target's seed directory as
# crash-<target>-<sha1>: fix the bug, keep the file, commit both.
#
# Exit 0: no target failed; 1: a target failed; 77: no clang, or a clang
# that cannot link libFuzzer (ctest's fuzz.smoke runs this for 5 s each).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$(dirname "$here")")
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
seconds=${FUZZ_SECONDS:-40}
cc=${FUZZ_CC:-clang}
targets=${*:-fuzz_job fuzz_policy fuzz_verdict fuzz_jobjson}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "no '$cc': the fuzz targets need clang (apt-get install clang)"
	exit 77
fi

mkdir -p "$build"
# libFuzzer ships apart from clang on some systems: skip only when it is
# missing, never when the project fails to build.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{\n\treturn 0;\n}\n' \
	>"$build/probe.c"
if ! "$cc" -fsanitize=fuzzer "$build/probe.c" -o "$build/probe" >"$build/probe.log" 2>&1; then
	cat "$build/probe.log"
	echo "'$cc' cannot link libFuzzer (-fsanitize=fuzzer): no fuzzing here"
	exit 77
fi
# Warnings are the gcc build's business (-Werror there): clang 14 knows no
# -Wno-format-truncation and warns where gcc does not, so no -Werror here.
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DJB_FUZZ=ON -DJB_WERROR=OFF \
	-DCMAKE_C_FLAGS=-Wno-unknown-warning-option -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/fuzz-cmake.log" 2>&1 ||
	{
		cat "$build/fuzz-cmake.log"
		exit 1
	}
# shellcheck disable=SC2086 # targets is a list
cmake --build "$build" -j2 --target $targets >"$build/fuzz-build.log" 2>&1 ||
	{
		tail -n 50 "$build/fuzz-build.log"
		exit 1
	}

# Tokens the policy grammar knows: mutations that keep the syntax.
dict=$build/fuzz_policy.dict
cat >"$dict" <<'EOF'
"allow"
"kill"
"errno"
"default"
"include"
"if"
"arg0"
"arg1"
"arg5"
"=="
"!="
"<="
">="
"&"
"|"
"0x"
"ENOSYS"
"EPERM"
"AF_UNIX"
"CLONE_THREAD"
"TIOCSTI"
" # "
"\x0a"
EOF

seeds_of() {
	case $1 in
	fuzz_job) echo "$src/testdata/fuzz/job" ;;
	fuzz_policy) echo "$src/testdata/fuzz/policy" ;;
	*) echo "$src/testdata/fuzz/${1#fuzz_}" ;;
	esac
}

failed=0
for t in $targets; do
	bin=$build/tests/fuzz/$t
	seeds=$(seeds_of "$t")
	work=$build/corpus/$t
	crashes=$build/crashes/$t
	mkdir -p "$work" "$crashes" "$seeds"
	extra=
	[ "$t" = fuzz_policy ] && extra=-dict=$dict
	echo "== $t: ${seconds} s, seeds $(ls "$seeds" | wc -l) in $seeds"
	# shellcheck disable=SC2086 # extra is one optional flag
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" $extra \
		"$work" "$seeds" >"$build/$t.log" 2>&1
	rc=$?
	tail -n 12 "$build/$t.log"
	for f in "$crashes"/*; do
		[ -f "$f" ] || continue
		sum=$(sha1sum "$f" | cut -c1-16)
		kind=$(basename "$f" | cut -d- -f1) # crash, leak, timeout, oom
		cp "$f" "$seeds/$kind-$t-$sum"
		echo "$t: $kind input kept as $seeds/$kind-$t-$sum (commit it with the fix)"
		rm -f "$f"
	done
	if [ $rc -ne 0 ]; then
		echo "FAIL $t (exit $rc); full log: $build/$t.log"
		failed=1
	else
		echo "ok $t"
	fi
done
exit $failed
