/* SPDX-License-Identifier: MIT */
/* The virtual PMU's portable part: which registers are the PMU's, levels, the trap policy. */
#include <hyp/esr.h>
#include <hyp/pmu.h>
#include <hyp/vm.h>

bool pmu_is_reg(uint32_t enc)
{
	unsigned op0 = SYS_ENC_OP0(enc), op1 = SYS_ENC_OP1(enc), crn = SYS_ENC_CRN(enc);
	unsigned crm = SYS_ENC_CRM(enc), op2 = SYS_ENC_OP2(enc);

	if (op0 != 3) {
		return false;
	}
	/* PMCR..PMCEID1, PMCCNTR..PMXEVCNTR, PMUSERENR, PMOVSSET (op1 3, CRn 9). */
	if (op1 == 3 && crn == 9 &&
	    (crm == 12 || crm == 13 || (crm == 14 && (op2 == 0 || op2 == 3)))) {
		return true;
	}
	/* PMINTENSET, PMINTENCLR, PMMIR (op1 0, CRn 9, CRm 14). */
	if (op1 == 0 && crn == 9 && crm == 14 && (op2 == 1 || op2 == 2 || op2 == 6)) {
		return true;
	}
	/* PMEVCNTR<n>, PMEVTYPER<n>, PMCCFILTR (op1 3, CRn 14, CRm 8..15). */
	return op1 == 3 && crn == 14 && crm >= 8;
}

#define PMU_FILTER_GUEST (1ull << 31 | 1ull << 30) /* P, U: EL1 and EL0 */
#define PMU_EVTCOUNT	 0xffffull
#define PMUSERENR_BITS	 0xfull /* EN, SW, CR, ER */
#define PMSELR_BITS	 0x1full

void pmu_state_sanitize(struct pmu_state *s)
{
	unsigned n = arch_pmu_present() ? arch_pmu_counters() : 0;
	uint64_t counters = ((1ull << n) - 1) | (n ? PMU_CYCLE_BIT : 0);

	s->pmcr &= n ? PMCR_STATE : 0;
	s->cnten &= counters;
	s->inten &= counters;
	s->ovs &= counters;
	s->selr &= n ? PMSELR_BITS : 0;
	s->userenr &= n ? PMUSERENR_BITS : 0;
	s->ccfiltr &= n ? PMU_FILTER_GUEST : 0;
	s->ccntr = n ? s->ccntr : 0;
	for (unsigned i = 0; i < PMU_MAX_COUNTERS; i++) {
		s->evtyper[i] &= i < n ? PMU_FILTER_GUEST | PMU_EVTCOUNT : 0;
		s->evcntr[i] = i < n ? s->evcntr[i] : 0;
	}
}

bool pmu_state_level(const struct pmu_state *s)
{
	return (s->pmcr & PMCR_E) && (s->inten & s->ovs);
}

bool pmu_state_counting(const struct pmu_state *s)
{
	return (s->pmcr & PMCR_E) && s->cnten;
}

bool vpmu_level(struct vcpu *vcpu)
{
	if (arch_pmu_loaded(vcpu)) {
		return arch_pmu_hw_level();
	}
	return pmu_state_level(&vcpu->pmu.regs);
}

bool pmu_trap(struct vcpu *vcpu, uint64_t esr)
{
	uint32_t enc = (uint32_t)(esr & ESR_SYS_ENC_MASK);

	if (!pmu_is_reg(enc) || !arch_pmu_present() || arch_pmu_loaded(vcpu)) {
		return false;
	}
	/* The first access of this run: the PMU becomes the guest's, the access is retried. */
	arch_pmu_take(vcpu);
	return true;
}
