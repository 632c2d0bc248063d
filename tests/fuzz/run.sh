#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target into build/fuzz/ and runs
# each, one at a time, for FUZZ_SECONDS (default 60) seconds on its corpus
# build/fuzz/corpus-NAME (seeded on the first run when the target can write seeds).
# Prints one line per target; exits non-zero if any target failed to build or
# crashed (its input is left in build/fuzz/NAME-crash-*, its log in build/fuzz/NAME.log).
#
# Environment:
#   FUZZ_SECONDS=N           run each target for N seconds (default 60)
#   FUZZ_TARGETS="a b"       only these targets (names without fuzz_, e.g. "hcall fdt")
#
# fuzz_tagcodec needs only the codec and its reference (tests/common/tagcodec_ref.c),
# fuzz_snapshot the stream library (lib/snapshot.c and what it uses), fuzz_virtqueue the
# host's virtqueue; the other targets are built with the hypervisor
# core and the fake arch, as the unit tests are (UNIT_SRCS in the Makefile).
set -eu
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
out=build/fuzz
cc=${FUZZ_CC:-clang}
# -fno-sanitize-recover: an undefined-behaviour report must stop the run like a crash.
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11"
cflags="$cflags -Wall -Wextra -Iinclude -Ihyp/include -Ihyp/arch/fake/include -DTV_FAKE_ARCH"
core_srcs="$(ls hyp/core/*.c hyp/arch/fake/*.c) lib/fmt.c lib/fdt.c lib/tagcodec.c lib/tagpattern.c"

mkdir -p "$out"
failed=0
for src in tests/fuzz/fuzz_*.c; do
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	case $name in
	tagcodec)
		srcs="lib/tagcodec.c tests/common/tagcodec_ref.c"
		seed_srcs="lib/tagcodec.c lib/tagpattern.c tests/common/tagcodec_ref.c"
		;;
	snapshot)
		srcs="lib/snapshot.c lib/crc32c.c lib/tagcodec.c lib/fmt.c"
		seed_srcs=$srcs
		;;
	virtqueue)
		srcs="-Ihost/include host/drivers/virtqueue.c"
		seed_srcs=$srcs
		;;
	*)
		srcs=$core_srcs
		seed_srcs=$core_srcs
		;;
	esac
	log=$out/$target.log
	corpus=$out/corpus-$name

	# shellcheck disable=SC2086 # word splitting of the flag and source lists is wanted
	if ! $cc $cflags $srcs "$src" -o "$out/$target" >"$log" 2>&1; then
		echo "FAIL fuzz $name: does not build (see $log)"
		failed=1
		continue
	fi

	# Seeds, once: a target with a FOO_SEEDS block writes them when built with -DFOO_SEEDS.
	mkdir -p "$corpus"
	seeds_macro=$(sed -n 's/^#ifdef \([A-Z_]*FUZZ_SEEDS\)$/\1/p' "$src" | head -n 1)
	if [ -n "$seeds_macro" ] && [ -z "$(ls -A "$corpus")" ]; then
		# shellcheck disable=SC2086
		if ! $cc -g -O1 -std=c11 -Iinclude -Ihyp/include -Ihyp/arch/fake/include \
			-DTV_FAKE_ARCH "-D$seeds_macro" $seed_srcs "$src" \
			-o "$out/$target-seeds" >>"$log" 2>&1 ||
			! "$out/$target-seeds" "$corpus" >>"$log" 2>&1; then
			echo "FAIL fuzz $name: its seed generator failed (see $log)"
			failed=1
			continue
		fi
	fi

	rm -f "$out/$target"-crash-* "$out/$target"-leak-* "$out/$target"-timeout-* \
		"$out/$target"-oom-*
	status=0
	"$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$corpus" \
		>>"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	files=$(find "$corpus" -type f | wc -l)
	if [ "$status" -ne 0 ]; then
		artifact=$(find "$out" -maxdepth 1 -name "$target-*" \( -name '*-crash-*' -o \
			-name '*-leak-*' -o -name '*-timeout-*' -o -name '*-oom-*' \) | head -n 1)
		what=$(grep -m 1 -E 'ERROR|runtime error|^fuzz_[a-z]+:|^hyp_va:|^hyp_pa:|halted' \
			"$log" || true)
		echo "FAIL fuzz $name: crashed after ${runs:-?} runs: ${what:-exit status $status}" \
			"(input ${artifact:-none}, log $log)"
		failed=1
	else
		echo "PASS fuzz $name: ${runs:-?} runs in ${seconds} s, corpus $files inputs"
	fi
done
exit "$failed"
