#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux KVM's figure for "power-on to /init" of a Linux guest, the reference for tagvisor's.
#
# The measurement: one QEMU (virt, virtualization=on, mte=on, GICv3, -cpu max, 1 CPU) with
# -icount shift=0,sleep=off (as `tagvisor run --icount`), so one tick of the 1 GHz counter is
# one instruction of the emulated machine, -seed 1, so that random numbers (KASLR, RNDR)
# are the same on every run, and a real-time clock that starts at a fixed date and follows
# the virtual clock (below): every count then repeats exactly. In it Debian's 6.1 kernel
# (build/linux/Image) owns EL2 and runs KVM; its /init starts kvmboot, which boots the same Image with the same
# initramfs (build/linux/initramfs.cpio.gz) as a KVM guest: 1 vCPU, 256 MiB, MTE on,
# "console=ttyAMA0 panic=-1", tagvisor's device tree. KVM starts the guest's virtual counter at
# 0 when it creates the vCPU, so the "cntvct: N" the guest's /init prints is the number of
# instructions the machine ran from the guest's power-on to its /init: guest, KVM at EL2, L1
# kernel and kvmboot (its PL011 emulation) together. Nothing else runs in L1 meanwhile.
# Modes: KVM's default on this CPU (VHE), kvm-arm.mode=nvhe and kvm-arm.mode=protected.
# Reference: the same Image and initramfs on bare QEMU (no EL2, 256 MiB, QEMU's own tree).
#
# With --cpus N (1..8) every machine has N CPUs and the guest N vCPUs: QEMU -smp N, the L1
# kernel on N CPUs, kvmboot -c N (each vCPU a thread, secondaries started by the guest's PSCI
# CPU_ON, which KVM handles), bare QEMU -smp N; under -icount QEMU runs the CPUs round robin
# in one thread, so the counts still repeat, and the counter is the whole machine's
# instructions (all CPUs). --mem MIB sets the guest's RAM (bare QEMU's -m, kvmboot -M;
# default 256). --tv-dtb adds a second bare boot, given the device tree the KVM and tagvisor
# guests get (lib/linux_dt.c, by dtbgen) instead of QEMU's, which has more devices to probe.
# smp4.sh runs it with --cpus 4 --tv-dtb.
#
# Usage: tests/bench/kvm-linux/run.sh [--cpus N] [--mem MIB] [--tv-dtb] [OUTDIR]
#   (default OUTDIR build/bench-kvm-linux)
# Prints kvm_linux_init_{vhe,nvhe,protected}=N, kvm_linux_exits_MODE=N (the guest's exits to
# kvmboot: PL011 accesses and the final power-off), bare_linux_init=N and with --tv-dtb
# bare_linux_tvdtb_init=N on stdout, progress
# on stderr; logs in OUTDIR/logs (NAME-smpN.log with --cpus N > 1, NAME-memM.log with --mem).
# Exits 1 with a message if any boot fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
cpus=1
mem=256
tvdtb=0
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=$2 && shift 2 ;;
	--mem) mem=$2 && shift 2 ;;
	--tv-dtb) tvdtb=1 && shift ;;
	*) break ;;
	esac
done
[[ $cpus =~ ^[1-8]$ ]] || { echo "kvm-linux/run: --cpus takes 1..8" >&2 && exit 1; }
[[ $mem =~ ^[0-9]+$ ]] && [ "$mem" -ge 64 ] && [ "$mem" -le 2048 ] ||
	{ echo "kvm-linux/run: --mem takes 64..2048 (MiB)" >&2 && exit 1; }
out=${1:-$root/build/bench-kvm-linux}
"$here/build.sh" "$out"
out=$(cd "$out" && pwd)
cd "$root"
logs=$out/logs
mkdir -p "$logs"

fail() {
	echo "kvm-linux/run: $*" >&2
	exit 1
}

# The 1-vCPU, 256 MiB runs keep the names and command lines they had before --cpus and --mem.
suffix=""
[ "$cpus" -gt 1 ] && suffix="$suffix-smp$cpus"
[ "$mem" -ne 256 ] && suffix="$suffix-mem$mem"
l1_args=""
[ "$cpus" -gt 1 ] && l1_args="$l1_args kvmboot.cpus=$cpus"
[ "$mem" -ne 256 ] && l1_args="$l1_args kvmboot.mem=$mem"
# L1 needs 1 GiB beside a 256 MiB guest (its initramfs, twice while unpacked); more for more.
l1_mem=$((mem > 256 ? mem + 768 : 1024))

# The guest's kernel says how many CPUs it brought up; with one, the line is as QEMU's.
cpus_line="smp: Brought up 1 node, $cpus CPU"
[ "$cpus" -gt 1 ] && cpus_line="${cpus_line}s"

# -rtc ...,clock=vm: QEMU's PL031 otherwise tells the kernel the host's time of day, which
# goes into its entropy pool and so into L1's address-space layout (where kvmboot's guest RAM
# lands, and whether huge pages back it): the KVM counts then varied by up to 0.4% between
# runs with 4 CPUs. Started at a fixed date and following virtual time, they repeat exactly.
qemu=(qemu-system-aarch64 -cpu max -smp "$cpus" -nodefaults -display none -monitor none -serial stdio
	-no-reboot -icount shift=0,sleep=off -seed 1 -rtc base=2025-01-01T00:00:00,clock=vm
	-kernel build/linux/Image)

# qemu_boot LOG ARGS...: one QEMU run to its power-off, its console in LOG.
qemu_boot() {
	local log=$1 start status=0
	shift
	start=$SECONDS
	timeout 900 "${qemu[@]}" "$@" </dev/null >"$log" 2>&1 || status=$?
	# Consoles end lines with CR LF (two CRs when the guest's passes through L1's tty).
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	[ "$status" -eq 0 ] || fail "QEMU exited with status $status (124: timeout); see $log"
	echo "kvm-linux: $(basename "$log" .log): $((SECONDS - start)) s" >&2
}

# kvm_boot MODE KVM-LINE [KERNEL ARGS]: the guest under KVM in one mode. KVM-LINE is how
# the L1 kernel names the mode in its "kvm [1]: ... initialized" line.
kvm_boot() {
	local mode=$1 expect=$2 args=${3:-} log=$logs/kvm-$1$suffix.log n exits
	# 1 GiB: the L1 initramfs (35 MiB, twice while unpacked) and the guest's 256 MiB.
	# quiet: L1's own boot messages take wall time and tell nothing here.
	qemu_boot "$log" -M virt,virtualization=on,mte=on,gic-version=3 -m "$l1_mem" \
		-initrd "$out/initramfs.cpio" -append "console=ttyAMA0 panic=-1 quiet $args$l1_args"
	grep -q "^kvm-linux: L1 kvm \[1\]: $expect mode initialized" "$log" ||
		fail "$mode: L1's KVM did not come up in $expect mode; see $log"
	grep -q '^kvm-linux: guest end, kvmboot exit status 0' "$log" ||
		fail "$mode: kvmboot failed; see $log"
	# The guest's line, not one of L1's: only the guest runs /cntvct.
	n=$(sed -n '/^kvm-linux: guest start/,/^kvm-linux: guest end/s/^cntvct: \([0-9]*\)$/\1/p' "$log")
	[ -n "$n" ] || fail "$mode: no \"cntvct: N\" line from the guest; see $log"
	grep -q '^tagvisor-linux: kernel MTE: yes' "$log" || fail "$mode: the guest has no MTE; see $log"
	# Not grep -q in a pipe: under pipefail, sed's SIGPIPE when grep stops early would fail it.
	[ -n "$(sed -n "/^kvm-linux: guest start/,/^kvm-linux: guest end/{/$cpus_line/p}" "$log")" ] ||
		fail "$mode: the guest did not say \"$cpus_line\"; see $log"
	exits=$(sed -n 's/^kvmboot: guest powered off after \([0-9]*\) exits.*/\1/p' "$log")
	[ -n "$exits" ] || fail "$mode: the guest did not power off; see $log"
	echo "kvm_linux_init_$mode=$n"
	echo "kvm_linux_exits_$mode=$exits"
}

kvm_boot vhe VHE
kvm_boot nvhe Hyp kvm-arm.mode=nvhe
kvm_boot protected "Protected nVHE" kvm-arm.mode=protected

# The kernel at EL1 as in a guest (no virtualization=on: no EL2, so no KVM to set up).
log=$logs/bare$suffix.log
qemu_boot "$log" -M virt,mte=on,gic-version=3 -m "${mem}M" -initrd build/linux/initramfs.cpio.gz \
	-append "console=ttyAMA0 panic=-1"
n=$(sed -n 's/^cntvct: \([0-9]*\)$/\1/p' "$log")
[ -n "$n" ] || fail "bare: no \"cntvct: N\" line; see $log"
grep -q '^tagvisor-linux: kernel MTE: yes' "$log" || fail "bare: the kernel has no MTE; see $log"
grep -q "$cpus_line" "$log" || fail "bare: the kernel did not say \"$cpus_line\"; see $log"
echo "bare_linux_init=$n"

# The same, with the guests' own device tree.
if [ "$tvdtb" -eq 1 ]; then
	log=$logs/bare-tvdtb$suffix.log
	"$out/dtbgen" "$mem" "$cpus" >"$out/guest.dtb"
	qemu_boot "$log" -M virt,mte=on,gic-version=3 -m "${mem}M" -dtb "$out/guest.dtb" \
		-initrd build/linux/initramfs.cpio.gz -append "console=ttyAMA0 panic=-1"
	n=$(sed -n 's/^cntvct: \([0-9]*\)$/\1/p' "$log")
	[ -n "$n" ] || fail "bare-tvdtb: no \"cntvct: N\" line; see $log"
	grep -q '^tagvisor-linux: kernel MTE: yes' "$log" || fail "bare-tvdtb: the kernel has no MTE; see $log"
	grep -q "$cpus_line" "$log" || fail "bare-tvdtb: the kernel did not say \"$cpus_line\"; see $log"
	# QEMU's tree has these, the guests' does not: the boot must not have probed them.
	! grep -q 'virtio_mmio\|fw_cfg\|pl061\|rtc-pl031' "$log" ||
		fail "bare-tvdtb: devices of QEMU's own tree were probed (was -dtb ignored?); see $log"
	echo "bare_linux_tvdtb_init=$n"
fi
