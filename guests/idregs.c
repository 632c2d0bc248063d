/* SPDX-License-Identifier: MIT */
/*
 * Prints the AArch64 ID registers a guest sees. Under tagvisor they must match a
 * bare QEMU run of the CPU tagvisor presents (tagvisor run --bare): no EL2, and
 * none of the features tagvisor does not switch between contexts.
 */
#include "guest.h"

#define ID(name, enc) { name, enc }
#define READ_CASE(crm, op2)                                    \
	case (crm) << 3 | (op2):                               \
		return read_sysreg(s3_0_c0_c##crm##_##op2);

static uint64_t read_id(unsigned crm, unsigned op2)
{
	switch (crm << 3 | op2) {
		READ_CASE(4, 0)
		READ_CASE(4, 1)
		READ_CASE(4, 2)
		READ_CASE(4, 4)
		READ_CASE(4, 5)
		READ_CASE(5, 0)
		READ_CASE(5, 1)
		READ_CASE(5, 4)
		READ_CASE(5, 5)
		READ_CASE(6, 0)
		READ_CASE(6, 1)
		READ_CASE(6, 2)
		READ_CASE(7, 0)
		READ_CASE(7, 1)
		READ_CASE(7, 2)
		READ_CASE(7, 3)
		READ_CASE(7, 4)
	default:
		return 0;
	}
}

static const struct {
	const char *name;
	unsigned crm, op2;
} regs[] = {
	{ "ID_AA64PFR0_EL1", 4, 0 },  { "ID_AA64PFR1_EL1", 4, 1 },  { "ID_AA64PFR2_EL1", 4, 2 },
	{ "ID_AA64ZFR0_EL1", 4, 4 },  { "ID_AA64SMFR0_EL1", 4, 5 }, { "ID_AA64DFR0_EL1", 5, 0 },
	{ "ID_AA64DFR1_EL1", 5, 1 },  { "ID_AA64AFR0_EL1", 5, 4 },  { "ID_AA64AFR1_EL1", 5, 5 },
	{ "ID_AA64ISAR0_EL1", 6, 0 }, { "ID_AA64ISAR1_EL1", 6, 1 }, { "ID_AA64ISAR2_EL1", 6, 2 },
	{ "ID_AA64MMFR0_EL1", 7, 0 }, { "ID_AA64MMFR1_EL1", 7, 1 }, { "ID_AA64MMFR2_EL1", 7, 2 },
	{ "ID_AA64MMFR3_EL1", 7, 3 }, { "ID_AA64MMFR4_EL1", 7, 4 },
};

void guest_main(void)
{
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		printf("%-18s %016lx\n", regs[i].name, read_id(regs[i].crm, regs[i].op2));
	}
	printf("%-18s %016lx\n", "MIDR_EL1", read_sysreg(midr_el1));
	printf("%-18s %016lx\n", "MPIDR_EL1", read_sysreg(mpidr_el1));
	printf("%-18s %016lx\n", "CTR_EL0", read_sysreg(ctr_el0));
}
