/* SPDX-License-Identifier: MIT */
/*
 * A virtual PMUv3 per vCPU: the CPU's own PMU, handed to the guest while it runs. The
 * guest's counters count only the guest (MDCR_EL2.HPMD and HCCD prohibit counting at
 * EL2; the host's registers are saved while the guest's are loaded), and the host's
 * counters are stopped while any guest runs. The state moves lazily: a vCPU's PMU is
 * loaded on its first access (MDCR_EL2.TPM traps until then), and at every entry while
 * its counters count; once they are stopped it goes back to trapping.
 */
#ifndef HYP_PMU_H
#define HYP_PMU_H

#include <stdbool.h>
#include <stdint.h>

#define PMU_MAX_COUNTERS 31 /* event counters; the cycle counter is bit 31 of the masks */
#define PMU_CYCLE_BIT	 (1ull << 31)

#define PMCR_E	(1ull << 0)
#define PMCR_P	(1ull << 1) /* write-only: reset the event counters */
#define PMCR_C	(1ull << 2) /* write-only: reset the cycle counter */
#define PMCR_D	(1ull << 3)
#define PMCR_X	(1ull << 4)
#define PMCR_DP (1ull << 5)
#define PMCR_LC (1ull << 6)
#define PMCR_LP (1ull << 7)
/* What a vCPU's PMCR_EL0 keeps (N and IDCODE read from the hardware, P and C are actions). */
#define PMCR_STATE (PMCR_E | PMCR_D | PMCR_X | PMCR_DP | PMCR_LC | PMCR_LP)

/* The PMU registers of a context, as they are saved when it does not own the PMU. */
struct pmu_state {
	uint64_t pmcr;	  /* PMCR_STATE bits */
	uint64_t cnten;	  /* PMCNTENSET_EL0 */
	uint64_t inten;	  /* PMINTENSET_EL1 */
	uint64_t ovs;	  /* PMOVSSET_EL0 */
	uint64_t selr;	  /* PMSELR_EL0 */
	uint64_t userenr; /* PMUSERENR_EL0 */
	uint64_t ccfiltr; /* PMCCFILTR_EL0 */
	uint64_t ccntr;	  /* PMCCNTR_EL0 */
	uint64_t evcntr[PMU_MAX_COUNTERS];
	uint64_t evtyper[PMU_MAX_COUNTERS];
};

/* A vCPU's PMU: its registers while it is not loaded, and whether it counts. */
struct vpmu {
	struct pmu_state regs;
	bool counting; /* loaded at every entry: its counters count */
};

struct vcpu;

/* Whether a system register encoding (SYS_ENC) is one of the PMU's. */
bool pmu_is_reg(uint32_t enc);

/* The overflow interrupt's level for a state: PMCR.E, and an enabled counter overflowed. */
bool pmu_state_level(const struct pmu_state *s);

/* Whether a state's counters count (then it is loaded at every entry). */
bool pmu_state_counting(const struct pmu_state *s);

/* The overflow interrupt's level of a vCPU, from the hardware if its PMU is loaded. */
bool vpmu_level(struct vcpu *vcpu);

/*
 * A trapped access (EC 0x18) to a PMU register by a vCPU whose PMU is not loaded: loads it
 * and returns true, the instruction to be executed again. False if esr is not a PMU
 * register or the CPU has no PMU (the caller gives an UNDEF).
 */
bool pmu_trap(struct vcpu *vcpu, uint64_t esr);

/*
 * Clears what a vCPU's PMU registers cannot hold on this CPU (a restored state): the
 * read-only and action bits of PMCR, counters beyond PMCR.N, filters of EL2 and EL3
 * (a guest has neither), bits PMUSERENR and PMSELR do not have.
 */
void pmu_state_sanitize(struct pmu_state *s);

/* Provided by the arch. */
bool arch_pmu_present(void);
unsigned arch_pmu_counters(void); /* PMCR_EL0.N: event counters (0 without a PMU) */
/* Loads the running vCPU's PMU (the host's saved and stopped); stops trapping its accesses. */
void arch_pmu_take(struct vcpu *vcpu);
/* Whether the vCPU's PMU is in the hardware now, and its level read from there. */
bool arch_pmu_loaded(const struct vcpu *vcpu);
bool arch_pmu_hw_level(void);

#endif
