#!/bin/bash
# Runs every test: the unit tests of the core (native, fake arch), then the QEMU
# integration tests of tests/qemu/tests.list, two at a time, each in a fresh QEMU
# with a timeout. Prints one line per test and ends with "N passed, N failed".
# Usage: tests/run-all.sh [FILTER]   (FILTER: a substring of the test names to run)
set -u
cd "$(dirname "$0")/.."
filter=${1:-}
out=build/test-results
rm -rf "$out" && mkdir -p "$out"
passed=0
failed=0

# ---- unit tests ----
if [ -z "$filter" ] || [[ unit == *"$filter"* ]]; then
	build/unit-tests >"$out/unit.log" 2>&1
	grep -E '^(PASS|FAIL) ' "$out/unit.log"
	summary=$(tail -n 1 "$out/unit.log")
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "FAIL unit: the unit-test binary did not finish (see $out/unit.log)"
		tail -n 20 "$out/unit.log"
		failed=$((failed + 1))
	fi
fi

# ---- integration tests ----
# Explicit entries first; every host test without one runs with default options.
jobs=$out/jobs
grep -v '^\s*\(#\|$\)' tests/qemu/tests.list >"$jobs"
for t in $(build/tagvisor run --host-test list 2>&1 </dev/null | grep -E '^[a-z0-9_]+$'); do
	grep -q "^$t *|" "$jobs" || echo "$t | 0 | err~TEST PASS $t | run --host-test $t" >>"$jobs"
done
if [ -n "$filter" ]; then
	grep -F -- "$filter" "$jobs" >"$jobs.f" || true
	mv "$jobs.f" "$jobs"
fi

tr "\n" "\0" <"$jobs" | xargs -0 -r -P 2 -n 1 tests/run-one.sh "$out"

for r in "$out"/*.result; do
	[ -e "$r" ] || continue
	if grep -q '^PASS' "$r"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
grep -h '^FAIL' "$out"/*.result 2>/dev/null | sed 's/^/  /' | head -n 50
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
