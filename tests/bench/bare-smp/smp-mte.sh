#!/bin/bash
# SPDX-License-Identifier: MIT
# guests/linux/smp_mte.c on bare QEMU (no hypervisor): the reference for the SMP MTE test a
# tagvisor guest with several vCPUs must also pass. Boots build/linux/Image with its
# initramfs on `-M virt,mte=MTE,gic-version=3 -cpu max -smp N -m 1G`, command line
# "console=ttyAMA0 panic=-1 smp_mte", and prints the guest's console on stdout.
# With --tagvisor the same guest runs under `build/tagvisor run --mte|--no-mte --mem 1G
# --machine-mem 2G`, with `--cpus N` when N > 1 (the multi-vCPU CLI of issue 12).
#
# Usage: tests/bench/bare-smp/smp-mte.sh [--tagvisor] [--smp N] [--mte on|off] [--icount]
#   (defaults: 4 CPUs, mte=on; --icount: -icount shift=0,sleep=off -seed 1, where QEMU runs
#   the CPUs round robin in one thread, or tagvisor's --icount)
# Exits 0 when the guest powered off by itself (QEMU's or tagvisor's status 0) and the
# console has "smp_mte: N CPUs, M checks passed, 0 failed" for the N asked for and
# "tagvisor-linux: smp_mte PASS"; 1 otherwise, saying why on stderr. One QEMU; bare, about
# 6 s at 4 CPUs on 2 cores (12 s with --icount); tagvisor with 1 vCPU about 10 s.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"

smp=4
mte=on
icount=0
tagvisor=0
while [ $# -gt 0 ]; do
	case $1 in
	--tagvisor) tagvisor=1 && shift ;;
	--smp) smp=$2 && shift 2 ;;
	--mte) mte=$2 && shift 2 ;;
	--icount) icount=1 && shift ;;
	*) echo "usage: $0 [--tagvisor] [--smp N] [--mte on|off] [--icount]" >&2 && exit 1 ;;
	esac
done
[[ $smp =~ ^[1-8]$ ]] || { echo "smp-mte: --smp takes 1..8" >&2 && exit 1; }
[[ $mte == on || $mte == off ]] || { echo "smp-mte: --mte takes on or off" >&2 && exit 1; }

if [ ! -f build/linux/Image ] || [ ! -f build/linux/initramfs.cpio.gz ]; then
	scripts/linux/build.sh build/linux >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmdline="console=ttyAMA0 panic=-1 smp_mte"
status=0
if [ "$tagvisor" -eq 1 ]; then
	args=(--mem 1G --machine-mem 2G --timeout 240)
	[ "$mte" = on ] && args+=(--mte) || args+=(--no-mte)
	[ "$smp" -gt 1 ] && args+=(--cpus "$smp")
	[ "$icount" -eq 1 ] && args+=(--icount)
	# The guest's console only: tagvisor's own messages go to stderr.
	build/tagvisor run "${args[@]}" --kernel build/linux/Image \
		--initrd build/linux/initramfs.cpio.gz --append "$cmdline" </dev/null >"$log" ||
		status=$?
else
	extra=()
	[ "$icount" -eq 1 ] && extra=(-icount shift=0,sleep=off -seed 1)
	timeout 240 qemu-system-aarch64 -M "virt,mte=$mte,gic-version=3" -cpu max -smp "$smp" \
		-m 1G -nodefaults -display none -monitor none -serial stdio -no-reboot "${extra[@]}" \
		-kernel build/linux/Image -initrd build/linux/initramfs.cpio.gz -append "$cmdline" \
		</dev/null >"$log" 2>&1 || status=$?
fi
tr -d '\r' <"$log"

why=""
if [ "$status" -ne 0 ]; then
	why="exit status $status (QEMU's 124: timeout; tagvisor's 5: its --timeout)"
elif ! grep -qE "^smp_mte: $smp CPUs, [0-9]+ checks passed, 0 failed" "$log"; then
	why="no \"smp_mte: $smp CPUs, M checks passed, 0 failed\" line"
elif ! grep -q '^tagvisor-linux: smp_mte PASS' "$log"; then
	why="no \"tagvisor-linux: smp_mte PASS\""
elif ! grep -q 'reboot: Power down' "$log"; then
	why="the guest did not power off"
fi
if [ -n "$why" ]; then
	echo "smp-mte ($([ "$tagvisor" -eq 1 ] && echo tagvisor || echo bare QEMU), $smp CPUs, mte=$mte): FAIL: $why" >&2
	exit 1
fi
