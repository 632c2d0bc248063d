#!/bin/bash
# A guest's semihosting must reach nothing: runs guests/semihost_probe.elf with the
# given options (every semihosting operation at EL1 and EL0, arguments that would
# create /tmp/tagvisor-semihost-probe and, through SYS_SYSTEM, .../-system, and exit
# with 77), passes on its output and exit status, and fails if either file appeared.
# Usage: tests/qemu/semihost.sh [RUN OPTIONS]
set -u
traces=(/tmp/tagvisor-semihost-probe /tmp/tagvisor-semihost-system)
rm -f "${traces[@]}"
build/tagvisor run --timeout 60 "$@" build/guests/semihost_probe.elf
status=$?
for f in "${traces[@]}"; do
	if [ -e "$f" ]; then
		echo "semihost.sh: $f exists: the guest reached the machine running QEMU" >&2
		rm -f "$f"
		exit 9
	fi
done
exit $status
