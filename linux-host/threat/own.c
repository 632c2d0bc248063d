// SPDX-License-Identifier: GPL-2.0
/* test=own: the MTE registers, and tag instructions on the module's own memory. */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/sysreg.h>

#include "tvthreat.h"

static void own_registers(void)
{
	static const struct {
		const char *name;
		bool write;
	} regs[] = { { "GCR_EL1" }, { "GCR_EL1", true }, { "RGSR_EL1" }, { "RGSR_EL1", true },
		     { "TFSR_EL1" }, { "TFSR_EL1", true }, { "TFSRE0_EL1" }, { "TFSRE0_EL1", true } };
	bool undef[ARRAY_SIZE(regs)], gmid;
	u64 esr[ARRAY_SIZE(regs)], gmid_esr, v = 0, pfr1;
	unsigned long flags;
	unsigned int i = 0;

	local_irq_save(flags);
	/* Writes put back what was there: a no-op where they are allowed. */
	undef[i] = TRY("mrs x0, s3_0_c1_c0_6", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c1_c0_6, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c1_c0_5", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c1_c0_5, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c5_c6_0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c5_c6_0, x0", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("mrs x0, s3_0_c5_c6_1", v, 0), esr[i++] = trap.esr;
	undef[i] = TRY("msr s3_0_c5_c6_1, x0", v, 0), esr[i++] = trap.esr;
	gmid = TRY("mrs x0, s3_1_c0_c0_4", v, 0);
	gmid_esr = trap.esr;
	local_irq_restore(flags);
	pfr1 = read_sysreg_s(SYS_ID_AA64PFR1_EL1);

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		check(undef[i] == !host_mte && (host_mte || esr[i] == 0x02000000),
		      "%s %s: %s (ESR 0x%llx)", regs[i].write ? "MSR" : "MRS", regs[i].name,
		      undef[i] ? "UNDEF" : "allowed", undef[i] ? esr[i] : 0);
	}
	/* A CPU without MTE2 with FEAT_IDST: GMID_EL1 faults with the trapped-MRS syndrome. */
	check(gmid == !host_mte && (host_mte || EC(gmid_esr) == 0x18),
	      "MRS GMID_EL1: %s (ESR 0x%llx)", gmid ? "UNDEF" : "allowed", gmid ? gmid_esr : 0);
	check((((pfr1 >> 8) & 0xf) >= 2) == host_mte, "ID_AA64PFR1_EL1.MTE is %llu",
	      (pfr1 >> 8) & 0xf);
}

static void own_memory(void)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	u8 *va = page ? vmap(&page, 1, VM_MAP, pgprot_tagged(PAGE_KERNEL)) : NULL;
	u64 ldg, ldgm, gva, x0;
	bool faults = false;
	struct el1_state s;

	if (!va) {
		check(false, "own memory: no page");
		goto out;
	}
	el1_tags_on(&s);
	x0 = TAGGED(va, 7);
	faults |= TRY("stg x0, [x1]", x0, (u64)va);
	x0 = (u64)va;
	faults |= TRY("ldg x0, [x1]", x0, (u64)va);
	ldg = (x0 >> 56) & 0xf;
	x0 = 0x5555555555555555ull;
	faults |= TRY("stgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	x0 = 0;
	faults |= TRY("ldgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	ldgm = x0;
	x0 = 0;
	faults |= TRY("dc gva, x1", x0, TAGGED(va + 2 * TAG_BLOCK, 0xa));
	x0 = (u64)va + 2 * TAG_BLOCK;
	faults |= TRY("ldg x0, [x1]", x0, x0);
	gva = (x0 >> 56) & 0xf;
	/* Leave the page as it came: tags 0 (nothing to undo if they never changed). */
	x0 = 0;
	TRY("stgm x0, [x1]", x0, (u64)va + TAG_BLOCK);
	TRY("stg x1, [x1]", x0, (u64)va);
	x0 = 0;
	TRY("dc gva, x1", x0, (u64)va + 2 * TAG_BLOCK);
	el1_tags_off(&s);

	check(!faults, "own memory: tag instructions take no exception");
	check(ldg == (host_mte ? 7 : 0), "own memory: STG tag 7, LDG reads %llu", ldg);
	check(ldgm == (host_mte ? 0x5555555555555555ull : 0), "own memory: STGM, LDGM reads 0x%llx",
	      ldgm);
	check(gva == (host_mte ? 0xa : 0), "own memory: DC GVA tag 0xa, LDG reads %llu", gva);
	vunmap(va);
out:
	if (page)
		__free_page(page);
}

void test_own(void)
{
	own_registers();
	own_memory();
}
