/* SPDX-License-Identifier: MIT */
/*
 * A guest's PMUv3, as the CPU's ID registers announce it: the counters count (SW_INCR
 * exactly, the cycle counter on), keep their values across exits to the host, obey
 * their filters, raise the overflow interrupt (PPI 23) through the GIC, pending again
 * after its EOI while the overflow stays, and count the guest alone: an ID register
 * read, which traps to EL2 under tagvisor, counts as one instruction. Run as a raw binary
 * with --icount (QEMU counts instructions, event 0x08, only then); the output is the
 * same under tagvisor and on bare QEMU.
 */
#include "gic.h"
#include "guest.h"

#define PMU_PPI	     23
#define SW_INCR	     0x00
#define INST_RETIRED 0x08
#define CPU_CYCLES   0x11
#define PMCR_E	     1u
#define PMCR_P	     2u
#define PMCR_C	     4u
#define PMEVTYPER_P  (1u << 31) /* do not count at EL1 */

static volatile unsigned overflows;
static volatile uint64_t ovs_in_handler;

static void select_counter(unsigned n)
{
	write_sysreg(pmselr_el0, n);
	isb();
}

static uint64_t counter0(void)
{
	select_counter(0);
	return read_sysreg(pmxevcntr_el0);
}

/* The first overflow interrupt is left as it is (so it must come again), the second cleared. */
static void on_irq(void)
{
	unsigned intid = gic_ack();

	if (intid == PMU_PPI) {
		ovs_in_handler = read_sysreg(pmovsset_el0);
		if (++overflows >= 2) {
			write_sysreg(pmovsclr_el0, 1);
			isb();
		}
	}
	if (intid < 1020) {
		gic_eoi(intid);
	}
}

static void counts_only_the_guest(bool icount)
{
	uint64_t insns, cycles;

	if (!icount) {
		printf("counting across an ID register read: not measured (no INST_RETIRED)\n");
		return;
	}
	select_counter(0);
	write_sysreg(pmxevtyper_el0, INST_RETIRED);
	write_sysreg(pmxevcntr_el0, 0);
	write_sysreg(pmccntr_el0, 0);
	write_sysreg(pmcntenset_el0, 1u | 1u << 31);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_E);
	isb();
	insns = read_sysreg(pmxevcntr_el0);
	cycles = read_sysreg(pmccntr_el0);
	(void)read_sysreg(id_aa64pfr0_el1); /* trapped and emulated at EL2 under tagvisor */
	insns = read_sysreg(pmxevcntr_el0) - insns;
	cycles = read_sysreg(pmccntr_el0) - cycles;
	printf("counting across an ID register read: instructions %s, cycles %s\n",
	       insns <= 4 ? "at most 4" : "more than 4", cycles <= 8 ? "at most 8" : "more than 8");
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) & ~PMCR_E);
	write_sysreg(pmcntenclr_el0, ~0u);
	isb();
}

void guest_main(void)
{
	uint64_t pmcr = read_sysreg(pmcr_el0), ceid0 = read_sysreg(pmceid0_el0), c1, c2;
	bool icount = ceid0 & (1u << INST_RETIRED);

	printf("PMUVer 0x%lx, PMCR_EL0.N %lu, events: SW_INCR %s, CPU_CYCLES %s\n",
	       (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf, (pmcr >> 11) & 0x1f,
	       (ceid0 & 1) ? "yes" : "no", (ceid0 & (1u << CPU_CYCLES)) ? "yes" : "no");
	if (!(boot_x0)) {
		printf("pmu: no device tree, no GIC: stopping\n");
		return;
	}
	gic_init();
	guest_irq_handler = on_irq;

	/* SW_INCR: exactly what was written, also across exits to the host (the prints). */
	write_sysreg(pmcr_el0, pmcr | PMCR_P | PMCR_C | PMCR_E);
	select_counter(0);
	write_sysreg(pmxevtyper_el0, SW_INCR);
	write_sysreg(pmcntenset_el0, 1);
	isb();
	for (int i = 0; i < 5; i++) {
		write_sysreg(pmswinc_el0, 1);
	}
	isb();
	printf("SW_INCR counter after 5 increments: %lu\n", counter0());
	printf("after that print (exits to the host): %lu\n", counter0());
	/* A filter: not counting at EL1. */
	select_counter(0);
	write_sysreg(pmxevtyper_el0, SW_INCR | PMEVTYPER_P);
	isb();
	write_sysreg(pmswinc_el0, 1);
	isb();
	printf("with EL1 filtered out: %lu\n", counter0());
	select_counter(0);
	write_sysreg(pmxevtyper_el0, SW_INCR);
	/* The cycle counter runs. */
	write_sysreg(pmcntenset_el0, 1u << 31);
	isb();
	c1 = read_sysreg(pmccntr_el0);
	for (volatile int i = 0; i < 1000; i++) {
	}
	c2 = read_sysreg(pmccntr_el0);
	printf("cycle counter runs: %s\n", c2 > c1 ? "yes" : "no");
	write_sysreg(pmcntenclr_el0, 1u << 31);

	/* Overflow of counter 0 raises PPI 23, twice while the overflow flag stays set. */
	select_counter(0);
	write_sysreg(pmxevcntr_el0, 0xffffffff);
	write_sysreg(pmovsclr_el0, ~0u);
	write_sysreg(pmintenset_el1, 1);
	gic_enable_ppi(PMU_PPI, true);
	isb();
	__asm__ volatile("msr daifclr, #2");
	write_sysreg(pmswinc_el0, 1);
	isb();
	for (uint64_t end = counter() + read_sysreg(cntfrq_el0);
	     overflows < 2 && counter() < end;) {
	}
	__asm__ volatile("msr daifset, #2");
	printf("overflow interrupts taken: %u, PMOVSSET in the handler 0x%lx, counter 0 now %lu\n",
	       overflows, ovs_in_handler, counter0());
	printf("PMOVSSET after the handler cleared it: 0x%lx\n", read_sysreg(pmovsset_el0));
	write_sysreg(pmintenclr_el1, ~0u);
	write_sysreg(pmcntenclr_el0, ~0u);
	write_sysreg(pmcr_el0, pmcr);
	isb();

	counts_only_the_guest(icount);
	printf("pmu: done\n");
}
