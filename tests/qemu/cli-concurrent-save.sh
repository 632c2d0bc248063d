#!/bin/bash
# Two runs saving to the same file at once: each writes a temporary file beside it and
# renames it only when whole, so both succeed and the file is one whole snapshot.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
build/tagvisor run --snapshot "$dir/same.tvsnap" build/guests/snapshot_request.elf \
	</dev/null >/dev/null 2>"$dir/a.err" &
a=$!
build/tagvisor run --snapshot "$dir/same.tvsnap" build/guests/snapshot_request.elf \
	</dev/null >/dev/null 2>"$dir/b.err" &
b=$!
wait $a
sa=$?
wait $b
sb=$?
left=$(ls -A "$dir" | grep -v -e '^same.tvsnap$' -e '^a.err$' -e '^b.err$')
if [ $sa = 0 ] && [ $sb = 0 ] && build/tagvisor inspect --verify "$dir/same.tvsnap" >/dev/null &&
	[ -z "$left" ]; then
	echo "two saves to one file: both exit 0, the file verifies, nothing else left"
else
	echo "two saves: status $sa and $sb, left: $left"
	cat "$dir/a.err" "$dir/b.err"
fi
