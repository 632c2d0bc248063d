#!/bin/bash
# A kernel Image cut short is refused before the guest starts (docs/LINUX.md): the
# EFI stub's PE header lists where every section's bytes are, and the file must hold
# them. Cuts Debian's Image (make linux) by one byte and by half; prints what tagvisor
# said and its exit status each time (the whole Image boots in linux_mte); the CLI
# refuses it before QEMU starts.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
image=build/linux/Image
[ -f "$image" ] || { echo "no $image: run make linux" >&2; exit 9; }
size=$(stat -c %s "$image")
for cut in 1 $((size / 2)); do
	head -c $((size - cut)) "$image" >"$dir/Image"
	build/tagvisor run --timeout 60 --kernel "$dir/Image" </dev/null >/dev/null 2>"$dir/err"
	status=$?
	# Refused by the CLI: the message is tagvisor's, and no machine ever started.
	said=$(sed -n 's/^tagvisor: kernel .*: \(a truncated arm64 Image\).*/\1/p' "$dir/err")
	grep -q "EL2 ready" "$dir/err" && said="$said, but the machine started"
	echo "cut by $cut: exit status $status: $said"
done
