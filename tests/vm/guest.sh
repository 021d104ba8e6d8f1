#!/bin/bash
# PID 1 of the cgroup v2 guest that tests/vm/run.sh boots (its initramfs has
# mounted everything and switched root). Runs the chosen tests as root, then
# as a non-root user owning a delegated subtree, and writes to OUT:
#   booted            as soon as this starts
#   guest.txt         kernel, CPUs, memory, the cgroup2 mount
#   results           one line per test: WHO NAME RC SECONDS
#   WHO.NAME.out      each test's output (TAP)
#   done              when everything ran
# then powers the guest off (also when this script fails).
#
# Usage (from the initramfs): guest.sh SRC BUILD OUT "[NAME ...]"
src=$1 build=$2 out=$3 only=${4:-}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
bb=/run/jbvm/busybox
py=/usr/bin/python3
user=65534 # nobody

# The tests, in the order they run. Chosen for the v2 code paths: limits,
# peaks, OOM kills, pids.max, cpu.stat, cgroup.kill, cleanup, the box's view
# of its cgroup, and stream slots with --cpus pinning (v2 has no freezer
# role: cgroup.kill replaces v1's freeze-and-kill). unprivileged is root's
# (it becomes nobody without a delegated cgroup: rlimits on a v2 host); the
# rest of the e2e suite (isolation, policies, languages, CLI) does not
# depend on the cgroup version. Each line:
#   NAME  WHO (root, deleg or both)  COMMAND...
tests() {
	cat <<EOF
v2		both	$py $src/tests/vm/test_v2.py
resources	both	$py $src/tests/e2e/test_resources.py
status		both	$py $src/tests/e2e/test_status.py
stream		both	$py $src/tests/e2e/test_stream.py
unprivileged	root	$py $src/tests/e2e/test_unprivileged.py
escape		both	$py $src/tests/escape/run_escape.py $(escape_names)
EOF
}

# The escape payloads that attack cgroups and limits (the rest test
# namespaces and seccomp, which cgroup v2 does not change), and int $0x80,
# which this project's hosts refuse in their own kernel.
escape_names() {
	echo memory_bomb memory_bomb_children memfd_memory tmpfs_memory oom_init \
		fork_bomb thread_bomb cpu_burn_children cpu_burn_threads sys_write \
		setsid_setpgid sigstop_tree zombies_orphans cross_job i386_int80 i386_int80_static
}

# The delegated subtree, as systemd's Delegate=yes makes it: the directory
# and its cgroup.procs, cgroup.subtree_control and cgroup.threads belong to
# the user. The user then leaves its root for a leaf ("main": no internal
# processes), enables the controllers and makes the empty parent of its jobs.
deleg=/sys/fs/cgroup/deleg
deleg_setup() {
	mkdir "$deleg" &&
		chown "$user:$user" "$deleg" "$deleg"/cgroup.{procs,subtree_control,threads} &&
		setpriv --reuid=$user --regid=$user --clear-groups sh -c "
			mkdir $deleg/main $deleg/jobs &&
			echo '+memory +pids +cpu' > $deleg/cgroup.subtree_control"
}

# Run one test as WHO (root: in the root cgroup, as a pure v2 host's
# service manager would; deleg: moved into the delegated leaf by root, as
# systemd starts a unit there, then as the user, with judgebox's jobs under
# the delegated parent through tests/vm/jb-deleg).
run_one() {
	local who=$1 name=$2
	shift 2
	local t0=$SECONDS rc=0
	if [ "$who" = root ]; then
		timeout -k 10 900 env JB_VM_WHO=root "$@"
	else
		(
			echo "$BASHPID" >"$deleg/main/cgroup.procs" || exit 99
			exec setpriv --reuid=$user --regid=$user --clear-groups \
				env JB_VM_WHO=deleg JB_BIN="$src/tests/vm/jb-deleg" \
				JB_VM_BIN="$build/judgebox" JB_VM_CGROUP_PARENT=/deleg/jobs \
				timeout -k 10 900 "$@"
		)
	fi >"$out/$who.$name.out" 2>&1 </dev/null || rc=$?
	echo "$who $name $rc $((SECONDS - t0))" >>"$out/results"
}

wanted() {
	[ -z "$only" ] && return 0
	case " $only " in *" $1 "*) return 0 ;; esac
	return 1
}

poweroff() {
	sync
	$bb poweroff -f
}
trap poweroff EXIT

: >"$out/booted"
: >"$out/results"
$bb hostname jbvm
$bb ip link set lo up
{
	uname -srv
	echo "cpus: $(nproc)"
	grep MemTotal /proc/meminfo
	grep cgroup /proc/mounts
	echo "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	echo "up $(cut -d' ' -f1 /proc/uptime) s when the tests start"
	# What the timing TODOs of report.py are measured against: a trivial
	# dynamic program (the exit_code payload) started bare.
	TIMEFORMAT="exit_code payload, bare: real %R s, user %U s, system %S s"
	time "$build/testdata/exit_code" 0
} >"$out/guest.txt" 2>&1

export JB_BIN=$build/judgebox JB_PAYLOADS=$build/testdata JB_SOURCE_DIR=$src \
	JB_BUILD_DIR=$build JB_ESCAPE_PROGS=$build/tests/escape/progs

for who in root deleg; do
	if [ "$who" = deleg ] && ! deleg_setup >"$out/deleg.setup.out" 2>&1; then
		echo "deleg setup 1 0" >>"$out/results"
		break
	fi
	while read -r name whom cmd; do
		[ "$whom" = both ] || [ "$whom" = "$who" ] || continue
		wanted "$name" || continue
		# shellcheck disable=SC2086 # the command line is words
		run_one "$who" "$name" $cmd
	done < <(tests)
done
: >"$out/done"
