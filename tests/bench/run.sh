#!/bin/bash
# make bench: instruction counts under QEMU's -icount shift=0 (deterministic: one
# nanosecond of guest time is one instruction), printed as a table beside Linux
# KVM's figures on the same emulated machine (BRIEF section 5, ../shared/peer-kvm).
set -euo pipefail
cd "$(dirname "$0")/../.."
TV=build/tagvisor

# Runs a guest under --icount and prints its "bench: KEY VALUE" lines as KEY=VALUE.
measure() {
	"$TV" run --icount "$@" </dev/null 2>/dev/null | sed -n 's/^bench: \([a-z_0-9]*\) \([0-9]*\).*/\1=\2/p'
}
value() { echo "$1" | sed -n "s/^$2=//p"; }

mte=$(measure --mte build/guests/bench.elf)
nomte=$(measure --no-mte build/guests/bench.elf)

printf '\n## World switch (instructions per round trip)\n\n'
printf '| operation | tagvisor | KVM nVHE | KVM VHE | pKVM | aim |\n|---|---:|---:|---:|---:|---:|\n'
printf '| guest HVC handled at EL2 (PSCI_VERSION), MTE guest | %s | 1,980 | 1,430 | 1,990 | <= 500 |\n' "$(value "$mte" hvc_round_trip)"
printf '| guest HVC handled at EL2, non-MTE guest | %s | | | | |\n' "$(value "$nomte" hvc_round_trip)"
printf '| MMIO exit to the host VMM and back, MTE guest | %s | 5,400 | 5,240 | 5,420 | <= 1,500 |\n' "$(value "$mte" mmio_round_trip)"
printf '| MMIO exit to the host VMM and back, non-MTE guest | %s | | | | |\n' "$(value "$nomte" mmio_round_trip)"
printf '| SMCCC call no one implements (0x4b000000), answered at EL2 | %s | | | | <= 150 |\n' \
	"$(value "$mte" smccc_unknown_round_trip)"
printf '| extra cost of MTE on an MMIO world switch | %s | | | | <= 30 |\n' \
	"$(($(value "$mte" mmio_round_trip) - $(value "$nomte" mmio_round_trip)))"
printf '| extra cost of MTE on an HVC round trip | %s | | | | <= 30 |\n' \
	"$(($(value "$mte" hvc_round_trip) - $(value "$nomte" hvc_round_trip)))"

host=$("$TV" run --icount --host-test bench_mte_pages </dev/null 2>&1 | sed -n 's/^bench: \([a-z_0-9]*\) \([0-9]*\).*/\1=\2/p')
printf '\n## MTE pages (instructions per 4 KiB page; host/tests/bench_mte.c, 64 MiB)\n\n'
printf '| operation | tagvisor | KVM | aim |\n|---|---:|---:|---:|\n'
printf '| copy tags from a guest (TV_HC_MTE_COPY_TAGS) | %s | 2,911 | <= 150 |\n' "$(value "$host" copy_tags_from_guest_per_page)"
printf '| copy tags to a guest | %s | 2,179 | <= 150 |\n' "$(value "$host" copy_tags_to_guest_per_page)"
printf '| populate a zeroed page, MTE guest (data and tags) | %s | | |\n' "$(value "$host" populate_page_mte)"
printf '| populate a zeroed page, non-MTE guest (data only) | %s | | |\n' "$(value "$host" populate_page_plain)"
r=$(value "$host" populate_ratio_x100)
printf '| ratio MTE / non-MTE | %s.%02d | | <= 1.30 |\n' "$((r / 100))" "$((r % 100))"

rec=$("$TV" run --icount --host-test bench_reclaim </dev/null 2>&1 | sed -n 's/^bench: \([a-z_0-9]*\) \([0-9]*\).*/\1=\2/p')
x100() { printf '%s.%02d' "$(($1 / 100))" "$(($1 % 100))"; }
printf '\n## Tag codec (lib/tagcodec.c; 512 pages per class, host/tests/bench_reclaim.c)\n\n'
printf '| tag page class | encoded bytes | raw | mtecomp baseline | encode insns | decode insns |\n|---|---:|---:|---:|---:|---:|\n'
for c in zero uniform alloc random; do
	printf '| %s | %s | 128 | %s | %s | %s |\n' "$c" "$(x100 "$(value "$rec" codec_${c}_bytes_x100)")" \
		"$(x100 "$(value "$rec" codec_${c}_baseline_x100)")" "$(value "$rec" codec_${c}_encode)" \
		"$(value "$rec" codec_${c}_decode)"
done
printf '\n## Reclaim round trip (evict + restore, instructions per page)\n\n'
printf '| page | tagvisor | ratio to non-MTE | aim |\n|---|---:|---:|---:|\n'
printf '| non-MTE guest | %s | 1.00 | |\n' "$(value "$rec" reclaim_round_trip_plain)"
for c in zero uniform alloc random; do
	printf '| MTE guest, %s tags | %s | %s | <= 1.50 |\n' "$c" "$(value "$rec" reclaim_round_trip_mte_$c)" \
		"$(x100 "$(value "$rec" reclaim_ratio_${c}_x100)")"
done

printf '\n## Reclaim: tag bytes handed to the host per page (the quick encoding; snapshots use the smallest)\n\n'
printf '| page | reclaim (TV_HC_MEM_RECLAIM) | smallest encoding (TV_HC_MEM_READ) |\n|---|---:|---:|\n'
for c in zero uniform alloc random; do
	printf '| MTE guest, %s tags | %s | %s |\n' "$c" "$(x100 "$(value "$rec" reclaim_${c}_tag_bytes_x100)")" \
		"$(x100 "$(value "$rec" codec_${c}_bytes_x100)")"
done

# Live migration of guests/memfill.c (its RAM above 8 MiB filled, a quarter of the
# pages with allocator-like tags) at three sizes, started after the fill.
printf '\n## Live migration (instructions, -icount; guests/memfill.c, a quarter of pages heap-tagged)\n\n'
printf '| guest RAM | pages sent | rounds | stream bytes per page | tags share of stream | source total | per page | destination load | stop-and-copy |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for spec in "16M 40000000" "32M 80000000" "64M 160000000"; do
	set -- $spec
	log=$("$TV" migrate --icount --mem "$1" --migrate-at "$2" build/guests/memfill.elf </dev/null 2>&1 >/dev/null)
	done_line=$(echo "$log" | grep 'migration: done')
	pages=$(echo "$done_line" | sed -n 's/.* rounds, \([0-9]*\) pages.*/\1/p')
	rounds=$(echo "$done_line" | sed -n 's/.*done: \([0-9]*\) rounds.*/\1/p')
	tags=$(echo "$done_line" | sed -n 's/.* pages, \([0-9]*\) tag bytes.*/\1/p')
	bytes=$(echo "$done_line" | sed -n 's/.* \([0-9]*\) stream bytes.*/\1/p')
	took=$(echo "$done_line" | sed -n 's/.*took \([0-9]*\) ns.*/\1/p')
	stop=$(echo "$done_line" | sed -n 's/.*stop-and-copy \([0-9]*\) ns.*/\1/p')
	load=$(echo "$log" | sed -n 's/.*loaded in \([0-9]*\) ns.*/\1/p')
	printf '| %s | %s | %s | %s (raw 4,224) | %s.%02d%% | %s | %s | %s | %s |\n' "$1" "$pages" "$rounds" \
		"$((bytes / pages))" "$((tags * 100 / bytes))" "$((tags * 10000 / bytes % 100))" "$took" \
		"$((took / pages))" "$load" "$stop"
done

# The same 64 MiB guest migrated between two tagvisor processes over TCP (run --incoming,
# run --migrate-to; tests/qemu/migrate-tcp.sh): instructions per page at the source, bytes
# on the wire per page (the stream as sent), the downtime (the source's stop-and-copy).
printf '\n## Live migration over TCP (instructions, -icount at both ends; guests/memfill.c, 64 MiB)\n\n'
printf '| guest RAM | pages sent | rounds | bytes on the wire per page | source per page | destination load | downtime (stop-and-copy) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
log=$(tests/qemu/migrate-tcp.sh --dst --icount --icount --mem 64M --migrate-at 160000000 \
	build/guests/memfill.elf </dev/null 2>&1 >/dev/null)
done_line=$(echo "$log" | grep 'migration: done')
pages=$(echo "$done_line" | sed -n 's/.* rounds, \([0-9]*\) pages.*/\1/p')
rounds=$(echo "$done_line" | sed -n 's/.*done: \([0-9]*\) rounds.*/\1/p')
bytes=$(echo "$done_line" | sed -n 's/.* \([0-9]*\) stream bytes.*/\1/p')
took=$(echo "$done_line" | sed -n 's/.*took \([0-9]*\) ns.*/\1/p')
stop=$(echo "$done_line" | sed -n 's/.*stop-and-copy \([0-9]*\) ns.*/\1/p')
load=$(echo "$log" | sed -n 's/.*loaded in \([0-9]*\) ns.*/\1/p')
printf '| 64M | %s | %s | %s | %s | %s | %s |\n' "$pages" "$rounds" "$((bytes / pages))" \
	"$((took / pages))" "$load" "$stop"

# Linux boot: Debian's kernel and the test initramfs (make linux), from the guest's
# power-on to its /init (the guest's virtual counter there: tagvisor and KVM both start
# it at 0 with the VM), beside Linux KVM booting the same kernel as a guest inside the
# same emulated machine and the same kernel on bare QEMU (tests/bench/kvm-linux/run.sh).
# Most exits are the console: one MMIO write per character of the boot log.
linux_boot() {
	"$TV" run --icount --timeout 900 "$@" --kernel build/linux/Image \
		--initrd build/linux/initramfs.cpio.gz </dev/null 2>&1 | tr -d '\r'
}
init_of() { echo "$1" | sed -n 's/^cntvct: \([0-9]*\)$/\1/p' | head -n 1; }
# Every exit to the host VMM: MMIO, pages to populate (KVM does those in the kernel), WFI, IRQ.
exits_of() {
	echo "$1" | sed -n 's/.*ended: status 0, exits: \([0-9]*\) MMIO, \([0-9]*\) memory, \([0-9]*\) WFI, \([0-9]*\) IRQ.*/\1 \2 \3 \4/p' |
		awk '{ print $1 + $2 + $3 + $4 }'
}
tv_mte=$(linux_boot --mte)
tv_plain=$(linux_boot --no-mte)
kvm=$(tests/bench/kvm-linux/run.sh 2>/dev/null)
bare=$(value "$kvm" bare_linux_init)
row() { # name, instructions, exits
	printf '| %s | %s | %s.%02dx | %s | %s |\n' "$1" "$2" "$(($2 * 100 / bare / 100))" \
		"$(($2 * 100 / bare % 100))" "$3" "$((($2 - bare) / $3))"
}
printf '\n## Linux boot (instructions from power-on to /init, -icount; Debian 6.1, 256 MiB, 1 vCPU)\n\n'
printf '| run | to /init | vs bare QEMU | exits to the VMM | extra instructions per exit |\n'
printf '|---|---:|---:|---:|---:|\n'
printf '| bare QEMU (no hypervisor) | %s | 1.00x | | |\n' "$bare"
row "tagvisor, MTE guest" "$(init_of "$tv_mte")" "$(exits_of "$tv_mte")"
row "tagvisor, non-MTE guest" "$(init_of "$tv_plain")" "$(exits_of "$tv_plain")"
for mode in vhe nvhe protected; do
	row "Linux KVM ($mode), MTE guest" "$(value "$kvm" kvm_linux_init_$mode)" \
		"$(value "$kvm" kvm_linux_exits_$mode)"
done
