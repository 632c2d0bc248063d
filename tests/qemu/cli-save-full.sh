#!/bin/bash
# A save that fails half-way (the disk is full) over an existing good snapshot: the old
# file is untouched, the message says why (ENOSPC), nothing else is left. Needs root for
# a small tmpfs; prints a skip line otherwise.
set -u
dir=$(mktemp -d)
trap 'umount "$dir/fs" 2>/dev/null; rm -rf "$dir"' EXIT
mkdir "$dir/fs"
if ! mount -t tmpfs -o size=600k tmpfs "$dir/fs" 2>/dev/null; then
	echo "disk full: SKIPPED (cannot mount a tmpfs: not root)"
	exit 0
fi
# A good (small) snapshot in place, then a big one saved over it.
build/tagvisor run --snapshot "$dir/fs/s.tvsnap" build/guests/snapshot_request.elf \
	</dev/null >/dev/null 2>&1
cp "$dir/fs/s.tvsnap" "$dir/good.tvsnap"
build/tagvisor run --snapshot "$dir/fs/s.tvsnap" --snapshot-at 30000000 --mte \
	build/guests/mte_stress.elf </dev/null >/dev/null 2>"$dir/err"
status=$?
left=$(ls -A "$dir/fs" | grep -v '^s.tvsnap$')
if grep -q "No space left on device" "$dir/err" && cmp -s "$dir/fs/s.tvsnap" "$dir/good.tvsnap" &&
	[ -z "$left" ]; then
	echo "disk full: exit status $status, No space left on device, the old snapshot intact, nothing left"
else
	echo "disk full: exit status $status, left: $left"
	cat "$dir/err"
fi
