#!/bin/bash
# Paths with spaces (and commas, which QEMU's option parser treats specially) work
# everywhere: a guest, a snapshot file, a restore.
set -u
dir=$(mktemp -d "/tmp/tagvisor paths, with spaces.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cp build/guests/hello.elf "$dir/hello guest, v1.elf"
cp build/guests/snapshot_request.elf "$dir/snap guest.elf"
build/tagvisor run "$dir/hello guest, v1.elf" 2>/dev/null | cmp -s - tests/data/hello.out &&
	echo "hello from a path with spaces: OK"
build/tagvisor run --snapshot "$dir/my snapshot.tvsnap" "$dir/snap guest.elf" >/dev/null 2>&1
build/tagvisor inspect --verify "$dir/my snapshot.tvsnap" >/dev/null 2>&1 &&
	build/tagvisor restore "$dir/my snapshot.tvsnap" 2>/dev/null | grep -q "snapshot call returned 1" &&
	echo "snapshot from a path with spaces: OK"
