#!/usr/bin/env bash
# judgebox on a real, pure cgroup v2 host: boot a Linux guest under QEMU
# whose only cgroup hierarchy is cgroup2, and run the end-to-end tests in it,
# as root and as a non-root user who owns a delegated subtree (what systemd's
# Delegate=yes gives). This project's machines mount cgroup v1, so without
# this the v2 backend would only ever meet a fake tree.
#
# The guest: Debian's kernel (/boot/vmlinuz-*, linux-image-amd64: it has the
# 9p modules), a busybox initramfs built here, the host's /usr and /etc and
# this checkout shared read-only over 9p, tmpfs for /, /tmp and /run, cgroup2
# on /sys/fs/cgroup with "+memory +pids +cpu +cpuset" in the root's
# subtree_control, and cgroup_no_v1=all. tests/vm/guest.sh runs there as PID
# 1 and writes each test's output to a writable 9p share (a host temp dir);
# this script prints the verdicts as TAP and the totals. Packages:
# JB_VM=1 tools/install-deps.
#
# Software emulation (TCG), not KVM (/dev/kvm, where there is one, cannot
# boot Debian's kernel on these machines): the guest is 10-35 times slower
# than the host, so it runs the tests of the v2 code paths (the list and why
# are in guest.sh), and report.py reports the failures of their upper
# bounds on CPU and wall figures as TODO (the list and why are there);
# verdicts and everything else must pass.
#
# Usage: tests/vm/run.sh [TEST ...]    (names as in guest.sh: resources, ...)
# Environment: JB_BUILD_DIR (default ./build, with judgebox and the payloads
# built), JB_VM_KERNEL (default the newest /boot/vmlinuz-*), JB_VM_TIMEOUT
# (seconds for the whole guest, default 1500), JB_VM_MEMORY (default 3G),
# JB_VM_CPUS (default 2), JB_VM_KEEP=1 keeps the work directory.
# Exit 0 when every test passed; 1 on any failure, a guest that did not boot
# or did not finish in time, or a missing prerequisite (never a skip).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${JB_BUILD_DIR:-$src/build}
limit=${JB_VM_TIMEOUT:-1500}
memory=${JB_VM_MEMORY:-3G}
cpus=${JB_VM_CPUS:-2}
t_start=$(date +%s)

die() {
	echo "not ok - $*"
	echo "0 passed, 1 failed"
	exit 1
}

elapsed() { echo $(($(date +%s) - t_start)); }

# ------------------------------------------------------------ prerequisites

[ "$(id -u)" = 0 ] || die "tests/vm/run.sh needs root (it shares the host's /usr with the guest)"
for tool in qemu-system-x86_64 cpio timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing: JB_VM=1 tools/install-deps"
done
build=$(cd "$build" 2>/dev/null && pwd) || die "no build directory '$build'"
[ -x "$build/judgebox" ] || die "no '$build/judgebox': build first"
[ -d "$build/testdata" ] || die "no '$build/testdata': build first"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox is missing: JB_VM=1 tools/install-deps"
# The initramfs has no libc: the busybox of busybox-static only.
if LC_ALL=C readelf -d "$busybox" 2>/dev/null | grep -q NEEDED; then
	die "'$busybox' is dynamically linked: install busybox-static"
fi
# The newest kernel of /boot with the 9p modules (Debian's cloud kernel has
# none: linux-image-amd64 has).
pick_kernel() {
	local k
	for k in $(ls -1v /boot/vmlinuz-* 2>/dev/null | tac); do
		if [ -n "$(find "/lib/modules/${k##*/vmlinuz-}" -name '9p.ko*' 2>/dev/null)" ]; then
			echo "$k"
			return
		fi
	done
}
kernel=${JB_VM_KERNEL:-$(pick_kernel)}
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	die "no guest kernel with 9p in /boot: JB_VM=1 tools/install-deps"
fi
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -r "$moddir/modules.dep" ] || die "no modules for kernel $kver in $moddir"

work=$(mktemp -d /tmp/jbvm.XXXXXX)
cleanup() {
	if [ "${JB_VM_KEEP:-0}" = 1 ]; then
		echo "# work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
out=$work/out
mkdir -p "$out" "$work/initrd"

# ------------------------------------------------------------ initramfs

# Kernel modules in load order (dependencies first), from modules.dep.
declare -A mod_seen=()
mod_order=()
mod_add() {
	local rel=$1 dep
	[ -n "${mod_seen[$rel]:-}" ] && return 0
	mod_seen[$rel]=1
	for dep in $(grep "^$rel:" "$moddir/modules.dep" | cut -d: -f2); do
		mod_add "$dep"
	done
	mod_order+=("$rel")
}
for name in virtio_pci 9pnet_virtio 9p virtio-rng; do
	rel=$(grep -oE "^[^:]*/$name\.ko[^:]*" "$moddir/modules.dep" | head -n 1)
	if [ -z "$rel" ]; then
		# Built into the kernel: nothing to load.
		grep -q "/$name.ko" "$moddir/modules.builtin" 2>/dev/null ||
			die "kernel $kver has no module $name"
		continue
	fi
	mod_add "$rel"
done

ird=$work/initrd
mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,newroot,mods}
cp "$busybox" "$ird/bin/busybox"
: >"$ird/mods/order"
for rel in "${mod_order[@]}"; do
	base=$(basename "$rel")
	case $base in
	*.ko) cp "$moddir/$rel" "$ird/mods/$base" ;;
	*.ko.xz) xz -dc "$moddir/$rel" >"$ird/mods/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$ird/mods/${base%.zst}" ;;
	*) die "cannot load module '$rel'" ;;
	esac
	echo "${base%.ko*}.ko" >>"$ird/mods/order"
done

# The guest's root: a tmpfs holding the host's top-level links (bin ->
# usr/bin on a merged-/usr system) and 9p shares of /usr, /etc, the
# checkout and the build directory at their host paths. Each share is one
# "-fsdev/-device" pair here and one mount line in /init.
shares=() # "tag path ro|rw"
shares+=("usr /usr ro" "etc /etc ro" "src $src ro")
case $build/ in "$src"/*) ;; *) shares+=("build $build ro") ;; esac
for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
	[ -d "$d" ] && [ ! -L "$d" ] && shares+=("root${d//\//_} $d ro")
done
shares+=("out /run/jbvm/out rw")

# shellcheck disable=SC2016 # $R and $m are the init's, not ours
{
	echo '#!/bin/busybox sh'
	echo '# Generated by tests/vm/run.sh: the guest initramfs.'
	echo '/bin/busybox --install -s'
	echo 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'for m in $(cat /mods/order); do insmod /mods/$m || echo "jbvm: insmod $m failed"; done'
	echo 'R=/newroot'
	echo 'mount -t tmpfs -o mode=0755 root $R'
	for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
		[ -L "$d" ] && echo "ln -s $(readlink "$d") \$R$d"
	done
	echo 'mkdir -p $R/proc $R/sys $R/dev $R/tmp $R/run $R/root $R/home $R/var/tmp $R/mnt'
	echo 'mount -t tmpfs -o mode=1777 tmp $R/tmp'
	echo 'mount -t tmpfs -o mode=0755 run $R/run'
	for s in "${shares[@]}"; do
		read -r tag path mode <<<"$s"
		opts="trans=virtio,version=9p2000.L,msize=524288,$mode"
		[ "$mode" = ro ] && opts+=",cache=loose"
		echo "mkdir -p \$R$path && mount -t 9p -o $opts $tag \$R$path ||" \
			"echo 'jbvm: cannot mount $tag'"
	done
	echo 'mount --move /proc $R/proc; mount --move /sys $R/sys; mount --move /dev $R/dev'
	echo 'mkdir -p $R/dev/pts $R/dev/shm'
	echo 'ln -s /proc/self/fd $R/dev/fd; ln -s fd/0 $R/dev/stdin'
	echo 'ln -s fd/1 $R/dev/stdout; ln -s fd/2 $R/dev/stderr'
	echo 'mount -t devpts devpts $R/dev/pts; mount -t tmpfs -o mode=1777 shm $R/dev/shm'
	echo 'mount -t cgroup2 cgroup2 $R/sys/fs/cgroup'
	echo 'echo "+memory +pids +cpu +cpuset" > $R/sys/fs/cgroup/cgroup.subtree_control'
	echo 'mkdir -p $R/run/jbvm && cp /bin/busybox $R/run/jbvm/busybox'
	echo 'echo "jbvm: switching root"'
	# The kernel's command line ends at a second "--": the command is here.
	printf 'exec switch_root $R /usr/bin/bash %q %q %q %q %q\n' "$src/tests/vm/guest.sh" \
		"$src" "$build" /run/jbvm/out "${*:-}"
} >"$ird/init"
chmod 0755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) >"$work/initrd.cpio"

# ------------------------------------------------------------ boot

# shellcheck disable=SC2054 # the commas are qemu's
qemu=(qemu-system-x86_64 -nodefaults -display none -no-reboot
	-machine q35 -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$memory"
	-kernel "$kernel" -initrd "$work/initrd.cpio"
	-append "console=ttyS0 panic=-1 loglevel=5 softlockup_panic=1 cgroup_no_v1=all mitigations=off"
	-serial "file:$work/console.log" -device virtio-rng-pci)
i=0
for s in "${shares[@]}"; do
	read -r tag path mode <<<"$s"
	[ "$tag" = out ] && path=$out
	ro=""
	[ "$mode" = ro ] && ro=",readonly=on"
	qemu+=(-fsdev "local,id=fs$i,path=$path,security_model=none,multidevs=remap$ro"
		-device "virtio-9p-pci,fsdev=fs$i,mount_tag=$tag")
	i=$((i + 1))
done

echo "# guest: kernel $kver, $cpus CPUs, $memory, TCG; limit ${limit}s"
qrc=0
timeout --kill-after=10 "$limit" "${qemu[@]}" </dev/null >"$work/qemu.log" 2>&1 || qrc=$?
guest_s=$(elapsed)

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "# the guest did not finish within ${limit}s"
fi
if [ ! -e "$out/booted" ]; then
	echo "# qemu exit $qrc; its log:"
	sed 's/^/#   /' "$work/qemu.log" | tail -n 20
	echo "# the guest's console:"
	sed 's/^/#   /' "$work/console.log" 2>/dev/null | tail -n 40
	die "the cgroup v2 guest did not boot (qemu exit $qrc, ${guest_s}s)"
fi

# ------------------------------------------------------------ report

rc=0
python3 "$here/report.py" "$out" "$work/console.log" "$qrc" "$limit" "$@" || rc=$?
echo "# tests/vm/run.sh took $(elapsed)s (the guest ${guest_s}s)"
exit $rc
