/* SPDX-License-Identifier: MIT */
/*
 * For host tests of what one context can leave for another (host/tests/test_side_doors.c).
 * The role is x0 at entry; each reports with VMM calls READY (x1, x2 = what it found):
 *   0 vGIC spy: ICC_PMR_EL1; ICC_IGRPEN1_EL1 | ICC_BPR1_EL1 << 8 | ICC_CTLR_EL1 << 16
 *   1 vGIC victim: configures its CPU interface, then reports as the spy does, twice
 *   2 PMU victim: counter 0 counts cycles from 0x1234, the cycle counter runs; reports
 *     PMEVCNTR0 and PMCR_EL0, twice
 *   3 PMU spy: PMEVTYPER0 | PMCNTENSET << 32; PMEVCNTR0 | (PMCR_EL0 & E) << 63
 *   4 busy: reports, runs a loop of BUSY_LOOPS iterations (no exits), reports again
 *   5 debug spy: reports the address of a function and its MDSCR_EL1; then, with debug
 *     exceptions unmasked (PSTATE.D 0) and without arming anything itself, calls it;
 *     reports whether an exception was taken there, and DBGBCR0_EL1
 *   6 DISR victim: writes DISR_EL1 (0x80000011, a deferred SError record), reports it twice
 *   7 DISR spy: reports DISR_EL1
 */
#include "guest.h"

#include <abi/guest.h>

#define BUSY_LOOPS	10000000ul
#define ICC_PMR_EL1	s3_0_c4_c6_0
#define ICC_BPR1_EL1	s3_0_c12_c12_3
#define ICC_CTLR_EL1	s3_0_c12_c12_4
#define ICC_IGRPEN1_EL1 s3_0_c12_c12_7

static void ready(uint64_t a, uint64_t b)
{
	psci_call(TV_VMM_CALL_READY, a, b, 0);
}

static void vgic_report(void)
{
	uint64_t grp = read_sysreg(ICC_IGRPEN1_EL1), bpr = read_sysreg(ICC_BPR1_EL1);

	ready(read_sysreg(ICC_PMR_EL1),
	      grp | bpr << 8 | (read_sysreg(ICC_CTLR_EL1) & 0xffff) << 16);
}

static void vgic_victim(void)
{
	write_sysreg(ICC_PMR_EL1, 0xa8);
	write_sysreg(ICC_BPR1_EL1, 3);
	write_sysreg(ICC_CTLR_EL1, read_sysreg(ICC_CTLR_EL1) | 2); /* EOImode */
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
	vgic_report();
	vgic_report();
}

static void pmu_victim(void)
{
	write_sysreg(pmselr_el0, 0);
	isb();
	write_sysreg(pmxevtyper_el0, 0x11); /* CPU_CYCLES */
	write_sysreg(pmxevcntr_el0, 0x1234);
	write_sysreg(pmcntenset_el0, 1u | 1u << 31);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | 1);
	isb();
	for (int i = 0; i < 2; i++) {
		write_sysreg(pmselr_el0, 0);
		isb();
		ready(read_sysreg(pmxevcntr_el0), read_sysreg(pmcr_el0));
	}
}

static void pmu_spy(void)
{
	uint64_t typer, cnt;

	write_sysreg(pmselr_el0, 0);
	isb();
	typer = read_sysreg(pmxevtyper_el0);
	cnt = read_sysreg(pmxevcntr_el0);
	ready(typer | read_sysreg(pmcntenset_el0) << 32, cnt | (read_sysreg(pmcr_el0) & 1) << 63);
}

static void busy(uint64_t n)
{
	ready(0, 0);
	for (uint64_t i = 0; i < n; i++) {
		__asm__ volatile("" ::: "memory");
	}
	ready(n, 0);
}

static volatile unsigned debug_exceptions;

static void __attribute__((noinline)) target(void)
{
	__asm__ volatile("nop");
}

static void debug_spy(void)
{
	struct trap_record r;

	ready((uint64_t)target, read_sysreg(mdscr_el1));
	/* A breakpoint the host armed would fire here, as an exception this catches. */
	trap_expect(&r);
	__asm__ volatile("msr daifclr, #8");
	isb();
	target();
	__asm__ volatile("msr daifset, #8");
	trap_expect_none();
	ready(r.hit, read_sysreg(dbgbcr0_el1));
}

#define DISR_EL1 s3_0_c12_c1_1

static void disr_victim(void)
{
	write_sysreg(DISR_EL1, 0x80000011ul);
	isb();
	ready(read_sysreg(DISR_EL1), 0);
	ready(read_sysreg(DISR_EL1), 0);
}

void guest_main(void)
{
	switch (boot_x0) {
	case 0:
		vgic_report();
		break;
	case 1:
		vgic_victim();
		break;
	case 2:
		pmu_victim();
		break;
	case 3:
		pmu_spy();
		break;
	case 4:
		busy(BUSY_LOOPS);
		break;
	case 5:
		debug_spy();
		break;
	case 6:
		disr_victim();
		break;
	case 7:
		ready(read_sysreg(DISR_EL1), 0);
		break;
	default:
		break;
	}
}
