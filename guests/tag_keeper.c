/* SPDX-License-Identifier: MIT */
/*
 * An MTE guest that keeps tags while its host attacks them: it tags 16 pages (every
 * granule its own tag, never 0), shares the last one with the host (the host can map
 * it, as pKVM's host keeps a non-protected guest's memory), tells the VMM where (VMM
 * call READY), and when resumed checks that every granule still has its tag and that
 * tag checks still work (the right tag loads, a wrong one faults). The Linux host's
 * threat test runs a kernel module against these pages in between (linux-host/threat/).
 */
#include "guest.h"
#include "mmu.h"

#include <abi/guest.h>
#include <abi/hvc.h>

#define BASE	 (RAM_BASE + (16ul << 20))
#define BYTES	 (64ul << 10)
#define GRANULES (BYTES / 16)

static unsigned tag_for(uint64_t g)
{
	return (unsigned)(g % 15) + 1;
}

static void stg(uint64_t p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nstg %0, [%0]" : : "r"(p) : "memory");
}

static unsigned ldg(uint64_t p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nldg %0, [%0]" : "+r"(p) : : "memory");
	return tag_of(p);
}

void guest_main(void)
{
	struct trap_record r;
	uint64_t wrong = 0, v, attack, shared;
	bool right_ok, wrong_faults;

	mmu_enable();
	mte_set_ata(true, false);
	mte_set_tcf(TCF_SYNC, TCF_NONE);
	for (uint64_t g = 0; g < GRANULES; g++) {
		uint64_t p = BASE + g * 16;

		*(volatile uint64_t *)p = p;
		stg(tagged(p, tag_for(g)));
	}
	shared = psci_call(TV_GUEST_HC_SHARE, BASE + BYTES - 4096, 0, 0);
	printf("tag_keeper: %lu granules tagged, the last page shared with the host: %ld\n",
	       GRANULES, (long)shared);
	attack = psci_call(TV_VMM_CALL_READY, BASE, BYTES, 0);
	printf("tag_keeper: the VMM's READY call returned %ld\n", (long)attack);
	for (uint64_t g = 0; g < GRANULES; g++) {
		wrong += ldg(BASE + g * 16) != tag_for(g);
	}
	printf("tag_keeper: %lu granules checked, %lu with a wrong tag\n", GRANULES, wrong);
	right_ok = !probe_read64(tagged(BASE + 32, tag_for(2)), &v, &r) && v == BASE + 32;
	wrong_faults = probe_read64(tagged(BASE + 32, tag_for(2) + 1), &v, &r) &&
		       (r.esr >> 26) == 0x25 && (r.esr & 0x3f) == 0x11;
	printf("tag_keeper: right tag %s, wrong tag %s\n", right_ok ? "loads" : "FAILS",
	       wrong_faults ? "faults (tag check)" : "DOES NOT FAULT");
	printf("tag_keeper: %s\n",
	       !wrong && right_ok && wrong_faults && !attack && !shared ? "PASS" : "FAIL");
}
