#!/bin/bash
# Runs one integration test: tests/run-one.sh OUTDIR "NAME | STATUS | CHECKS | ARGS"
#   STATUS  the exit status tagvisor must return
#   CHECKS  '&&'-separated: out=FILE (stdout equals FILE), out~TEXT, err~TEXT (contains),
#           out!~TEXT, err!~TEXT (does not contain), out=~REGEX, err=~REGEX (grep -E), or '-' for none
#   ARGS    arguments of build/tagvisor; --timeout 180 unless given; or "sh: SCRIPT ARGS" to
#           run a script of tests/qemu/ (for tests that need several runs)
set -u
outdir=$1
IFS='|' read -r name want checks args <<<"$2"
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }
name=$(trim "$name")
want=$(trim "$want")
checks=$(trim "$checks")
args=$(trim "$args")
[[ $args == *--timeout* || $args == sh:* ]] || args="$args --timeout 180"

o=$outdir/$name.out
e=$outdir/$name.err
start=$(date +%s%N)
# shellcheck disable=SC2086 # ARGS is a word list by design
if [[ $args == sh:* ]]; then
	timeout 300 ${args#sh:} </dev/null >"$o" 2>"$e"
else
	build/tagvisor $args </dev/null >"$o" 2>"$e"
fi
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
secs=$((ms / 1000)).$((ms % 1000 / 100))

why=""
[ "$status" = "$want" ] || why="exit status $status, want $want"
if [ -z "$why" ] && [ "$checks" != "-" ]; then
	rest=$checks
	while [ -n "$rest" ]; do
		c=$(trim "${rest%%&&*}")
		[[ $rest == *"&&"* ]] && rest=${rest#*&&} || rest=""
		case $c in
		out=~*) grep -qE -- "${c#out=~}" "$o" || why="stdout does not match '${c#out=~}'" ;;
		out=*) cmp -s "$o" "${c#out=}" || why="stdout differs from ${c#out=}" ;;
		err=~*) grep -qE -- "${c#err=~}" "$e" || why="stderr does not match '${c#err=~}'" ;;
		out!~*) grep -qF -- "${c#out!~}" "$o" && why="stdout has '${c#out!~}'" ;;
		out~*) grep -qF -- "${c#out~}" "$o" || why="stdout lacks '${c#out~}'" ;;
		err!~*) grep -qF -- "${c#err!~}" "$e" && why="stderr has '${c#err!~}'" ;;
		err~*) grep -qF -- "${c#err~}" "$e" || why="stderr lacks '${c#err~}'" ;;
		*) why="unknown check '$c'" ;;
		esac
		[ -n "$why" ] && break
	done
fi
if [ -z "$why" ]; then
	echo "PASS qemu $name (${secs}s)" | tee "$outdir/$name.result"
else
	{
		echo "FAIL qemu $name: $why"
		tail -n 15 "$e" | sed 's/^/    | /'
	} | tee "$outdir/$name.result"
fi
