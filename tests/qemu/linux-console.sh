#!/bin/bash
# Typing reaches a Linux guest's console: boots Linux with tagvisor.shell (a shell on
# the console instead of the tests), waits for it, types a command and `exit`, and
# prints the guest's console. The command's output can only come from the guest's
# shell: it is computed there.
# Usage: tests/qemu/linux-console.sh [RUN OPTIONS]
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/in"
build/tagvisor run --timeout 120 "$@" --kernel build/linux/Image \
	--initrd build/linux/initramfs.cpio.gz --append "console=ttyAMA0 panic=-1 tagvisor.shell" \
	<"$dir/in" >"$dir/out" 2>"$dir/err" &
pid=$!
exec 3>"$dir/in"
# What is typed before the guest's driver is up is lost, as on the machine: wait.
for _ in $(seq 1200); do
	grep -q "tagvisor-linux: shell on the console" "$dir/out" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
printf 'echo typed-$((6 * 7))\n' >&3
printf 'exit\n' >&3
wait "$pid"
rc=$?
exec 3>&-
cat "$dir/out"
cat "$dir/err" >&2
exit "$rc"
