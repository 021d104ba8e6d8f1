#!/bin/sh
# valgrind memcheck of the judgebox supervisor for a run of each verdict
# status: no memory error and no definite leak, or the test fails.
#
#   tests/valgrind/run_valgrind.sh [JUDGEBOX]      (default: build/judgebox)
#
# Each case first runs natively (it must give its status), then under
#   valgrind --trace-children=no --leak-check=full
#            --errors-for-leak-kinds=definite --error-exitcode=99
# Only the supervisor is checked: the sandbox's init is a clone of it, and
# memcheck cannot run what init does (seccomp, clone3 with namespaces).
# valgrind <= 3.21 implements neither seccomp(2) nor clone3(2) at all, so
# there the supervisor cannot even compile its filter (libseccomp finds no
# user notification) or start init; the case then ends INTERNAL_ERROR and is
# reported "# SKIP" for its status, while its memcheck result still counts.
# To get past the filter compilation anyway, a preloaded constructor sets
# libseccomp's API level (seccomp_api_set), so policy loading, BPF
# generation, cgroup, pipe and memfd set-up and the clean-up after the
# failed clone all run under memcheck.
#
# Output: TAP, then "N passed, M failed". Exit 0 all passed (skips
# included), 1 on a failure, 77 when valgrind or judgebox is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${JB_SOURCE_DIR:-$(dirname "$(dirname "$here")")}
jb=${1:-$src/build/judgebox}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind not installed"
	exit 77
fi
if [ ! -x "$jb" ]; then
	echo "1..0 # SKIP no judgebox binary at '$jb'"
	exit 77
fi

tmp=$(mktemp -d /tmp/jbvg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The libseccomp API-level shim (see above); without a compiler, no shim.
preload=
cat >"$tmp/api.c" <<'EOF'
#include <seccomp.h>
/* Run before main: libseccomp cannot probe the kernel under valgrind. */
__attribute__((constructor)) static void jb_vg_seccomp_api(void)
{
	(void) seccomp_api_set(6);
}
EOF
if cc -shared -fPIC -o "$tmp/api.so" "$tmp/api.c" -lseccomp 2>"$tmp/cc.log"; then
	preload=$tmp/api.so
else
	echo "# no libseccomp API shim: $(head -c 200 "$tmp/cc.log")"
fi

n=0
passed=0
failed=0

status_of() {
	sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p' "$1" | head -n 1
}

message_of() {
	sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# The known ways valgrind's missing system calls show in a verdict.
valgrind_limit() {
	grep -q -e 'no user-notification filter' -e 'clone the sandbox.s init' \
		-e 'seccomp.*Function not implemented' "$1"
}

report() { # ok|not ok, name, details...
	n=$((n + 1))
	verdict=$1
	name=$2
	shift 2
	echo "$verdict $n - $name"
	for line in "$@"; do
		[ -n "$line" ] && echo "#   $line"
	done
	if [ "$verdict" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# run_case NAME EXPECTED_STATUS ARGS... : `judgebox run --json ARGS`.
run_case() {
	name=$1
	want=$2
	shift 2
	timeout 120 "$jb" run --json "$@" >"$tmp/native.json" 2>"$tmp/native.err"
	native=$(status_of "$tmp/native.json")
	timeout 600 env ${preload:+LD_PRELOAD="$preload"} valgrind -q --trace-children=no \
		--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$tmp/vg.log" "$jb" run --json "$@" >"$tmp/vg.json" 2>"$tmp/vg.err"
	rc=$?
	got=$(status_of "$tmp/vg.json")
	problems=
	[ "$native" = "$want" ] || problems="native run: status '$native', expected $want"
	if [ $rc -eq 99 ]; then
		problems="$problems${problems:+; }memcheck errors (see below)"
	elif [ -z "$got" ]; then
		problems="$problems${problems:+; }no verdict under valgrind (exit $rc)"
	fi
	skip=
	if [ "$got" != "$want" ] && [ -n "$got" ]; then
		if [ "$got" = INTERNAL_ERROR ] && valgrind_limit "$tmp/vg.json"; then
			skip=" # SKIP $want under valgrind: $(message_of "$tmp/vg.json")"
		else
			problems="$problems${problems:+; }status '$got' under valgrind, expected $want"
		fi
	fi
	if [ -n "$problems" ]; then
		report "not ok" "$name" "$problems" "$(head -c 3000 "$tmp/vg.log")" \
			"$(head -c 300 "$tmp/vg.json")"
	else
		report ok "$name$skip"
	fi
}

# cmd_case NAME ARGS... : any other judgebox command, memcheck only.
cmd_case() {
	name=$1
	shift
	timeout 600 valgrind -q --trace-children=no --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$tmp/vg.log" \
		"$jb" "$@" >"$tmp/cmd.out" 2>&1
	rc=$?
	if [ $rc -eq 99 ]; then
		report "not ok" "$name" "memcheck errors" "$(head -c 3000 "$tmp/vg.log")"
	else
		report ok "$name"
	fi
}

echo "1..12"
run_case ok OK -- /bin/true
run_case runtime_error RUNTIME_ERROR -- /bin/false
run_case signaled SIGNALED -- /bin/sh -c 'kill -SEGV $$'
run_case time_limit TIME_LIMIT --time 0.2 -- /bin/sh -c 'while :; do :; done'
run_case wall_time_limit WALL_TIME_LIMIT --wall-time 0.5 -- /bin/sleep 10
run_case output_limit OUTPUT_LIMIT --output-limit 1K -- /usr/bin/yes
# dash forks for an external command: clone under the default policy
run_case syscall_violation SYSCALL_VIOLATION -- /bin/sh -c '/bin/true; exit 0'
run_case invalid_job INVALID_JOB --env NOEQUALS -- /bin/true
cmd_case policy_show_ci policy show ci
cmd_case policy_check_bad policy check "$src/testdata/policies-bad/several_errors.policy"
cmd_case info info
# show: decode a real verdict (made natively) under memcheck
"$jb" job --id vg -- /bin/true >"$tmp/job.bin" 2>/dev/null
timeout 120 "$jb" exec <"$tmp/job.bin" >"$tmp/verdict.bin" 2>/dev/null
timeout 600 valgrind -q --trace-children=no --leak-check=full --errors-for-leak-kinds=definite \
	--error-exitcode=99 --log-file="$tmp/vg.log" "$jb" show <"$tmp/verdict.bin" \
	>"$tmp/show.out" 2>&1
rc=$?
if [ $rc -eq 99 ]; then
	report "not ok" show_verdict "memcheck errors" "$(head -c 3000 "$tmp/vg.log")"
elif ! grep -q '"id":"vg"' "$tmp/show.out"; then
	report "not ok" show_verdict "show printed: $(head -c 300 "$tmp/show.out")"
else
	report ok show_verdict
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
