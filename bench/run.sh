#!/bin/sh
# The judgebox benchmark (not part of ctest): builds the floor harness, the
# payload programs and judgebox (unless JB_BIN names one), then runs
# bench/bench.py: floors, single-shot and stream start-up cost, CPU-time
# spread, CPU and memory accounting, the cost of a filtered system call.
# Needs root (the floors map ids and make cgroups as judgebox does).
#   bench/run.sh                  build into bench/.build, run everything
#   JB_BIN=build/judgebox bench/run.sh
# Sizes: BENCH_N_SINGLE (300), BENCH_N_FLOOR (300), BENCH_N_STREAM (2000),
# BENCH_N_CV (20). About a minute on two idle cores.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_BUILD:-$ROOT/bench/.build}
CC=${CC:-cc}
mkdir -p "$OUT"
$CC -O2 -Wall -o "$OUT/floor" "$ROOT/bench/floor.c" -lseccomp
$CC -O2 -static -nostdlib -o "$OUT/trivial" "$ROOT/bench/progs/trivial.c"
for p in busy mem getppid; do
	$CC -O2 -Wall -static -o "$OUT/$p" "$ROOT/bench/progs/$p.c"
done
if [ -z "${JB_BIN:-}" ]; then
	cmake -S "$ROOT" -B "$OUT/judgebox" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$OUT/judgebox" -j"$(nproc)" --target judgebox-bin >/dev/null
	JB_BIN=$OUT/judgebox/judgebox
fi
exec python3 "$ROOT/bench/bench.py" "$OUT" "$JB_BIN"
