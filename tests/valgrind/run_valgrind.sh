#!/bin/sh
# valgrind memcheck of the judgebox supervisor through a run of each verdict
# status: the verdict must be the expected one, with no memory error and no
# definite leak, or the test fails. No case is skipped.
#
#   tests/valgrind/run_valgrind.sh [JUDGEBOX_VG]      (default: build/judgebox-vg)
#
# JUDGEBOX_VG is judgebox-vg (CMakeLists.txt): judgebox linked against
# glibc, dynamic (memcheck replaces malloc only there; the release binary is
# static, with musl and its own allocator), whose init runs on the real CPU
# (tests/valgrind/vg_init.c): valgrind <= 3.21 (Debian 12 has 3.19) has
# neither clone3 nor seccomp nor the new mount API, so init cannot run under
# it. What memcheck checks is the supervisor: the job's decoding, policy
# loading and BPF generation, the cgroup, pipe and id-map set-up, the clone,
# the handshake with init, the event loop (output, limits, kills), reaping,
# the verdict and its encoding, and the clean-up; for --stream with
# --parallel 2 and an interactor too. init and the program are not checked
# (they run natively).
#
# What memcheck adds to the ASan+UBSan build (JB_SANITIZE, whose
# LeakSanitizer runs in every test there): reads of uninitialised memory,
# including bytes passed to the kernel (a struct written to init's pipe or
# socket, a buffer given to write, ioctl or sendmsg), which ASan does not
# see, and it checks the ordinary optimised build, not an instrumented one.
#
# System calls valgrind 3.19 answers with ENOSYS in the supervisor, so
# that what follows them is not what runs natively: pidfd_send_signal (424)
# makes the SIGKILL for an init already in _exit (its reap) a no-op, and
# the forced kill of an init that ignored 'K' is not exercised; fsopen (430)
# fails the root template of a process's second job on (mnt_template_build,
# the new mount API), so with --stream every init builds its own root, the
# fallback natively taken without root or without that API. Any other
# unhandled system call fails the case: a path memcheck did not really run.
#
# Output: TAP, then "N passed, M failed". Exit 0 all passed, 1 on a
# failure, 77 only when valgrind or judgebox-vg is absent.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${JB_SOURCE_DIR:-$(dirname "$(dirname "$here")")}
jb=${1:-$src/build/judgebox-vg}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind not installed"
	exit 77
fi
if [ ! -x "$jb" ]; then
	echo "1..0 # SKIP no judgebox-vg binary at '$jb'"
	exit 77
fi

tmp=$(mktemp -d /tmp/jbvg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
passed=0
failed=0

# LD_BIND_NOW: vg_init.c (no lazy binding on the real CPU). Errors: any
# memcheck error, and definite leaks, give exit 99.
memcheck() { # LOG ARGS...
	log=$1
	shift
	LD_BIND_NOW=1 timeout 600 valgrind -q --trace-children=no --child-silent-after-fork=yes \
		--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$log" "$jb" "$@"
}

status_of() {
	sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p' "$1" | head -n 1
}

# valgrind's warnings for system calls it does not know, but the ones the
# header explains (424: pidfd_send_signal, 430: fsopen).
unhandled() {
	grep 'unhandled .* syscall' "$1" | grep -v -e 'syscall: 424$' -e 'syscall: 430$'
}

report() { # ok|not ok, name, details...
	n=$((n + 1))
	verdict=$1
	name=$2
	shift 2
	echo "$verdict $n - $name"
	for line in "$@"; do
		[ -n "$line" ] && printf '%s\n' "$line" | sed 's/^/#   /'
	done
	if [ "$verdict" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# check NAME RC [PROBLEM]: the memcheck verdict of a case whose log is vg.log.
check() {
	name=$1
	rc=$2
	problems=${3:-}
	if [ "$rc" -eq 99 ]; then
		problems="$problems${problems:+; }memcheck errors (see below)"
	elif [ "$rc" -ge 124 ]; then
		problems="$problems${problems:+; }valgrind ended with $rc"
	fi
	if unhandled "$tmp/vg.log" >/dev/null; then
		problems="$problems${problems:+; }a system call valgrind does not know (see below)"
	fi
	if [ -n "$problems" ]; then
		report "not ok" "$name" "$problems" "$(head -c 4000 "$tmp/vg.log")" \
			"$(head -c 600 "$tmp/out")"
	else
		report ok "$name"
	fi
}

# run_case NAME EXPECTED_STATUS ARGS... : `judgebox run --json ARGS`, first
# natively (the case itself must hold), then under memcheck.
run_case() {
	name=$1
	want=$2
	shift 2
	timeout 120 "$jb" run --json "$@" >"$tmp/native.json" 2>"$tmp/native.err"
	native=$(status_of "$tmp/native.json")
	memcheck "$tmp/vg.log" run --json "$@" >"$tmp/out" 2>&1
	rc=$?
	got=$(status_of "$tmp/out")
	problems=
	[ "$native" = "$want" ] || problems="native run: status '$native', expected $want"
	[ "$got" = "$want" ] ||
		problems="$problems${problems:+; }under valgrind: status '$got', expected $want"
	check "$name" $rc "$problems"
}

# cmd_case NAME ARGS... : any other judgebox command, memcheck only.
cmd_case() {
	name=$1
	shift
	memcheck "$tmp/vg.log" "$@" >"$tmp/out" 2>&1
	check "$name" $?
}

# frame FILE: FILE as one varint-delimited frame (FILE < 16 KiB).
frame() {
	len=$(wc -c <"$1")
	if [ "$len" -lt 128 ]; then
		printf "\\$(printf %o "$len")"
	else
		printf "\\$(printf %o $((len % 128 + 128)))\\$(printf %o $((len / 128)))"
	fi
	cat "$1"
}

# stream_case: `exec --stream --parallel 2` with jobs of several statuses:
# two runs, each reused (its report, its spare cgroup).
stream_case() {
	"$jb" job --id s1 -- /bin/true >"$tmp/j1"
	"$jb" job --id s2 -- /bin/false >"$tmp/j2"
	"$jb" job --id s3 --time 0.2 --wall-time 60 -- /bin/sh -c 'while :; do :; done' >"$tmp/j3"
	"$jb" job --id s4 -- /bin/echo hi >"$tmp/j4"
	"$jb" job --id s5 -- /bin/sh -c '/bin/true; exit 0' >"$tmp/j5"
	"$jb" job --id s6 -- /bin/true >"$tmp/j6"
	for i in 1 2 3 4 5 6; do
		frame "$tmp/j$i"
	done >"$tmp/jobs"
	memcheck "$tmp/vg.log" exec --stream --parallel 2 <"$tmp/jobs" >"$tmp/verdicts" 2>"$tmp/out"
	rc=$?
	"$jb" show --stream <"$tmp/verdicts" >"$tmp/out" 2>&1
	got=$(for i in 1 2 3 4 5 6; do
		grep "\"id\":\"s$i\"" "$tmp/out" | sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p'
	done | tr '\n' ' ')
	want="OK RUNTIME_ERROR TIME_LIMIT OK SYSCALL_VIOLATION OK "
	problems=
	[ "$got" = "$want" ] || problems="statuses '$got', expected '$want'"
	check stream_parallel $rc "$problems"
}

# interactor_case: the program reads what the interactor writes and
# answers it; both end OK.
interactor_case() {
	"$jb" job --id inter -- /bin/sh -c 'echo hi; read x; test "$x" = hi' >"$tmp/inter.job"
	memcheck "$tmp/vg.log" run --json --interactor "$tmp/inter.job" -- \
		/bin/sh -c 'read x; echo "$x"' >"$tmp/out" 2>&1
	rc=$?
	got=$(sed -n 's/.*"status":"\([A-Z_]*\)".*"interactor":{.*"status":"\([A-Z_]*\)".*/\1 \2/p' \
		"$tmp/out")
	problems=
	[ "$got" = "OK OK" ] || problems="program and interactor: '$got', expected 'OK OK'"
	check interactor $rc "$problems"
}

echo "1..16"
run_case ok OK --file /etc/hostname:in --collect in -- /bin/echo hi
run_case runtime_error RUNTIME_ERROR -- /bin/false
run_case signaled SIGNALED -- /bin/sh -c 'kill -SEGV $$'
# a wall limit far above: on a busy machine 0.2 s of CPU may take long
run_case time_limit TIME_LIMIT --time 0.2 --wall-time 60 -- /bin/sh -c 'while :; do :; done'
run_case wall_time_limit WALL_TIME_LIMIT --wall-time 0.5 -- /bin/sleep 10
# tail keeps a line to its end: /dev/zero has none
run_case memory_limit MEMORY_LIMIT --memory 32M -- /usr/bin/tail /dev/zero
run_case output_limit OUTPUT_LIMIT --output-limit 1K -- /usr/bin/yes
# dash forks for an external command: clone under the default policy
run_case syscall_violation SYSCALL_VIOLATION -- /bin/sh -c '/bin/true; exit 0'
run_case invalid_job INVALID_JOB --env NOEQUALS -- /bin/true
stream_case
interactor_case
cmd_case policy_show_ci policy show ci
cmd_case policy_check_bad policy check "$src/testdata/policies-bad/several_errors.policy"
cmd_case info info
# show: decode a real verdict (made natively) under memcheck
"$jb" job --id vg -- /bin/true >"$tmp/job.bin" 2>/dev/null
timeout 120 "$jb" exec <"$tmp/job.bin" >"$tmp/verdict.bin" 2>/dev/null
memcheck "$tmp/vg.log" show <"$tmp/verdict.bin" >"$tmp/out" 2>&1
rc=$?
problems=
grep -q '"id":"vg"' "$tmp/out" || problems="show printed no verdict of id 'vg'"
check show_verdict $rc "$problems"
# a job read from stdin, as a judge sends it
memcheck "$tmp/vg.log" exec <"$tmp/job.bin" >"$tmp/verdict.bin" 2>"$tmp/out"
rc=$?
"$jb" show <"$tmp/verdict.bin" >"$tmp/out" 2>&1
problems=
[ "$(status_of "$tmp/out")" = OK ] || problems="exec: status '$(status_of "$tmp/out")', expected OK"
check exec_one $rc "$problems"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
