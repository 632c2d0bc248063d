#!/bin/bash
# SPDX-License-Identifier: MIT
# The references for issue 12's "Linux with 4 vCPUs from power-on to /init": Debian's kernel
# and the test initramfs (make linux) on bare QEMU with -smp 4, and as a 4-vCPU guest of
# Linux KVM (VHE, nVHE, protected) on the same emulated machine with 4 CPUs: run.sh --cpus 4
# (the method is run.sh's: -icount shift=0,sleep=off -seed 1, the guest's virtual counter at
# its /init; with 4 CPUs it counts the instructions of all four).
#
# Usage: tests/bench/kvm-linux/smp4.sh [--mem MIB] [OUTDIR]   (guest RAM default 256 MiB;
#   OUTDIR default build/bench-kvm-linux)
# Prints, on stdout (every count repeats exactly from run to run):
#   bench: kvm_linux_smp4_init_MODE N          MODE vhe, nvhe, protected: the KVM guest's
#   bench: kvm_linux_smp4_exits_MODE N         counter at /init, its exits to kvmboot
#   bench: bare_linux_smp4_init N              bare QEMU -smp 4 (its own tree), counter at /init
#   bench: bare_linux_smp4_tvdtb_init N        the same with the guests' tree (lib/linux_dt.c)
# progress and each boot's wall time on stderr; exits 1 if a boot failed (run.sh says which).
# Takes about 70 s on 2 idle cores (each KVM boot about 20 s, the bare ones about 5 s).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lines=$("$here/run.sh" --cpus 4 --tv-dtb "$@")
echo "$lines" | sed -n 's/^\(kvm_linux\|bare_linux\)_\([a-z_]*\)=\([0-9]*\)$/bench: \1_smp4_\2 \3/p'
# Every figure or none: run.sh exits on the first failure, so a short list is a bug here.
[ "$(echo "$lines" | grep -c '=')" -eq 8 ]
