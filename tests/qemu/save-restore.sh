#!/bin/bash
# Saves a guest with `tagvisor run --snapshot FILE [RUN OPTIONS]`, checks the file with
# `tagvisor inspect --verify`, and continues it with `tagvisor restore FILE`. Prints the
# guest's console of both runs, in order: it must equal an uninterrupted run.
# Usage: tests/qemu/save-restore.sh [RUN OPTIONS] GUEST.elf, or [RUN OPTIONS] --kernel ... for Linux
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
snap=$dir/guest.tvsnap
build/tagvisor run --timeout 120 --snapshot "$snap" "$@" || exit $?
[ -s "$snap" ] || { echo "save-restore: no snapshot was written" >&2; exit 4; }
build/tagvisor inspect --verify "$snap" >&2 || exit $?
build/tagvisor restore --timeout 120 "$snap"
