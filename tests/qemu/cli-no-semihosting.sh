#!/bin/bash
# Reads the QEMU command line (-v) of every kind of tagvisor run, and checks that none
# enables semihosting: run, --bare, --snapshot, restore, migrate (both ends), --gdb,
# a host test.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log=$dir/err
v() { timeout 60 build/tagvisor "$@" </dev/null >/dev/null 2>>"$log"; }
v run -v build/guests/hello.elf
v run -v --bare build/guests/hello.elf
v run -v --snapshot "$dir/s.tvsnap" build/guests/snapshot_request.elf
v restore -v "$dir/s.tvsnap"
v migrate -v --migrate-at 1ms build/guests/hello.elf
v run -v --host-test boot
# --gdb starts halted: stop it after a moment (SIGTERM), which must end QEMU too.
timeout -s TERM 2 build/tagvisor run -v --gdb=41234 build/guests/hello.elf </dev/null \
	>/dev/null 2>>"$log"
n=$(grep -c 'tagvisor: qemu-system-aarch64' "$log")
if [ "$n" -lt 8 ]; then
	echo "only $n QEMU command lines seen"
	cat "$log"
	exit 1
fi
if grep 'tagvisor: qemu-system-aarch64' "$log" | grep -q semihost; then
	echo "semihosting enabled in:"
	grep 'tagvisor: qemu-system-aarch64' "$log" | grep semihost
	exit 1
fi
echo "no command line enables semihosting ($n QEMU command lines read)"
