/* SPDX-License-Identifier: MIT */
/*
 * What the world switch moves only when it must (hyp/include/hyp/pmu.h, debug.h, timer.h
 * say what and why): a few inline checks at each entry and exit, the work out of line
 * (pmu.c, debug.c, vgic.c).
 */
#ifndef ARCH_LAZY_H
#define ARCH_LAZY_H

#include <arch/percpu.h>
#include <arch/sysreg.h>
#include <hyp/debug.h>
#include <hyp/pmu.h>
#include <hyp/vm.h>

void pmu_arch_init(struct hyp_cpu *cpu);
void debug_arch_init(struct hyp_cpu *cpu);
/* The vCPU's registers into the hardware, the host's saved; and back. */
void pmu_take(struct hyp_cpu *cpu, struct vcpu *vcpu);
void pmu_give_back(struct hyp_cpu *cpu);
void debug_take(struct hyp_cpu *cpu, struct vcpu *vcpu);
void debug_give_back(struct hyp_cpu *cpu);
/* Deactivates the PPIs EL2 left active for the guest; disarms CNTHP. */
void vgic_release_held_ppis(struct hyp_cpu *cpu);
void vgic_stop_hyp_timer(struct hyp_cpu *cpu);

/* MDCR_EL2 for running a vCPU: its PMU and debug registers trap until they are loaded. */
static inline uint64_t guest_mdcr(const struct hyp_cpu *cpu, const struct vcpu *vcpu)
{
	return cpu->guest_mdcr | (cpu->pmu_owner == vcpu ? 0 : MDCR_TPM | MDCR_TPMCR) |
	       (cpu->debug_owner == vcpu ? 0 : MDCR_TDA);
}

/*
 * Entering a vCPU: its PMU goes in if its counters count, else the host's counters are
 * stopped (PMCR_EL0.E) so that none counts the guest; its debug state goes in if its
 * MDSCR_EL1 enables debug events, so that no breakpoint of the host's can fire in it.
 */
static inline void lazy_enter(struct hyp_cpu *cpu, struct vcpu *vcpu)
{
	if (vcpu->pmu.counting) {
		pmu_take(cpu, vcpu);
	} else if (cpu->has_pmu) {
		uint64_t pmcr = read_sysreg(pmcr_el0);

		if (pmcr & PMCR_E) {
			cpu->host_pmcr = pmcr;
			write_sysreg(pmcr_el0, pmcr & ~(PMCR_E | PMCR_P | PMCR_C));
			isb();
		}
	}
	if (debug_in_use(vcpu->ctxt.sys[CTX_MDSCR_EL1])) {
		debug_take(cpu, vcpu);
	}
}

/* Leaving it: the host's PMU and debug registers as they were. */
static inline void lazy_exit(struct hyp_cpu *cpu)
{
	if (cpu->pmu_owner) {
		pmu_give_back(cpu);
	} else if (cpu->host_pmcr) {
		write_sysreg(pmcr_el0, cpu->host_pmcr & ~(PMCR_P | PMCR_C));
		cpu->host_pmcr = 0;
		isb();
	}
	if (cpu->debug_owner) {
		debug_give_back(cpu);
	}
	if (cpu->hyp_timer_armed) {
		vgic_stop_hyp_timer(cpu);
	}
}

#endif
