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
# Prints, on stdout:
#   bench: bare_linux_smp4_init N              bare QEMU -smp 4, counter at /init
#   bench: kvm_linux_smp4_init_MODE N          MODE vhe, nvhe, protected: the KVM guest's
#   bench: kvm_linux_smp4_exits_MODE N         counter at /init, its exits to kvmboot
# progress and each boot's wall time on stderr; exits 1 if a boot failed (run.sh says which).
# Takes about 20 minutes on 2 cores (each KVM boot 5 to 6, the bare one under a minute).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lines=$("$here/run.sh" --cpus 4 "$@")
echo "$lines" | sed -n 's/^\(kvm_linux\|bare_linux\)_\([a-z_]*\)=\([0-9]*\)$/bench: \1_smp4_\2 \3/p'
# Every figure or none: run.sh exits on the first failure, so a short list is a bug here.
[ "$(echo "$lines" | grep -c '=')" -eq 7 ]
