#!/bin/bash
# SPDX-License-Identifier: MIT
# Reference test of the Linux guest artifacts (scripts/linux/build.sh) on bare QEMU, without
# tagvisor: what a Linux guest under tagvisor must also show.
#   mte-on   virt,mte=on: the kernel detects MTE, mte_user passes every check (sync and
#            async tag-check faults), the machine powers off by itself (PSCI SYSTEM_OFF).
#   mte-off  virt,mte=off: no MTE in the kernel, "mte_user: no MTE", powers off.
#   tv-dtb   as mte-on, with 2 CPUs and the device tree of lib/linux_dt.c (-dtb) instead of
#            QEMU's own: the tree tagvisor gives its Linux guests boots a real kernel.
# One QEMU at a time. Quiet on success (exit 0); on failure says what is missing and where
# the log is (exit 1). -v prints each boot's wall time and counter at /init.
# Usage: tests/qemu/linux-bare.sh [-v] [OUTDIR]   (OUTDIR of build.sh, default build/linux)
# ICOUNT=1 in the environment adds -icount shift=0 (the counter then counts instructions).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

verbose=0
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
# OUTDIR is relative to where the script is run from; the default is the repo's.
out=${1:-$root/build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
if [ ! -f "$out/Image" ] || [ ! -f "$out/initramfs.cpio.gz" ]; then
	scripts/linux/build.sh "$out"
fi
logs=$out/logs
mkdir -p "$logs"
failed=0

# The kernel's own line for MTE, printed by its cpufeature code at boot.
kernel_mte='CPU features: detected: Memory Tagging Extension'

# boot NAME MTE(on|off) [QEMU ARGS...]: one boot, its console in $logs/NAME.log.
boot() {
	local name=$1 mte=$2
	shift 2
	local icount=()
	[ "${ICOUNT:-0}" = 1 ] && icount=(-icount shift=0)
	local start end status=0
	start=$(date +%s%N)
	timeout 600 qemu-system-aarch64 -M "virt,gic-version=3,mte=$mte" -cpu max -m 512M \
		-nographic -no-reboot "${icount[@]}" -kernel "$out/Image" \
		-initrd "$out/initramfs.cpio.gz" -append "console=ttyAMA0 panic=-1" "$@" \
		</dev/null >"$logs/$name.log" 2>&1 || status=$?
	end=$(date +%s%N)
	wall_ms=$(((end - start) / 1000000))
	qemu_status=$status
}

# expect NAME PATTERN...: every fixed string is in the log; reports the ones that are not.
ok=1
expect() {
	local name=$1 p
	shift
	for p in "$@"; do
		if ! grep -qF -- "$p" "$logs/$name.log"; then
			echo "linux-bare $name: missing \"$p\"" >&2
			ok=0
		fi
	done
}

refuse() {
	local name=$1 p
	shift
	for p in "$@"; do
		if grep -qF -- "$p" "$logs/$name.log"; then
			echo "linux-bare $name: unexpected \"$p\"" >&2
			ok=0
		fi
	done
}

# finish NAME: the checks every boot shares, then the verdict.
finish() {
	local name=$1
	if [ "$qemu_status" -ne 0 ]; then
		echo "linux-bare $name: QEMU exited with status $qemu_status (124: timeout)" >&2
		ok=0
	fi
	expect "$name" 'tagvisor-linux: init started' 'cntvct: ' 'tagvisor-linux: mte_user PASS' \
		'tagvisor-linux: powering off' 'reboot: Power down'
	refuse "$name" 'Kernel panic' 'FAIL '
	if [ "$ok" -eq 0 ]; then
		echo "linux-bare $name: FAIL (log: $logs/$name.log)" >&2
		tail -n 25 "$logs/$name.log" >&2
		failed=$((failed + 1))
	elif [ "$verbose" -eq 1 ]; then
		echo "linux-bare $name: PASS, $wall_ms ms wall, $(grep -m 1 -o '^cntvct: [0-9]*' "$logs/$name.log")"
	fi
	ok=1
}

boot mte-on on
expect mte-on "$kernel_mte" 'tagvisor-linux: kernel MTE: yes' 'mte_user: HWCAP2_MTE present' \
	'PASS sync: load with a wrong tag: SIGSEGV si_code 9' \
	'PASS async: store with a wrong tag: SIGSEGV si_code 8'
grep -qE '^mte_user: ([0-9]+) passed, 0 failed' "$logs/mte-on.log" ||
	{ echo "linux-bare mte-on: mte_user did not pass every check" >&2 && ok=0; }
finish mte-on

boot mte-off off
expect mte-off 'tagvisor-linux: kernel MTE: no' 'mte_user: no MTE'
refuse mte-off "$kernel_mte"
finish mte-off

# The tree of lib/linux_dt.c, written by a throwaway native program. QEMU still sets the
# initrd and bootargs in /chosen and the RAM in /memory, as tagvisor's VMM will.
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
cat >"$gen/gen.c" <<'EOF'
#include <lib/linux_dt.h>
#include <stdio.h>

int main(void)
{
	static unsigned char buf[16384];
	struct linux_dt_config cfg;

	linux_dt_config_virt(&cfg);
	cfg.ram_base = 0x40000000;
	cfg.ram_size = 512u << 20;
	cfg.nr_vcpus = 2;
	cfg.bootargs = "console=ttyAMA0 panic=-1";
	int n = linux_dt_build(buf, sizeof(buf), &cfg);

	return n > 0 && fwrite(buf, 1, (size_t)n, stdout) == (size_t)n ? 0 : 1;
}
EOF
gcc -std=c11 -Wall -Wextra -Werror -Iinclude -o "$gen/gen" "$gen/gen.c" lib/linux_dt.c \
	lib/fdt_write.c
"$gen/gen" >"$gen/guest.dtb"
boot tv-dtb on -smp 2 -dtb "$gen/guest.dtb"
expect tv-dtb "$kernel_mte" 'psci: PSCIv1.1 detected in firmware.' \
	'smp: Brought up 1 node, 2 CPUs' 'ttyAMA0 at MMIO 0x9000000' 'tagvisor-linux: kernel MTE: yes'
grep -qE '^mte_user: ([0-9]+) passed, 0 failed' "$logs/tv-dtb.log" ||
	{ echo "linux-bare tv-dtb: mte_user did not pass every check" >&2 && ok=0; }
finish tv-dtb

[ "$failed" -eq 0 ]
