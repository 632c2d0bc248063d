/* SPDX-License-Identifier: MIT */
/*
 * A guest that asks to be saved (VMM call 0xC6001001) with MTE state of its own
 * set up, then checks that state where it runs next: after `tagvisor restore` the
 * call returns 1 and the MTE registers, PSTATE.TCO and a pending asynchronous
 * fault must be as they were, as must the tags of its memory; and so must the state
 * the hypervisor switches lazily or emulates: a PMU counter, a breakpoint register,
 * the claim tags and OS lock, the physical timer, DISR_EL1.
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

static void report_lazy(const char *when)
{
	write_sysreg(pmselr_el0, 0);
	isb();
	printf("%s: PMEVCNTR0 %lu PMCR.E %lu DBGBCR1 %lx DBGBVR1 %lx OSLSR %lx CLAIM %lx "
	       "CNTP_CTL %lx CNTP_CVAL %lx DISR %lx\n",
	       when, read_sysreg(pmxevcntr_el0), read_sysreg(pmcr_el0) & 1,
	       read_sysreg(dbgbcr1_el1), read_sysreg(dbgbvr1_el1), read_sysreg(oslsr_el1),
	       read_sysreg(dbgclaimclr_el1), read_sysreg(cntp_ctl_el0) & 3,
	       read_sysreg(cntp_cval_el0), read_sysreg(s3_0_c12_c1_1));
}

static void set_up_lazy(void)
{
	write_sysreg(pmselr_el0, 0);
	isb();
	write_sysreg(pmxevtyper_el0, 0); /* SW_INCR */
	write_sysreg(pmcntenset_el0, 1);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | 1);
	isb();
	for (int i = 0; i < 5; i++) {
		write_sysreg(pmswinc_el0, 1);
	}
	write_sysreg(oslar_el1, 0);
	write_sysreg(dbgbvr1_el1, 0x40123450);
	write_sysreg(dbgbcr1_el1, 0x1e3);
	write_sysreg(dbgclaimset_el1, 5);
	write_sysreg(cntp_cval_el0, 0x7654321);
	write_sysreg(cntp_ctl_el0, 3); /* enabled, masked */
	write_sysreg(s3_0_c12_c1_1, 0x80000011); /* DISR_EL1 */
	isb();
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
	set_up_lazy();
	report("before");
	report_lazy("before");
	ret = psci_call(TV_VMM_CALL_SNAPSHOT, 0, 0, 0);
	printf("snapshot call returned %ld\n", (long)ret);
	report(ret == 1 ? "restored" : "after");
	report_lazy(ret == 1 ? "restored" : "after");
}
