/* SPDX-License-Identifier: MIT */
/*
 * EL1 registers a guest may touch beyond the usual ones, as QEMU's CPU has them: each
 * reads what the CPU gives, keeps what the guest wrote across exits to the host, or is
 * absent (an UNDEF) exactly when the ID registers say the feature is. Under tagvisor
 * each is switched with the vCPU or trapped (docs/ARCHITECTURE.md lists them); the
 * output is the same as on bare QEMU.
 */
#include "guest.h"

static bool undef(void (*access)(void))
{
	struct trap_record r;

	trap_expect(&r);
	access();
	trap_expect_none();
	return r.hit && (r.esr >> 26) == 0;
}

static volatile uint64_t sink;

#define READ_FN(name, reg)                                                                         \
	static void name(void)                                                                     \
	{                                                                                          \
		sink = read_sysreg(reg);                                                           \
	}
READ_FN(read_actlr, actlr_el1)
READ_FN(read_lorid, s3_0_c10_c4_7)
READ_FN(read_errselr, s3_0_c5_c3_1)
READ_FN(read_tpidr2, s3_3_c13_c0_5)
READ_FN(read_scxtnum1, s3_0_c13_c0_7)
READ_FN(read_scxtnum0, s3_3_c13_c0_7)
READ_FN(read_trfcr, s3_0_c1_c2_1)
READ_FN(read_apiakey, s3_0_c2_c1_0)

static const char *presence(bool absent, bool feature)
{
	return absent == !feature ? "as the ID registers say" : "NOT as the ID registers say";
}

void guest_main(void)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), pfr1 = read_sysreg(s3_0_c0_c4_1);
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), isar1 = read_sysreg(id_aa64isar1_el1);
	uint64_t mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	bool ras = ((pfr0 >> 28) & 0xf) != 0, lor = ((mmfr1 >> 16) & 0xf) != 0;

	if (undef(read_actlr)) {
		printf("ACTLR_EL1: UNDEF\n");
	} else {
		printf("ACTLR_EL1: reads 0x%lx\n", sink);
	}
	if (lor) {
		sink = 0xdead;
		printf("LORID_EL1 (LORegions): %s\n", undef(read_lorid) ? "UNDEF" : "readable");
		printf("  LORID_EL1 0x%lx\n", sink);
		write_sysreg(s3_0_c10_c4_3, 1); /* LORC_EL1.EN */
		printf("  LORC_EL1 after writing 1: 0x%lx\n", read_sysreg(s3_0_c10_c4_3));
	}
	if (ras) {
		printf("ERRSELR_EL1 (RAS): %s; ERRIDR_EL1 0x%lx\n",
		       undef(read_errselr) ? "UNDEF" : "readable", read_sysreg(s3_0_c5_c3_0));
		/* DISR_EL1 is the guest's: what it writes it reads back, also after exits. */
		write_sysreg(s3_0_c12_c1_1, 0x80000011ul);
		isb();
		printf("  DISR_EL1 written 0x80000011, reads 0x%lx", read_sysreg(s3_0_c12_c1_1));
		printf(", after a print 0x%lx\n", read_sysreg(s3_0_c12_c1_1));
		write_sysreg(s3_0_c12_c1_1, 0);
	}
	printf("TPIDR2_EL0: %s\n", presence(undef(read_tpidr2), ((pfr1 >> 24) & 0xf) != 0));
	printf("SCXTNUM_EL1, SCXTNUM_EL0: %s, %s\n",
	       presence(undef(read_scxtnum1), ((pfr0 >> 56) & 0xf) >= 2),
	       presence(undef(read_scxtnum0), ((pfr0 >> 56) & 0xf) >= 2));
	printf("TRFCR_EL1: %s\n", presence(undef(read_trfcr), ((dfr0 >> 40) & 0xf) != 0));
	printf("APIAKEY_EL1: %s\n",
	       presence(undef(read_apiakey), ((isar1 >> 4) & 0xff) != 0 || ((isar1 >> 24) & 0xff)));
	printf("el1_regs: done\n");
}
