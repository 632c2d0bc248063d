/* SPDX-License-Identifier: MIT */
/*
 * A guest that asks to be saved (VMM call 0xC6001001) with MTE state of its own
 * set up, then checks that state where it runs next: after `tagvisor restore` the
 * call returns 1 and the MTE registers, PSTATE.TCO and a pending asynchronous
 * fault must be as they were, as must the tags of its memory.
 */
#include "guest.h"
#include "mmu.h"

#include <abi/guest.h>

#define BUF (RAM_BASE + (8ul << 20))

static uint64_t gcr(void)
{
	return read_sysreg(s3_0_c1_c0_6);
}

static uint64_t rgsr(void)
{
	return read_sysreg(s3_0_c1_c0_5);
}

static uint64_t tfsr(void)
{
	return read_sysreg(s3_0_c5_c6_0);
}

static unsigned ldg(uint64_t p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\nldg %0, [%0]" : "+r"(p) : : "memory");
	return tag_of(p);
}

static void report(const char *when)
{
	unsigned tags = 0;

	for (unsigned g = 0; g < 64; g++) {
		tags = tags * 3 + ldg(BUF + 16 * g);
	}
	printf("%s: GCR_EL1 %lx RGSR_EL1 %lx TFSR_EL1 %lx TCO %u tags %x\n", when, gcr(), rgsr(),
	       tfsr(), mte_tco(), tags);
}

void guest_main(void)
{
	uint64_t ret;

	mmu_enable();
	mte_set_ata(true, false);
	write_sysreg(s3_0_c1_c0_6, 0x10123); /* GCR_EL1: RRND 1, exclude tags 0, 1, 5, 8 */
	write_sysreg(s3_0_c1_c0_5, 0xbeef00); /* RGSR_EL1: a seed */
	for (unsigned g = 0; g < 64; g++) {
		uint64_t p = tagged(BUF + 16 * g, (g * 7 + 3) & 0xf);

		__asm__ volatile(".arch armv8.5-a+memtag\nstg %0, [%0]" : : "r"(p) : "memory");
	}
	mte_set_tcf(TCF_ASYNC, TCF_NONE);
	*(volatile uint64_t *)tagged(BUF, 0) = 1; /* a wrong tag: an async fault pending */
	mte_set_tco(true);
	report("before");
	ret = psci_call(TV_VMM_CALL_SNAPSHOT, 0, 0, 0);
	printf("snapshot call returned %ld\n", (long)ret);
	report(ret == 1 ? "restored" : "after");
}
