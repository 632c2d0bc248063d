#!/bin/bash
# tagvisor outside its build tree: a bare copy says where it looked for its images;
# TAGVISOR_DATA points it at them; `make install PREFIX=` gives a tree that just works.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp build/tagvisor "$dir/tagvisor"
"$dir/tagvisor" run build/guests/hello.elf </dev/null >/dev/null 2>"$dir/err"
status=$?
grep -q "cannot find the hypervisor and host images" "$dir/err" &&
	echo "a copied tagvisor: exit status $status, says where it looked"
TAGVISOR_DATA=$PWD/build "$dir/tagvisor" run build/guests/hello.elf </dev/null 2>/dev/null |
	cmp -s - tests/data/hello.out && echo "with TAGVISOR_DATA: exit status 0"
make -s install PREFIX="$dir/inst" >/dev/null 2>&1
"$dir/inst/bin/tagvisor" run "$dir/inst/share/tagvisor/guests/hello.elf" </dev/null 2>/dev/null |
	cmp -s - tests/data/hello.out && echo "installed: exit status 0"
