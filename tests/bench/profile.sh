#!/bin/bash
# Where the instructions of a benchmark go (docs/BENCHMARKS.md, "Where the time went").
# Runs the benchmark with `tagvisor run --icount`, adding TCG's exec trace of every
# instruction to its QEMU (TAGVISOR_QEMU_ARGS, tools/tagvisor/machine.c), and prints the
# instructions per function of the hypervisor, the host and the guest. The run is cut
# into segments at every clock read of the benchmark (mrs cntpct_el0 in the host,
# cntvct_el0 in a guest), so that each timed loop is one segment; divide by its
# iterations. About a hundred times slower than the run itself.
# Usage: tests/bench/profile.sh [--min N] host-test NAME
#        tests/bench/profile.sh [--min N] guest GUEST.elf [mte=on|mte=off]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=build
min=100000
if [ "${1:-}" = --min ]; then
	min=$2
	shift 2
fi
case "${1:-}" in
host-test)
	run=(--host-test "$2")
	marks_elf=$B/host.elf
	marks_re='mrs.*cntpct_el0'
	elfs="$B/hyp.elf $B/host.elf"
	;;
guest)
	run=("$2")
	[ "${3:-mte=on}" = mte=off ] && run=(--no-mte "$2")
	marks_elf=$2
	marks_re='mrs.*cntvct_el0'
	elfs="$B/hyp.elf $B/host.elf $2"
	;;
*)
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 1
	;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Segment marks as the trace prints PCs (16 hex digits); symbols as decimal addresses.
aarch64-linux-gnu-objdump -d "$marks_elf" | awk -v re="$marks_re" \
	'$0 ~ re { sub(":", "", $1); print substr("0000000000000000", 1, 16 - length($1)) $1 }' \
	>"$out/marks"
hex2dec() { while read -r a rest; do echo "$((16#$a)) $rest"; done; }
for elf in $elfs; do
	aarch64-linux-gnu-nm -n "$elf" | awk -v img="$(basename "$elf" .elf)" \
		'$2 ~ /^[tTwW]$/ { print $1, img ":" $3 }' | hex2dec
done | sort -n >"$out/syms"

# The exec trace: "Trace 0: HOST [CPU/PC/FLAGS/...]", one line per instruction, read
# from a FIFO while the run goes on (the whole trace would be tens of GB).
mkfifo "$out/trace"
awk -v marks="$out/marks" 'BEGIN { seg = 0; while ((getline l < marks) > 0) mark[l] = 1 }
	/^Trace/ { split($4, a, "/"); n[seg " " a[2]]++; if (a[2] in mark) seg++ }
	END { for (k in n) print k, n[k] }' <"$out/trace" >"$out/counts" &
reader=$!
TAGVISOR_QEMU_ARGS="-accel tcg,one-insn-per-tb=on -d nochain,exec -D $out/trace" \
	$B/tagvisor run --icount "${run[@]}" </dev/null >"$out/console" 2>&1 || true
wait "$reader"
grep -h '^bench:' "$out/console" || true

# Per segment: its total, then each function with at least 0.5% of it.
awk -v min="$min" '
function hex(s,   i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
FILENAME == ARGV[1] { addr[ns] = $1; name[ns++] = $2; next }
{
	pc = hex($2); lo = 0; hi = ns - 1
	while (lo < hi) { mid = int((lo + hi + 1) / 2); if (addr[mid] <= pc) lo = mid; else hi = mid - 1 }
	f = addr[lo] <= pc ? name[lo] : "?"
	tot[$1] += $3; per[$1 SUBSEP f] += $3; if ($1 + 0 > last) last = $1 + 0
}
END {
	for (s = 0; s <= last; s++) {
		if (!(s in tot) || tot[s] < min) continue
		printf "== segment %d: %d instructions\n", s, tot[s]
		for (k in per) { split(k, p, SUBSEP); if (p[1] == s && per[k] * 200 >= tot[s]) printf "%12d %s\n", per[k], p[2] | "sort -rn" }
		close("sort -rn")
	}
}' "$out/syms" "$out/counts"
