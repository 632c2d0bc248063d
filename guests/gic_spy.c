/* SPDX-License-Identifier: MIT */
/*
 * For host tests of the virtual CPU interface's isolation (host/tests/test_isolation.c).
 * x0 = 1 at entry: the victim, which configures its interface (priority mask, binary
 * point, group 1 enable, EOI mode) and reports what it reads back, twice (so that a test
 * can run another VM in between). x0 = 0: the spy,
 * which reports what it finds without writing anything. Reports are VMM calls READY with
 * x1 = ICC_PMR_EL1, x2 = ICC_IGRPEN1_EL1 | ICC_BPR1_EL1 << 8 | ICC_CTLR_EL1 << 16.
 */
#include "guest.h"

#include <abi/guest.h>

#define ICC_PMR_EL1 s3_0_c4_c6_0
#define ICC_BPR1_EL1 s3_0_c12_c12_3
#define ICC_CTLR_EL1 s3_0_c12_c12_4
#define ICC_IGRPEN1_EL1 s3_0_c12_c12_7

static void report(void)
{
	uint64_t pmr = read_sysreg(ICC_PMR_EL1), grp = read_sysreg(ICC_IGRPEN1_EL1);
	uint64_t bpr = read_sysreg(ICC_BPR1_EL1), ctlr = read_sysreg(ICC_CTLR_EL1);

	psci_call(TV_VMM_CALL_READY, pmr, grp | bpr << 8 | (ctlr & 0xffff) << 16, 0);
}

void guest_main(void)
{
	if (boot_x0 == 1) {
		write_sysreg(ICC_PMR_EL1, 0xa8);
		write_sysreg(ICC_BPR1_EL1, 3);
		write_sysreg(ICC_CTLR_EL1, read_sysreg(ICC_CTLR_EL1) | 2); /* EOImode */
		write_sysreg(ICC_IGRPEN1_EL1, 1);
		isb();
		report();
	}
	report();
}
