/* SPDX-License-Identifier: MIT */
/* CPU features, ID registers and TLB maintenance. */
#include <arch/percpu.h>
#include <arch/sysreg.h>
#include <hyp/arch.h>
#include <hyp/esr.h>
#include <hyp/smmuv3.h>

void smmu_tlbi_ipa(uint64_t ipa);
void smmu_tlbi_all(void);
unsigned smmu_drain_events(void);
uint64_t smmu_fault_count(const struct smmu_event **last);

static bool has_mte_insns, has_mte2, has_mte3, has_idst, has_nmi;

/* Block sizes in bytes of DC ZVA/GZVA and of LDGM/STGM, used by tags.S; the smallest
 * data cache line (CTR_EL0.DminLine), used by cache.S. */
uint64_t zva_block, tag_block, dcache_line;

void cpu_features_init(void)
{
	unsigned mte = (read_sysreg(SYS_ID_AA64PFR1_EL1) >> 8) & 0xf;

	has_mte_insns = mte >= 1;
	has_mte2 = mte >= 2;
	has_mte3 = mte >= 3;
	has_idst = ((read_sysreg(SYS_ID_AA64MMFR2_EL1) >> 36) & 0xf) >= 1;
	has_nmi = ((read_sysreg(SYS_ID_AA64PFR1_EL1) >> 36) & 0xf) >= 1;
	zva_block = 4ull << (read_sysreg(dczid_el0) & 0xf);
	tag_block = has_mte2 ? 4ull << (read_sysreg(SYS_GMID_EL1) & 0xf) : 256;
	dcache_line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

bool arch_has_mte(void)
{
	return has_mte2;
}

bool arch_has_mte_asym(void)
{
	return has_mte3;
}

bool arch_has_mte_insns(void)
{
	return has_mte_insns;
}

bool arch_has_nmi(void)
{
	return has_nmi;
}

bool arch_has_idst(void)
{
	return has_idst;
}

#define ID_CASE(crm, op2)                 \
	case (crm) << 3 | (op2):          \
		return read_sysreg(s3_0_c0_c##crm##_##op2);
#define ID_ROW(crm)                                                                    \
	ID_CASE(crm, 0) ID_CASE(crm, 1) ID_CASE(crm, 2) ID_CASE(crm, 3) ID_CASE(crm, 4) \
		ID_CASE(crm, 5) ID_CASE(crm, 6) ID_CASE(crm, 7)

uint64_t arch_read_id_reg(uint32_t enc)
{
	switch (SYS_ENC_CRM(enc) << 3 | SYS_ENC_OP2(enc)) {
		ID_ROW(1)
		ID_ROW(2)
		ID_ROW(3)
		ID_ROW(4)
		ID_ROW(5)
		ID_ROW(6)
		ID_ROW(7)
	default:
		return 0;
	}
}

/*
 * Stage-2 TLB maintenance targets the VMID in VTTBR_EL2, so switch to the VM's
 * VMID for the operation. Combined stage 1+2 entries need the VMALLE1 as well.
 */
void arch_tlb_inval_ipa(uint16_t vmid, uint64_t ipa)
{
	uint64_t vttbr = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, (uint64_t)vmid << 48);
	isb();
	dsb(ishst);
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12));
	dsb(ish);
	__asm__ volatile("tlbi vmalle1is");
	dsb(ish);
	write_sysreg(vttbr_el2, vttbr);
	isb();
	if (vmid == 0) {
		smmu_tlbi_ipa(ipa); /* the host's devices use the host's stage 2 too */
	}
}

void arch_tlb_inval_vmid(uint16_t vmid)
{
	uint64_t vttbr = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, (uint64_t)vmid << 48);
	isb();
	dsb(ishst);
	__asm__ volatile("tlbi vmalls12e1is");
	dsb(ish);
	write_sysreg(vttbr_el2, vttbr);
	isb();
	if (vmid == 0) {
		smmu_tlbi_all();
	}
}

uint64_t arch_iommu_faults(struct iommu_fault *last)
{
	const struct smmu_event *e;
	uint64_t n;

	smmu_drain_events();
	n = smmu_fault_count(&e);
	*last = (struct iommu_fault){ e->sid, e->type, e->write, e->addr };
	return n;
}

void *hyp_va(phys_addr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

phys_addr_t hyp_pa(const void *va)
{
	return pa_init((uint64_t)(uintptr_t)va);
}
