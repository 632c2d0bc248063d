#!/bin/bash
# Damages a real snapshot in one way and checks that both `tagvisor inspect --verify`
# and `tagvisor restore` refuse it with a message that says what is wrong (printed).
# Usage: tests/qemu/corrupt-restore.sh flip|truncate|version|oldversion|magic|reorder|trailing
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
snap=$dir/guest.tvsnap
bad=$dir/bad.tvsnap
build/tagvisor run --timeout 60 --snapshot "$snap" --snapshot-at 50ms \
	build/guests/mte_stress.elf >/dev/null 2>&1 || { echo "cannot make a snapshot" >&2; exit 9; }
size=$(stat -c %s "$snap")
cp "$snap" "$bad"
patch_byte() { printf "$(printf '\\x%02x' "$2")" | dd of="$bad" bs=1 seek="$1" conv=notrunc status=none; }
case $1 in
flip) # one bit in the middle of the page data
	off=$((size / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "$snap")
	patch_byte "$off" $((byte ^ 0x10)) ;;
truncate) head -c $((size - 1000)) "$snap" >"$bad" ;;
version) patch_byte 8 4 ;;  # header.version = 4, a later format
oldversion) patch_byte 8 1 ;;  # header.version = 1, the format before the PMU and debug state
magic) patch_byte 0 0x58 ;;
reorder) # swap the CONFIG record (header + 56 bytes) with the next 72 bytes
	{ head -c 40 "$snap"; tail -c +113 "$snap" | head -c 72; tail -c +41 "$snap" | head -c 72
	  tail -c +185 "$snap"; } >"$bad" ;;
trailing) printf 'x' >>"$bad" ;;
*) echo "unknown damage $1" >&2; exit 9 ;;
esac
echo "== inspect --verify"
build/tagvisor inspect --verify "$bad" && { echo "inspect accepted a damaged stream"; exit 8; }
echo "== restore"
build/tagvisor restore --timeout 60 "$bad" 2>&1
echo "restore exit status $?"
